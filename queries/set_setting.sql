-- Set one app setting.
insert into app_settings (key, value) values ($key, $value)
on conflict (key) do update set value = excluded.value
