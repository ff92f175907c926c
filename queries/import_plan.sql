-- The plan of an import (dashboard.imports), on the rules' connection: each checked figure of the
-- file (rule_checked) against the current figure (import_before: an Arrow table read from the
-- store inside the write transaction, queries/import_current.sql), as new, changed (another
-- value, or a note that differs) or unchanged; the figures whose value the save would change
-- (import_touched); the state after the save (import_after) that the warnings compare with
-- import_before.
create or replace temp table import_plan as
select
    f.ord,
    f.line,
    f.month,
    f.measure,
    f.category,
    f.value,
    f.note,
    c.value as old_value,
    case
        when c.value is null then 'new'
        when c.value <> f.value or (f.note <> '' and f.note <> c.note) then 'changed'
        else 'unchanged'
    end as change
from rule_checked as f
left join import_before as c
    on c.month = f.month and c.measure = f.measure and c.category = f.category;

create or replace temp table import_touched as
select month, measure, category
from import_plan
where old_value is null or old_value <> value;

-- The state after the save, where the warnings look: the file's figures over the current ones.
create or replace temp table import_after as
select b.month, b.measure, b.category, b.value
from import_before as b
anti join rule_checked as f
    on f.month = b.month and f.measure = b.measure and f.category = b.category
union all
select month, measure, category, value
from rule_checked;
