-- Every staged row without an error (rule_readable, all lookups without a reason), read into
-- typed columns. The lookups hold what Python found for each distinct cell: rule_months (the
-- month, or why it is not one), rule_values (the number, or why it is not one), rule_keys (the
-- measure and category ids, stripped, or why the catalog has no such figure) and rule_notes
-- (the notes that strip shorter, stripped). dashboard.rules.check makes it the temp table or view
-- rule_valid: a table when few rows are staged (the plan reads it several times, and the joins
-- are then done once), a view when many (a large file's copy would cost memory, about 20 MB for
-- 276,000 rows). A few rows that are all valid figures go straight into the table rule_checked,
-- in one statement with the lookups and rule_readable given as common table expressions.
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
where k.reason is null and m.reason is null and v.reason is null
