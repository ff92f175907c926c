-- The current figures an import is planned against (dashboard.imports, inside its write
-- transaction): those of every month and every series (measure, category) the file has a
-- figure in (import_months, import_series), so that the warnings see whole months and series.
select month, measure_id as measure, category, value, note
from current_figures
where
    month in (select month from import_months)
    or (measure_id, category) in (select measure, category from import_series)
