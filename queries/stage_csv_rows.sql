-- A long-layout CSV's rows into the staging table (queries/rules_staging.sql), as the csv module
-- and dashboard.files would read them: the cells of each line after the header, split at the
-- separator (a CRLF's carriage return taken off first), trimmed, '' where the line has fewer;
-- a row whose value is empty is "not reported" and left out. {month} … {note} are the cell
-- expressions for the header's columns (or '' for a column the file does not have).
insert into staging
select line, line, 0, 0, {month}, {measure}, {category}, value, {note}
from (
    select line, text, {value} as value
    from (
        select line, rtrim(text, chr(13)) as text
        from csv_lines
        where line > $header_line
    )
)
where value <> ''
