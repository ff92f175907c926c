-- How many current figures are demo figures; the app shows a DEMO banner when any are.
select
    count(*) filter (where is_demo) as demo_figures,
    count(*) as all_figures
from current_figures
