-- The audit log: one row per write, newest first.
select
    id,
    created_at,
    user_name,
    action,
    file_name,
    file_sha256,
    n_new,
    n_changed,
    n_unchanged,
    n_retracted,
    warnings,
    note,
    is_demo
from batches
order by id desc
