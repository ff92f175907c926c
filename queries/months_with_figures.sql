-- Every month that has at least one current figure, oldest first.
select distinct month from current_figures order by month
