-- The months with at least one revision of measure $measure, category $category, newest first.
select distinct month
from figure_revisions
where measure_id = $measure and category = $category
order by month desc
