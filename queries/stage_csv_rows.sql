-- A long-layout CSV's rows as the staging table (its columns: dashboard.rules.Staged), as
-- the csv module and dashboard.files would read them: the cells of each line after the header,
-- trimmed, '' where the line has fewer; a row whose value is empty is "not reported" and left
-- out. {month} … {note} are the cell expressions for the header's columns ('' if it has none).
-- The line is the row's place in csv_cells: its rowid counted from the table's first, since a
-- table made inside a transaction (an import stages on the store's writer) numbers its rows from
-- DuckDB's transaction-local start (2^55 or so), not from 0.
create or replace temp table staging as
select
    line::bigint as ord,
    line::bigint as line,
    0::integer as src,
    0::integer as objs,
    {month}::varchar as month,
    {measure}::varchar as measure,
    {category}::varchar as category,
    value::varchar as value,
    {note}::varchar as note
from (
    select rowid - (select min(rowid) from csv_cells) + 1 as line, {value} as value, *
    from csv_cells
)
where line > $header_line and value <> ''
