-- Month's text revisions from the registered frame `incoming` (month, section, body, removed),
-- all in batch $batch_id.
insert into month_text_revisions by name
select $batch_id as batch_id, * from incoming
