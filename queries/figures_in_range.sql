-- Current figures of the months from $first to $last (the compare page's two periods).
select
    f.month,
    f.measure_id as measure,
    f.category,
    f.value
from current_figures as f
where f.month between $first and $last
order by f.measure_id, f.category, f.month
