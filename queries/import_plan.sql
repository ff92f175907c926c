-- The plan of an import, inside its write transaction (dashboard.imports): each checked figure of
-- the file (import_figures) against the current figure, as new, changed (another value, or a
-- note that differs) or unchanged; the current figures the warnings compare with (those of every
-- month and series the file has a figure in: import_before); and the figures whose value the
-- save would change (import_touched).
create or replace temp table import_before as
select month, measure_id as measure, category, value, note
from current_figures
where
    month in (select distinct month from import_figures)
    or (measure_id, category) in (select distinct measure, category from import_figures);

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
from import_figures as f
left join import_before as c
    on c.month = f.month and c.measure = f.measure and c.category = f.category;

create or replace temp table import_touched as
select month, measure, category
from import_plan
where old_value is null or old_value <> value;

-- The state after the save, where the warnings look: the file's figures over the current ones.
create or replace temp view import_after as
select b.month, b.measure, b.category, b.value
from import_before as b
anti join import_figures as f
    on f.month = b.month and f.measure = b.measure and f.category = b.category
union all
select month, measure, category, value
from import_figures;

-- What the batch writes: the new and changed figures.
create or replace temp view import_revisions as
select month, measure, category, value, note
from import_plan
where change <> 'unchanged';
