-- The warning rules of DOMAIN.md: (side, rule, month, message) for each figure that may be right
-- but looks wrong. Reads warn_months (the figures of the months to check, for the rules within a
-- month) and warn_series (the figures of the series to check, for running totals), both with
-- columns side, month, measure, category, value: `side` tells states apart (a save's before and
-- after, checked in one query), and every rule looks within one side. The catalog is in
-- rule_measures (id, label, kind, number of categories, the initiative's start and name),
-- rule_categories and rule_relations (rel, kind, pos, measure_id, n: not_above is (measure,
-- limit), sum_equals is (*parts, total)). The messages are the Danish texts the analyst sees;
-- callers sort by month, rule, message.
with labelled as (
    select
        s.*,
        coalesce(m.label_da, s.measure) as label,
        coalesce(m.label_da, s.measure)
        || case when s.category <> '' then ', kategori ' || s.category else '' end as full_label
    from warn_months as s
    left join rule_measures as m on m.measure_id = s.measure
),

-- Parts of a measure against its total: over the total when the parts present add up to more;
-- unequal when every category is present. One pass over the measures that have categories.
parts as (
    select
        s.side,
        s.month,
        any_value(s.label) filter (where s.category = '') as label,
        any_value(s.value) filter (where s.category = '') as total,
        any_value(m.n_categories) as n_categories,
        coalesce(sum(s.value) filter (where c.category is not null), 0) as parts_sum,
        count(c.category) as n_parts
    from labelled as s
    join rule_measures as m on m.measure_id = s.measure and m.n_categories > 0
    left join rule_categories as c on c.measure_id = s.measure and c.category = s.category
    group by s.side, s.month, s.measure
    having count(*) filter (where s.category = '') > 0
),

categories_vs_total as (
    select
        side,
        'categories_vs_total' as rule,
        month,
        rule_month_label(month) || ': kategorierne for ' || label || ' summerer til '
        || rule_fmt(parts_sum) || ', men totalen er ' || rule_fmt(total) as message
    from parts
    where parts_sum > total or (n_parts = n_categories and parts_sum <> total)
),

totals as (
    select side, month, measure, value, label from labelled where category = ''
),

-- One measure's total above another's (e.g. accepted above discussed).
not_above as (
    select
        a.side,
        'not_above' as rule,
        a.month,
        rule_month_label(a.month) || ': ' || a.label || ' (' || rule_fmt(a.value)
        || ') er flere end ' || l.label || ' (' || rule_fmt(l.value) || ')' as message
    from rule_relations as ra
    join rule_relations as rl on rl.rel = ra.rel and rl.pos = 1
    join totals as a on a.measure = ra.measure_id
    join totals as l on l.side = a.side and l.month = a.month and l.measure = rl.measure_id
    where ra.kind = 'not_above' and ra.pos = 0 and a.value > l.value
),

-- Parts that should add up to a total, when every one of them is there.
sum_terms as (
    select t.side, r.rel, r.pos, r.n, t.month, t.label, t.value
    from rule_relations as r
    join totals as t on t.measure = r.measure_id
    where r.kind = 'sum_equals'
),

sums as (
    select
        side,
        rel,
        month,
        any_value(n) as n,
        count(*) as present,
        coalesce(sum(value) filter (where pos < n - 1), 0) as parts_sum,
        any_value(value) filter (where pos = n - 1) as total,
        any_value(label) filter (where pos = n - 1) as total_label,
        coalesce(
            string_agg(label || ' (' || rule_fmt(value) || ')', ' + ' order by pos)
                filter (where pos < n - 1),
            ''
        ) as terms
    from sum_terms
    group by side, rel, month
),

sum_equals as (
    select
        side,
        'sum_equals' as rule,
        month,
        rule_month_label(month) || ': ' || terms || ' = ' || rule_fmt(parts_sum) || ', men '
        || total_label || ' er ' || rule_fmt(total) as message
    from sums
    where present = n and parts_sum <> total
),

-- A figure for a month before its initiative started.
before_start as (
    select
        s.side,
        'before_start' as rule,
        s.month,
        rule_month_label(s.month) || ': ' || s.full_label || ' har et tal før '
        || m.initiative_name || ' startede (' || rule_month_label(m.started) || ')' as message
    from labelled as s
    join rule_measures as m on m.measure_id = s.measure
    where m.started is not null and s.month < m.started
),

-- A running total should never fall: each figure against the latest earlier month with one.
steps as (
    select
        s.side,
        s.month,
        s.value,
        coalesce(m.label_da, s.measure)
        || case when s.category <> '' then ', kategori ' || s.category else '' end as full_label,
        lag(s.month) over series as before,
        lag(s.value) over series as old
    from warn_series as s
    join rule_measures as m on m.measure_id = s.measure and m.kind = 'cumulative'
    window series as (partition by s.side, s.measure, s.category order by s.month)
),

cumulative_decrease as (
    select
        side,
        'cumulative_decrease' as rule,
        month,
        rule_month_label(month) || ': ' || full_label || ' er ' || rule_fmt(value)
        || ', lavere end ' || rule_fmt(old) || ' i ' || rule_month_label(before)
        || '; en løbende total bør ikke falde' as message
    from steps
    where value < old
)

select * from categories_vs_total
union all
select * from not_above
union all
select * from sum_equals
union all
select * from before_start
union all
select * from cumulative_decrease
