-- Every month that had at least one figure at $as_of (UTC), oldest first.
with revisions_then as (
    select
        r.month,
        r.value,
        row_number() over (
            partition by r.month, r.measure_id, r.category order by r.batch_id desc
        ) as revision_rank
    from figure_revisions as r
    join batches as b on b.id = r.batch_id
    where b.created_at <= $as_of
)

select distinct month
from revisions_then
where revision_rank = 1 and value is not null
order by month
