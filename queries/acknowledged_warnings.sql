-- Warnings acknowledged when saving, with the note that explains them.
select
    b.id as batch_id,
    b.created_at,
    b.user_name,
    b.note,
    w.value ->> 'message' as message
from batches as b,
    unnest(cast(json(b.warnings) as json[])) as w(value)
order by b.id
