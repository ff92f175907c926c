-- Take a subject's role away (access.remove_user first asks role_of whether it had one).
delete from users where subject = $subject
