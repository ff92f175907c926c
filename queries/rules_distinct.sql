-- The distinct cells the rules read in Python, once each however many rows repeat them:
-- months (parse_month: Danish names), values (parse_value: the thousands-separator hint),
-- measure + category pairs (the catalog, and difflib's "mente du …?"), notes (stripped).
-- Read from rule_readable: the staged rows without an unreadable cell. `kind` says which.
select distinct 'month' as kind, month as a, '' as b, objs & 1 <> 0 as obj
from rule_readable
union all
select distinct 'value', value, '', objs & 8 <> 0
from rule_readable
union all
select distinct 'key', measure, category, false
from rule_readable
union all
select distinct 'note', note, '', false
from rule_readable
