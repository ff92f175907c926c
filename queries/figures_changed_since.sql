-- The figures whose value now differs from what a form or preview showed: the registered
-- `shown` frame (month, measure, category, value; value null = no figure shown). `now` is null
-- when there is no figure (never one, or retracted); who and when name the latest revision.
-- At most 200: a message names the first ones, and one is enough to save nothing.
with latest as (
    select
        r.month,
        r.measure_id,
        r.category,
        r.value,
        b.user_name,
        b.created_at,
        b.id as batch_id,
        row_number() over (
            partition by r.month, r.measure_id, r.category order by r.batch_id desc
        ) as revision_rank
    from figure_revisions as r
    join batches as b on b.id = r.batch_id
    semi join shown as s
        on s.month = r.month and s.measure = r.measure_id and s.category = r.category
)

select
    s.month,
    s.measure,
    s.category,
    s.value as shown,
    l.value as now,
    l.user_name,
    l.created_at,
    l.batch_id
from shown as s
left join latest as l
    on
        l.month = s.month
        and l.measure_id = s.measure
        and l.category = s.category
        and l.revision_rank = 1
where s.value is distinct from l.value
order by s.month, s.measure, s.category
limit 200
