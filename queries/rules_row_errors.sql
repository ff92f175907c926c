-- Row errors of the staged rows without an unreadable cell (rule_readable): a measure or category
-- the catalog does not have, a month that is not one (or before 2000 or in the future), a value
-- that is not a whole number from 0 to the limit. The lookups hold what Python found for each
-- distinct cell (rule_keys, rule_months, rule_values: see queries/rules_valid.sql). Errors come
-- in the order a row is checked: measure or category (1), month (2), value (3).
select s.ord, 1 as seq, s.line, s.src, k.field, k.reason
from rule_readable as s
join rule_keys as k on k.measure_raw = s.measure and k.category_raw = s.category
where k.reason is not null
union all
select s.ord, 2, s.line, s.src, 'month', m.reason
from rule_readable as s
join rule_months as m on m.raw = s.month and m.obj = (s.objs & 1 <> 0)
where m.reason is not null
union all
select s.ord, 3, s.line, s.src, 'value', v.reason
from rule_readable as s
join rule_values as v on v.raw = s.value and v.obj = (s.objs & 8 <> 0)
where v.reason is not null
