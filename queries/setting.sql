-- One app setting's value, if set.
select value from app_settings where key = $key
