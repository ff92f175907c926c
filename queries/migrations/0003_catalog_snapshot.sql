-- The catalog `krimdash init` loaded, whole (relations and funnels too), as JSON of
-- dashboard.catalog.catalog_data(). Pages read this one catalog, so they always agree with the
-- catalog tables above, which init fills from the same catalog in the same transaction; a
-- catalog file edited since shows on the pages as "run krimdash init".

create table catalog_snapshot (
    data varchar not null,  -- JSON
    loaded_at timestamp not null  -- UTC
);
