-- The figures of an import's plan (queries/import_plan.sql) whose value the save would change:
-- the warnings look in their months and series (dashboard.rules.added_warnings).
select month, measure, category
from import_plan
where old_value is null or old_value <> value
