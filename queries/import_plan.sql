-- The plan of an import (dashboard.imports), on the store's connection inside its transaction:
-- the current figures of every month and every series (measure, category) the file has a figure
-- in, so that the warnings see whole months and series (import_before); each checked figure of
-- the file (rule_checked) against them, as new, changed (another value, or a note that differs)
-- or unchanged (import_plan). What the warnings compare (when a value changes at all) is in
-- import_after.sql and import_touched.sql.
--
-- Only a file without errors is planned: then every staged row is a valid one, and the months
-- and series of its figures are those of its figures ({months} and {series}: rule_checked for a
-- few rows, a table or a view of one; for a large file the lookups the rules read its distinct
-- cells into, rule_months and rule_keys of queries/rules_valid.sql, so that its rule_valid view
-- and its joins are read once).
-- The current figures are the latest revision of each figure, unless it withdrew the figure (the
-- current_figures view's rule), read straight from figure_revisions with arg_max_null (which,
-- unlike arg_max, keeps a withdrawal's null): the view's window and its join to batches cost a
-- small import a few milliseconds more to plan.
create or replace temp table import_before as
select
    month,
    measure_id as measure,
    category,
    arg_max_null(value, batch_id) as value,
    arg_max_null(note, batch_id) as note
from figure_revisions
where
    month in (select month from {months})
    or (measure_id, category) in (select measure, category from {series})
group by month, measure_id, category
having arg_max_null(value, batch_id) is not null;

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
