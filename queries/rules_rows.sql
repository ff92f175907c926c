-- Row errors, and every row without one read into typed columns (rule_valid), of the staged
-- rows without an unreadable cell (rule_readable).
-- The lookups hold what Python found for each distinct cell (rule_months: the month or why it
-- is not one; rule_values: the number or why it is not one; rule_keys: the measure and category
-- ids, stripped, or why the catalog has no such figure; rule_notes: notes that strip shorter).
-- Errors come in the order a row is checked: measure or category (1), month (2), value (3).
create or replace temp table rule_row_errors as
select s.ord, s.line, s.src, 1 as seq, k.field, k.reason
from rule_readable as s
join rule_keys as k on k.measure_raw = s.measure and k.category_raw = s.category
where k.reason is not null
union all
select s.ord, s.line, s.src, 2, 'month', m.reason
from rule_readable as s
join rule_months as m on m.raw = s.month and m.obj = (s.objs & 1 <> 0)
where m.reason is not null
union all
select s.ord, s.line, s.src, 3, 'value', v.reason
from rule_readable as s
join rule_values as v on v.raw = s.value and v.obj = (s.objs & 8 <> 0)
where v.reason is not null;

create or replace temp table rule_valid as
select
    s.ord,
    s.line,
    s.src,
    m.month,
    k.measure,
    k.category,
    v.number as value,
    coalesce(n.note, s.note) as note
from rule_readable as s
join rule_keys as k on k.measure_raw = s.measure and k.category_raw = s.category
join rule_months as m on m.raw = s.month and m.obj = (s.objs & 1 <> 0)
join rule_values as v on v.raw = s.value and v.obj = (s.objs & 8 <> 0)
left join rule_notes as n on n.raw = s.note
where
    k.reason is null and m.reason is null and v.reason is null
   ;
