-- The catalog is replaced whole from the registered frames on `init`; figures never are, and
-- neither are events and targets (the database owns them: queries/seed_events.sql and
-- seed_targets.sql add only ids it has not seen). Runs inside the caller's transaction.
delete from measure_categories;
delete from measures;
delete from initiatives;
delete from catalog_snapshot;
insert into initiatives by name select * from initiatives_in;
insert into measures by name select * from measures_in;
insert into measure_categories by name select * from categories_in;
insert into catalog_snapshot by name select * from catalog_snapshot_in;
