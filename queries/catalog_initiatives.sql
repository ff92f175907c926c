-- Initiatives in catalog order.
select id, name_da, name_en, started, description_da, description_en
from initiatives
order by sort_order
