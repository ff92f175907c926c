-- The latest status row of every month that has one, as it stood at $as_of (UTC).
with ranked as (
    select
        month,
        status,
        changed_at,
        changed_by,
        reason,
        row_number() over (partition by month order by id desc) as status_rank
    from month_status
    where changed_at <= $as_of
)

select month, status, changed_at, changed_by, reason
from ranked
where status_rank = 1
order by month
