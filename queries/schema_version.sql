-- The highest migration applied; 0 for a new database.
select coalesce(max(version), 0) as version from schema_version
