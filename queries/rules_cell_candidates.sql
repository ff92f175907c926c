-- Rows with a cell that may be unreadable: a control character in a text cell, or a text cell
-- longer than a month, measure, category or value can be (a note longer than a note may be).
-- A superset: rules.cell_problems decides on each (and phrases it); `objs` marks cells that were
-- not text in the file (bit 1 month, 2 measure, 4 category, 8 value, 16 note), never checked.
select ord, line, src, objs, month, measure, category, value, note
from staging
where
    (objs & 1 = 0 and (regexp_matches(month, $control) or length(month) > $key_chars))
    or (objs & 2 = 0 and (regexp_matches(measure, $control) or length(measure) > $key_chars))
    or (objs & 4 = 0 and (regexp_matches(category, $control) or length(category) > $key_chars))
    or (objs & 8 = 0 and (regexp_matches(value, $control) or length(value) > $key_chars))
    or (objs & 16 = 0 and (regexp_matches(note, $control) or length(note) > $note_chars))
order by ord
