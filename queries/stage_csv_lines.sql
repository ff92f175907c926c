-- A large CSV's lines, numbered as the user sees them (1 is the first line), for staging it
-- (dashboard.files.stage_figures): the text is split at each line feed; a CRLF's carriage return
-- is left at the line's end here and trimmed when the line is split into cells.
create or replace temp table csv_lines as
select
    unnest(range(1, len(lines) + 1)) as line,
    unnest(lines) as text
from (select string_split($text, chr(10)) as lines)
