-- The figures (month, measure, category) that more than one valid row gives (a hash aggregate):
-- only these are ranked for duplicates (queries/rules_duplicates.sql).
create or replace temp table rule_repeated as
select month, measure, category
from rule_valid
group by month, measure, category
having count(*) > 1
