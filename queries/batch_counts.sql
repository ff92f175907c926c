-- How many batches the audit log holds, and how many figures batch $batch wrote.
select
    (select count(*) from batches) as batches,
    (select count(*) from figure_revisions where batch_id = $batch) as revisions
