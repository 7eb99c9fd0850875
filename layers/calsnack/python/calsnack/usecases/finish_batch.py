"""The one reply per batch: counts applied and refused, the refused rows as a CSV attachment.

Beside the refused rows (always the first attachment, a header alone when none was refused, as
CONTRACT §3 has it) the reply attaches
`links-<batch>.csv`: per event of the batch its landing page, RSVP links and a current
dashboard link, what a calendar-client organizer finds in the snack mail.

However many rows were refused, the reply stays small: the mail counts them by reason and
attaches the first `REFUSED_ROWS_ATTACHED` by row number (within `ATTACHMENT_BYTES`), saying so.
The refusals are read as a stream, so a million of them never sit in memory. A junk file of
1 MB used to make a 37.6 MB reply (SES refuses 40 MB, and a claimed report is never retried).
"""

from __future__ import annotations

from calsnack.csvcommands.refused import digest_refusals, refused_attachment
from calsnack.mail.compose import Attachment, compose
from calsnack.ports import Services
from calsnack.templating import render
from calsnack.usecases.event_links import batch_events, dashboard_link, events_links, links_csv

#: Refused rows the attachment lists at most: the ones with the lowest row numbers.
REFUSED_ROWS_ATTACHED = 1000
#: The attachment's size at most (it travels base64-encoded, a third larger).
ATTACHMENT_BYTES = 2_000_000
#: Refused rows the mail's own text lists, and reasons it counts.
PREVIEW_ROWS = 20
REASONS_COUNTED = 10


def finish_batch(services: Services, batch_id: str) -> bool:
    """Mail the result if the batch is complete and nobody mailed it yet; True if this call did."""
    if not services.store.claim_batch_report(batch_id):
        return False
    status = services.store.get_batch(batch_id, errors=False)
    if status is None or not status.sender:
        return False
    # The refused rows go first and always, a header alone when none was refused: whoever reads
    # the reply's first CSV reads them, never the links file.
    digest = digest_refusals(
        services.store.refused_rows(batch_id) if status.rows_refused else (),
        first=REFUSED_ROWS_ATTACHED,
        reasons=REASONS_COUNTED,
    )
    data, listed = refused_attachment(digest.first, status.header, max_bytes=ATTACHMENT_BYTES)
    attachments = [Attachment(f"refused-{batch_id}.csv", data)]
    now = services.clock()
    events = batch_events(services.store, status)
    if events:
        rows = events_links(services.settings, events, now)
        attachments.append(Attachment(f"links-{batch_id}.csv", links_csv(rows)))
    text = render(
        "mail/batch_result.txt",
        brand=services.settings.branding,
        status=status,
        digest=digest,
        listed=listed,
        attached_at_most=REFUSED_ROWS_ATTACHED,
        preview=digest.first[:PREVIEW_ROWS],
        event_count=len(events),
        dashboard=dashboard_link(services.settings, status.sender, now),
    )
    services.mailer.send(
        compose(
            services.settings,
            to=status.sender,
            subject=f"Batch {batch_id}: {status.rows_applied} applied, {status.rows_refused} refused",
            text=text,
            in_reply_to=status.message_id,
            attachments=attachments,
            date=now,
        )
    )
    services.log.info(
        "batch result sent",
        extra={
            "batch_id": batch_id,
            "to": status.sender,
            "applied": status.rows_applied,
            "refused": status.rows_refused,
        },
    )
    return True
