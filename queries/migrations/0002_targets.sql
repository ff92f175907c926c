-- Targets per measure (e.g. political goals for budget 2026), shown as goal lines.

create table targets (
    measure_id varchar not null,
    category varchar not null default '',
    target_month date not null,  -- the month by which the target should be reached
    value bigint not null check (value >= 0),
    label_da varchar not null,
    label_en varchar not null,
    source varchar not null default '',
    primary key (measure_id, category, target_month)
);
