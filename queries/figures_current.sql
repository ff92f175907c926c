-- Current value of every figure, in export order.
select
    month,
    measure_id as measure,
    category,
    value,
    note
from current_figures
order by month, measure, category
