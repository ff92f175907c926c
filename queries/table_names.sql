-- Every table of the connection's database (its main schema, no temp tables), by name: what the
-- start-up check (Store.check) reads to the end, what a backup exports, what migrate-store copies.
select table_name
from duckdb_tables()
where database_name = current_database() and schema_name = 'main' and not temporary
order by table_name
