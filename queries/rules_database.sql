-- The rules' in-memory database (dashboard.rules.work_connection), made once per process.
-- Text helpers the rule queries share
-- (dashboard.rules.work_connection).
-- rule_month_label: a month as month_label() writes it in Danish ("januar 2025").
create or replace macro rule_month_label(m) as
    ['januar', 'februar', 'marts', 'april', 'maj', 'juni', 'juli', 'august', 'september',
     'oktober', 'november', 'december'][month(m)] || ' ' || year(m)::varchar;

-- rule_fmt: a whole number with thousands dots, as rules._fmt writes it ("1.234.567").
create or replace macro rule_fmt(n) as replace(format('{:,}', n), ',', '.');

