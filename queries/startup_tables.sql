-- Every table in the database, for the start-up check (Store.check) to read to the end.
select table_name
from duckdb_tables()
where database_name = current_database()
order by table_name
