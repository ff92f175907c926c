-- Events for the time axis, oldest first.
select
    id,
    event_date,
    date_text_da,
    date_text_en,
    initiative_id as initiative,
    title_da,
    title_en,
    text_da,
    text_en
from events
order by event_date, id
