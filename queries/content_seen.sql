-- Every event id and target id the database has ever had (retracted ones too): `krimdash init`
-- seeds from data/ only the ids not among them, and a new one must not reuse them.
select distinct 'event' as kind, event_id as id from event_revisions
union all
select distinct 'target' as kind, target_id as id from target_revisions
