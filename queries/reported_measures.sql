-- Which measures have a figure in which month (any category), oldest month first: what
-- series.latest_complete_month reads to find the latest fully reported month.
select distinct month, measure_id as measure
from current_figures
order by month, measure
