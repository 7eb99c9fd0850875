-- One row per organizer: their events and the answers to them (reads the by_event view).
SELECT
    organizer,
    count(*) AS events,
    count(CASE WHEN status = 'cancelled' THEN 1 END) AS cancelled,
    sum(invited) AS invited,
    sum(accepted) AS accepted,
    sum(tentative) AS tentative,
    sum(declined) AS declined,
    sum(needs_action) AS needs_action
FROM calsnack.by_event
GROUP BY organizer
