-- Target revisions from the registered frame `incoming` (columns as target_revisions, without
-- batch_id), all in batch $batch_id.
insert into target_revisions by name
select $batch_id as batch_id, * from incoming
