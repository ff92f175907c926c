-- The warning rules of DOMAIN.md: each figure that may be right but looks wrong, as
-- (side, rule, month, grp, measure, category, value, total, parts, since); dashboard.rules
-- phrases the Danish message from these and the catalog (labels, names, month names).
--
-- Reads warn_months (the figures of the months to check, for the rules within a month) and
-- warn_series (the figures of the series to check, for running totals), both with columns
-- side, month, measure, category, value: `side` tells states apart (a save's before and after,
-- checked in one query), and every rule looks within one side. The catalog is in:
-- - rule_groups (grp, rule, n, measure, category, pos): figures compared as parts against a
--   total, pos -1 the total and 0 .. n-1 the n parts. categories_vs_total: a measure's
--   categories against its total, a warning when the parts present add up to more, or all are
--   present and add up to another number; sum_equals: measures whose totals should add up to
--   another's, when all are present; not_above: a measure (the one part) above another (the
--   "total");
-- - rule_measures (measure, cumulative, started): the measures that are running totals or whose
--   initiative has a start month (its first).
-- A sum's parts are listed with their places, unordered (an ordered list aggregate costs a small
-- file's query about a millisecond more): dashboard.rules puts them in order for the message.
-- One join and one aggregate for the three rules that compare figures within a month, and one
-- join and one window for the two about single figures and series: on a monthly file's few
-- figures each join, aggregate or window costs about as much as another query.
with grouped as (
    select
        s.side,
        g.grp,
        s.month,
        any_value(g.rule) as rule,
        any_value(g.n) as n,
        count(*) filter (where g.pos >= 0) as n_parts,
        coalesce(sum(s.value) filter (where g.pos >= 0), 0) as parts_sum,
        any_value(s.value) filter (where g.pos < 0) as total,
        list({'pos': g.pos, 'value': s.value}) filter (where g.pos >= 0 and g.rule = 'sum_equals') as parts
    from warn_months as s
    join rule_groups as g on g.measure = s.measure and g.category = s.category
    group by s.side, g.grp, s.month
),

-- Each figure of a series to check with its measure's kind and start (rule_measures), and the
-- latest earlier month of its series with a figure: for the running totals, and for the
-- figures before their initiative started (a rule about single figures: any figure a save
-- changes is in both scopes, so this one may look in either).
series as (
    select
        s.side,
        s.month,
        s.measure,
        s.category,
        s.value,
        m.cumulative,
        m.started,
        lag(s.month) over same_series as before,
        lag(s.value) over same_series as old
    from warn_series as s
    join rule_measures as m on m.measure = s.measure
    window same_series as (partition by s.side, s.measure, s.category order by s.month)
)

select
    side,
    rule,
    month,
    grp,
    null::varchar as measure,
    null::varchar as category,
    parts_sum as value,
    total,
    parts,
    null::date as since
from grouped
where
    total is not null
    and case rule
        when 'categories_vs_total' then parts_sum > total or (n_parts = n and parts_sum <> total)
        when 'not_above' then n_parts = n and parts_sum > total
        else n_parts = n and parts_sum <> total
    end
union all
-- A figure for a month before its initiative started.
select side, 'before_start', month, null, measure, category, null, null, null, started
from series
where month < started
union all
-- A running total should never fall: each figure against the latest earlier month with one.
select side, 'cumulative_decrease', month, null, measure, category, value, old, null, before
from series
where cumulative and value < old
