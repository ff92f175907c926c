-- Reference data (catalog, events, targets) is replaced whole from the registered frames on
-- `init`; figures never are. Runs inside the caller's transaction.
delete from measure_categories;
delete from measures;
delete from initiatives;
delete from events;
delete from targets;
delete from catalog_snapshot;
insert into initiatives by name select * from initiatives_in;
insert into measures by name select * from measures_in;
insert into measure_categories by name select * from categories_in;
insert into events by name select * from events_in;
insert into targets by name select * from targets_in;
insert into catalog_snapshot by name select * from catalog_snapshot_in;
