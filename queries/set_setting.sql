-- Set one app setting (MERGE, not ON CONFLICT: the shared store has no primary keys).
merge into app_settings
using (select $key::varchar as key, $value::varchar as value) as given
on app_settings.key = given.key
when matched then update set value = given.value
when not matched then insert (key, value) values (given.key, given.value)
