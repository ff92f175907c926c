-- A large plain CSV read by DuckDB for staging (dashboard.files.stage_figures), every cell as
-- text and every line a row, in the file's order: the table's rowid + 1, counted from its first
-- rowid, is the line number (the caller has made sure there are no empty lines, which read_csv
-- skips). No quotes, no comments, no sniffing: the caller found the separator as the csv
-- module's reading does, and a line with more cells than `columns` is an error (strict_mode),
-- not a silently cut line.
create or replace temp table csv_cells as
select *
from read_csv(
    $path,
    header = false,
    delim = $delimiter,
    quote = '',
    escape = '',
    comment = '',
    new_line = '\n',
    null_padding = true,
    strict_mode = true,
    auto_detect = false,
    all_varchar = true,
    encoding = 'utf-8',
    columns = $columns
)
