-- The current targets as stored (for the write pages): with their id and demo mark, labels as
-- written.
select
    id, measure_id, category, target_month, from_month, value, label_da, label_en, source, is_demo
from targets
order by measure_id, category, target_month, id
