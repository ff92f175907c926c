-- The state after an import's save, where the warnings look (dashboard.rules.added_warnings, to
-- compare with import_before): the file's figures (import_plan) over the current ones.
select b.month, b.measure, b.category, b.value
from import_before as b
anti join import_plan as f
    on f.month = b.month and f.measure = b.measure and f.category = b.category
union all
select month, measure, category, value
from import_plan
