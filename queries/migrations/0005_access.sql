-- Who may sign in and with which role, each month's approval history, and the app's settings.

-- A signed-in identity's role: the subject is the identity's `sub` or e-mail (lower case).
create table if not exists users (
    subject varchar primary key,
    role varchar not null check (role in ('viewer', 'raadmand', 'analyst', 'admin')),
    added_at timestamp not null,  -- UTC
    added_by varchar not null
);

create sequence if not exists month_status_id_seq start 1;

-- A month's status is history: append-only, the latest row (by id) is the status; a month with
-- no row is kladde. An as-of view takes the latest row changed by then.
create table if not exists month_status (
    id bigint primary key default nextval('month_status_id_seq'),
    month date not null,
    status varchar not null check (status in ('approved', 'kladde')),
    changed_at timestamp not null,  -- UTC
    changed_by varchar not null,
    reason varchar not null default '',
    batch_id bigint  -- the batch whose change sent an approved month back to kladde
);

-- Settings kept with the figures: public_view ('on' / 'off'; unset: on while every figure is
-- demo) and made_by_demo_init ('true' when `krimdash init --demo` made the database).
create table if not exists app_settings (
    key varchar primary key,
    value varchar not null
);
