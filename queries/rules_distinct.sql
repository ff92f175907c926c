-- The distinct cells the rules read in Python, once each however many rows repeat them:
-- months (parse_month: Danish names), values (parse_value: the thousands-separator hint),
-- measure + category pairs (the catalog, and difflib's "mente du …?"), notes (stripped).
-- Rows with an unreadable cell (rule_bad_cells) are left out. `kind` says which of them.
select distinct 'month' as kind, month as a, '' as b, objs & 1 <> 0 as obj
from staging where ord not in (select ord from rule_bad_cells)
union all
select distinct 'value', value, '', objs & 8 <> 0
from staging where ord not in (select ord from rule_bad_cells)
union all
select distinct 'key', measure, category, false
from staging where ord not in (select ord from rule_bad_cells)
union all
select distinct 'note', note, '', false
from staging where ord not in (select ord from rule_bad_cells)
