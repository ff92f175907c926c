-- Events, targets and the month's text are kept like figures: append-only revisions, each tied
-- to a batch in the audit log (who, when, action, note). An edit is a new revision; a
-- retraction is a revision marked `removed`; nothing is deleted. The views `events`, `targets`
-- and `month_texts` give the current state (queries/events.sql, targets.sql and
-- month_texts.sql also give it as of a moment).
--
-- The rows of the old events and targets tables are carried over as revisions of the latest
-- `reference` batch (the `krimdash init` that loaded them), so they stand as of that moment.

create table event_revisions (
    batch_id bigint not null,
    event_id varchar not null,
    event_date date not null,
    date_text_da varchar not null,
    date_text_en varchar not null,
    initiative_id varchar,  -- null: the whole area
    title_da varchar not null,
    title_en varchar not null,
    text_da varchar not null default '',
    text_en varchar not null default '',
    removed boolean not null default false,  -- a retraction (the fields repeat what it was)
    primary key (batch_id, event_id)
);

-- A target's id: measure[:category]@YYYY-MM when it was first made (it stays when edited).
create table target_revisions (
    batch_id bigint not null,
    target_id varchar not null,
    measure_id varchar not null,
    category varchar not null default '',
    target_month date not null,
    from_month date,
    value bigint not null check (value >= 0),
    label_da varchar not null,
    label_en varchar not null,
    source varchar not null default '',
    is_demo boolean not null default false,  -- a fictive target (data/demo_targets.csv)
    removed boolean not null default false,
    primary key (batch_id, target_id)
);

-- The month's text of the monthly note, one row per heading: personale_og_organisation,
-- strategier_og_udvikling, and status:<initiative id> (Status på indsatser, one per initiative).
create table month_text_revisions (
    batch_id bigint not null,
    month date not null,
    section varchar not null,
    body varchar not null default '',
    removed boolean not null default false,
    primary key (batch_id, month, section)
);

-- Only a database that has events or targets but never had a reference batch needs one.
insert into batches (created_at, user_name, action, note)
select
    (current_timestamp at time zone 'UTC'),
    'krimdash',
    'reference',
    'begivenheder og mål fra før skemaversion 6'
where
    not exists (select 1 from batches where action = 'reference')
    and (exists (select 1 from events) or exists (select 1 from targets));

insert into event_revisions (
    batch_id, event_id, event_date, date_text_da, date_text_en, initiative_id,
    title_da, title_en, text_da, text_en
)
select
    (select max(id) from batches where action = 'reference'),
    id, event_date, date_text_da, date_text_en, initiative_id,
    title_da, title_en, text_da, text_en
from events;

insert into target_revisions (
    batch_id, target_id, measure_id, category, target_month, from_month, value,
    label_da, label_en, source, is_demo
)
select
    (select max(id) from batches where action = 'reference'),
    measure_id
    || case when category = '' then '' else ':' || category end
    || '@' || strftime(target_month, '%Y-%m'),
    measure_id, category, target_month, from_month, value, label_da, label_en, source,
    (label_da like 'DEMO%' or source like 'DEMO%')
from targets;

drop table events;
drop table targets;

-- The current state: the latest revision of each id, unless it is a retraction.
create view events as
with ranked as (
    select
        *,
        row_number() over (partition by event_id order by batch_id desc) as revision_rank
    from event_revisions
)
select
    event_id as id, event_date, date_text_da, date_text_en, initiative_id,
    title_da, title_en, text_da, text_en
from ranked
where revision_rank = 1 and not removed;

create view targets as
with ranked as (
    select
        *,
        row_number() over (partition by target_id order by batch_id desc) as revision_rank
    from target_revisions
)
select
    target_id as id, measure_id, category, target_month, from_month, value,
    label_da, label_en, source, is_demo
from ranked
where revision_rank = 1 and not removed;

create view month_texts as
with ranked as (
    select
        *,
        row_number() over (partition by month, section order by batch_id desc) as revision_rank
    from month_text_revisions
)
select month, section, body, batch_id
from ranked
where revision_rank = 1 and not removed;
