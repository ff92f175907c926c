-- Measures in catalog order, with their initiative.
select
    id,
    initiative_id as initiative,
    label_da,
    label_en,
    kind,
    definition_da,
    definition_en,
    is_key
from measures
order by sort_order
