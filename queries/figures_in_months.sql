-- Current figures of two months, side by side per measure and category.
with a as (
    select measure_id, category, value from current_figures where month = $month_a
),

b as (
    select measure_id, category, value from current_figures where month = $month_b
),

final as (
    select
        coalesce(a.measure_id, b.measure_id) as measure,
        coalesce(a.category, b.category) as category,
        a.value as value_a,
        b.value as value_b,
        b.value - a.value as difference
    from a
    full outer join b on a.measure_id = b.measure_id and a.category = b.category
)

select final.*
from final
join measures as m on m.id = final.measure
order by m.sort_order, final.category
