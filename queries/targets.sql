-- Targets per measure, for goal lines and progress on the overview.
select
    measure_id as measure,
    category,
    target_month,
    from_month,
    value,
    label_da,
    label_en,
    source
from targets
order by measure_id, category, target_month
