-- Event revisions from the registered frame `incoming` (columns as event_revisions, without
-- batch_id), all in batch $batch_id.
insert into event_revisions by name
select $batch_id as batch_id, * from incoming
