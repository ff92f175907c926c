-- A target may apply from a start month (targets.csv's optional `from` column): it is then
-- drawn from that month to its deadline; without one, as a mark at its deadline.

alter table targets add column if not exists from_month date;
