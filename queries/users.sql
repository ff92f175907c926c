-- Every user with a role, by subject.
select subject, role, added_at, added_by from users order by subject
