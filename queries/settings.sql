-- Every app setting.
select key, value from app_settings order by key
