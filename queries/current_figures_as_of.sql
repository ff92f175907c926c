-- The view current_figures as it stood at $as_of (UTC): the latest revision of every figure
-- recorded by then, retracted ones left out. history.query_as_of makes it a temporary table
-- named current_figures, so every query over current_figures reads that moment.
with ranked as (
    select
        r.month,
        r.measure_id,
        r.category,
        r.value,
        r.note,
        r.batch_id,
        b.created_at as recorded_at,
        b.user_name as recorded_by,
        (b.is_demo or r.note like 'DEMO%') as is_demo,
        row_number() over (
            partition by r.month, r.measure_id, r.category order by r.batch_id desc
        ) as revision_rank
    from figure_revisions as r
    join batches as b on b.id = r.batch_id
    where b.created_at <= $as_of
)

select month, measure_id, category, value, note, batch_id, recorded_at, recorded_by, is_demo
from ranked
where revision_rank = 1 and value is not null
