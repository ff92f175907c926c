-- One batch of the audit log by its id (columns as in batches.sql).
select
    id,
    created_at,
    user_name,
    action,
    file_name,
    n_new,
    n_changed,
    n_retracted,
    note
from batches
where id = $batch_id
