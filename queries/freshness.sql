-- How fresh the figures are: the latest month, and the latest change and who made it.
select
    max(month) as latest_month,
    max(recorded_at) as last_change,
    arg_max(recorded_by, recorded_at) as last_changed_by
from current_figures
