-- The same figure (month, measure, category) twice in one file: with the same value it is one
-- figure (the first row's, note included); with another value it is an error at the later row,
-- naming the first row's value and line (dashboard.rules.check phrases it). rule_checked holds
-- the figures the file gives. Only the figures given more than once (rule_repeated) are ranked.
create or replace temp table rule_ranked as
select
    v.*,
    row_number() over same_figure as n,
    first_value(v.value) over same_figure as first_value,
    first_value(v.line) over same_figure as first_line
from rule_valid as v
semi join rule_repeated as r
    on r.month = v.month and r.measure = v.measure and r.category = v.category
window same_figure as (partition by v.month, v.measure, v.category order by v.ord);

create or replace temp view rule_checked as
select ord, line, month, measure, category, value, note
from rule_valid
where ord not in (select ord from rule_ranked where n > 1);

create or replace temp table rule_duplicate_errors as
select ord, line, src, month, measure, category, first_value, first_line, value
from rule_ranked
where n > 1 and value <> first_value;
