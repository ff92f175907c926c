-- Current figures of two months ($month and $previous): what the entry form shows and fills in.
select
    month,
    measure_id as measure,
    category,
    value
from current_figures
where month in ($month, $previous)
