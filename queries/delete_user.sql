-- Take a subject's role away; returns the subject when it had one.
delete from users where subject = $subject returning subject
