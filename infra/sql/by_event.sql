-- One row per event: its latest version and the counts `calsnack report` gives (CONTRACT §4).
-- invited: distinct people sent a personal invitation (a REQUEST; a CANCEL alone invites nobody);
-- accepted/tentative/declined: each person's latest answer; needs_action: invited people with no
-- answer yet. A No from someone never invited counts in declined only.
-- Repeated rows (a retried stream batch, a revision sent twice) change no count. Runs unchanged on
-- Athena (Trino) and DuckDB: answered_at is fixed-width UTC text, so it orders as time does.
WITH latest_events AS (
    SELECT organizer, event_id, uid, status, sequence, summary, "start", "end", timezone
    FROM (
        SELECT
            e.*,
            row_number() OVER (
                PARTITION BY e.organizer, e.event_id ORDER BY e.sequence DESC, e.updated_at DESC
            ) AS version_rank
        FROM calsnack.events AS e
    ) AS versions
    WHERE version_rank = 1
),
invited AS (
    SELECT DISTINCT organizer, event_id, lower(attendee) AS attendee
    FROM calsnack.invitations
    WHERE method = 'REQUEST'
),
latest_answers AS (
    SELECT organizer, event_id, attendee, answer
    FROM (
        SELECT
            a.organizer,
            a.event_id,
            lower(a.attendee) AS attendee,
            upper(a.answer) AS answer,
            row_number() OVER (
                PARTITION BY a.organizer, a.event_id, lower(a.attendee) ORDER BY a.answered_at DESC
            ) AS answer_rank
        FROM calsnack.answers AS a
    ) AS ranked
    WHERE answer_rank = 1
),
people AS (
    SELECT
        coalesce(i.organizer, l.organizer) AS organizer,
        coalesce(i.event_id, l.event_id) AS event_id,
        i.attendee IS NOT NULL AS was_invited,
        l.answer
    FROM invited AS i
    FULL OUTER JOIN latest_answers AS l
        ON i.organizer = l.organizer AND i.event_id = l.event_id AND i.attendee = l.attendee
)
SELECT
    e.organizer,
    e.event_id,
    e.uid,
    lower(e.status) AS status,
    e.sequence,
    e.summary,
    e."start",
    e."end",
    e.timezone,
    count(CASE WHEN p.was_invited THEN 1 END) AS invited,
    count(CASE WHEN p.answer = 'ACCEPTED' THEN 1 END) AS accepted,
    count(CASE WHEN p.answer = 'TENTATIVE' THEN 1 END) AS tentative,
    count(CASE WHEN p.answer = 'DECLINED' THEN 1 END) AS declined,
    count(CASE WHEN p.was_invited AND p.answer IS NULL THEN 1 END) AS needs_action
FROM latest_events AS e
LEFT JOIN people AS p
    ON p.organizer = e.organizer AND p.event_id = e.event_id
GROUP BY
    e.organizer, e.event_id, e.uid, lower(e.status), e.sequence, e.summary, e."start", e."end", e.timezone
