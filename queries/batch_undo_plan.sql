-- What undoing batch $batch_id means for each figure it set: the value (and note) the figure
-- had just before the batch (null: it had none), and the first later batch that has changed
-- the figure since (null: none has, so the undo may restore it).
with mine as (
    select month, measure_id, category
    from figure_revisions
    where batch_id = $batch_id
),

earlier as (
    select
        r.month,
        r.measure_id,
        r.category,
        r.value,
        r.note,
        row_number() over (
            partition by r.month, r.measure_id, r.category order by r.batch_id desc
        ) as revision_rank
    from figure_revisions as r
    semi join mine as m
        on m.month = r.month and m.measure_id = r.measure_id and m.category = r.category
    where r.batch_id < $batch_id
),

later as (
    select r.month, r.measure_id, r.category, min(r.batch_id) as later_batch
    from figure_revisions as r
    semi join mine as m
        on m.month = r.month and m.measure_id = r.measure_id and m.category = r.category
    where r.batch_id > $batch_id
    group by r.month, r.measure_id, r.category
)

select
    m.month,
    m.measure_id as measure,
    m.category,
    e.value as before_value,
    coalesce(e.note, '') as before_note,
    l.later_batch
from mine as m
left join earlier as e
    on
        e.month = m.month
        and e.measure_id = m.measure_id
        and e.category = m.category
        and e.revision_rank = 1
left join later as l
    on l.month = m.month and l.measure_id = m.measure_id and l.category = m.category
order by m.month, m.measure_id, m.category
