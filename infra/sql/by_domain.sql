-- One row per sending domain (the organizer's): its organizers, events and answers (reads by_event).
SELECT
    lower(split_part(organizer, '@', 2)) AS domain,
    count(DISTINCT organizer) AS organizers,
    count(*) AS events,
    count(CASE WHEN status = 'cancelled' THEN 1 END) AS cancelled,
    sum(invited) AS invited,
    sum(accepted) AS accepted,
    sum(tentative) AS tentative,
    sum(declined) AS declined,
    sum(needs_action) AS needs_action
FROM calsnack.by_event
GROUP BY lower(split_part(organizer, '@', 2))
