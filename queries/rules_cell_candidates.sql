-- Rows with a cell that may be unreadable: a control character in a text cell, or a text cell
-- longer than a month, measure, category or value can be (a note longer than a note may be).
-- A superset, quick to find (one regular expression per row, byte lengths, which are at least
-- the characters): rules.cell_problems decides on each row found (and phrases it). `objs` marks
-- cells that were not text in the file (bit 1 month, 2 measure, 4 category, 8 value, 16 note):
-- their text is the rules' own, and is not checked.
select ord, line, src, objs, month, measure, category, value, note
from staging
where
    regexp_matches(month || measure || category || value || note, $control)
    or strlen(month) > $key_chars
    or strlen(measure) > $key_chars
    or strlen(category) > $key_chars
    or strlen(value) > $key_chars
    or strlen(note) > $note_chars
order by ord
