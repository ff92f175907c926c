-- Current figures with who recorded them and whether they are demo figures.
select
    f.month,
    f.measure_id as measure,
    m.initiative_id as initiative,
    f.category,
    f.value,
    f.note,
    f.recorded_at,
    f.recorded_by,
    f.is_demo
from current_figures as f
join measures as m on m.id = f.measure_id
order by f.month, m.sort_order, f.category
