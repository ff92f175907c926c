-- How many events and targets the database holds now (init's summary).
select (select count(*) from events) as events, (select count(*) from targets) as targets
