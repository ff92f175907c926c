-- The rows a file or form gives, as found, for the rules (dashboard.rules.check): `ord` is the
-- row's place in the file (rows are checked and reported in that order), `line` the line or sheet
-- row the user sees, `src` the set of column names its messages use, `objs` the cells that were
-- not text (bit 1 month, 2 measure, 4 category, 8 value, 16 note: an Excel number or date). An
-- empty cell is ''.
create or replace temp table staging (
    ord bigint not null,
    line bigint not null,
    src integer not null,
    objs integer not null,
    month varchar not null,
    measure varchar not null,
    category varchar not null,
    value varchar not null,
    note varchar not null
)
