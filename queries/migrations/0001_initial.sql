-- The first schema: the catalog, append-only figure revisions, the audit log, events.

create table initiatives (
    id varchar primary key,
    name_da varchar not null,
    name_en varchar not null,
    started date,  -- null when the source does not give a start month
    description_da varchar not null default '',
    description_en varchar not null default '',
    sort_order integer not null
);

create table measures (
    id varchar primary key,
    initiative_id varchar not null,
    label_da varchar not null,
    label_en varchar not null,
    kind varchar not null check (kind in ('cumulative', 'stock', 'flow')),
    definition_da varchar not null default '',
    definition_en varchar not null default '',
    is_key boolean not null default false,
    sort_order integer not null
);

create table measure_categories (
    measure_id varchar not null,
    category varchar not null,
    label_da varchar not null,
    label_en varchar not null,
    sort_order integer not null,
    primary key (measure_id, category)
);

create sequence batch_id_seq start 1;

-- One row per write: who, when, what, from which file, and which warnings were acknowledged.
create table batches (
    id bigint primary key default nextval('batch_id_seq'),
    created_at timestamp not null,  -- UTC
    user_name varchar not null,
    action varchar not null,
    file_name varchar,
    file_sha256 varchar,
    n_new integer not null default 0,
    n_changed integer not null default 0,
    n_unchanged integer not null default 0,
    n_retracted integer not null default 0,
    warnings varchar not null default '[]',  -- JSON list of acknowledged warnings
    note varchar not null default '',
    is_demo boolean not null default false
);

-- Figures are append-only: a correction is a new revision, a retraction a revision with no value.
create table figure_revisions (
    batch_id bigint not null,
    month date not null,
    measure_id varchar not null,
    category varchar not null default '',  -- '' is the measure's total
    value bigint check (value is null or (value >= 0 and value <= 1000000)),
    note varchar not null default '',
    primary key (batch_id, month, measure_id, category)
);

create table events (
    id varchar primary key,
    event_date date not null,
    date_text_da varchar not null,
    date_text_en varchar not null,
    initiative_id varchar,  -- null: the whole area
    title_da varchar not null,
    title_en varchar not null,
    text_da varchar not null default '',
    text_en varchar not null default ''
);

-- The latest revision per month + measure + category; retracted figures drop out.
create view current_figures as
with ranked as (
    select
        r.month,
        r.measure_id,
        r.category,
        r.value,
        r.note,
        r.batch_id,
        b.created_at as recorded_at,
        b.user_name as recorded_by,
        -- demo figures stay marked even after an export and re-import: their note says DEMO
        (b.is_demo or r.note like 'DEMO%') as is_demo,
        row_number() over (
            partition by r.month, r.measure_id, r.category order by r.batch_id desc
        ) as revision_rank
    from figure_revisions as r
    join batches as b on b.id = r.batch_id
)
select month, measure_id, category, value, note, batch_id, recorded_at, recorded_by, is_demo
from ranked
where revision_rank = 1 and value is not null;
