-- The catalog `krimdash init` loaded last (JSON), if any.
select data from catalog_snapshot order by loaded_at desc limit 1
