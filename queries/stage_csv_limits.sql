-- Upper bounds of a CSV's size per line, against the limits of dashboard.files: the most cells on
-- a line, the cells in all, the longest line (at least its longest cell). Within the limits here,
-- the file is within them; otherwise the csv module reads it and says exactly where it is not.
select
    coalesce(max(cells), 0) as widest,
    coalesce(sum(cells), 0) as cells,
    coalesce(max(length(text)), 0) as longest
from (
    select
        text,
        length(text) - length(replace(text, $delimiter, '')) + 1 as cells
    from csv_lines
)
