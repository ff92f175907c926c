-- A batch that changed a figure of an approved month sends that month back to kladde, in the
-- same transaction: one 'kladde' row per approved month the batch touched (ids made here, one
-- more than the highest, as in insert_month_status.sql).
with latest as (
    select
        month,
        status,
        row_number() over (partition by month order by id desc) as status_rank
    from month_status
),

touched as (
    select distinct month from figure_revisions where batch_id = $batch_id
)

insert into month_status (id, month, status, changed_at, changed_by, reason, batch_id)
select
    (select coalesce(max(id), 0) from month_status) + row_number() over (order by t.month),
    t.month, 'kladde', $changed_at, $changed_by, $reason, $batch_id
from touched as t
join latest as l on l.month = t.month and l.status_rank = 1
where l.status = 'approved'
order by t.month
