"""The one reply per batch: counts applied and refused, the refused rows as a CSV attachment."""

from __future__ import annotations

from calsnack.bootstrap import Services
from calsnack.csvcommands.refused import refused_csv
from calsnack.mail.compose import Attachment, compose


def finish_batch(services: Services, batch_id: str) -> bool:
    """Mail the result if the batch is complete and nobody mailed it yet; True if this call did."""
    if not services.store.claim_batch_report(batch_id):
        return False
    status = services.store.get_batch(batch_id)
    if status is None or not status.sender:
        return False
    lines = [
        f"calsnack applied {status.rows_applied} of {status.rows_total} rows of your batch"
        f" ({status.rows_refused} refused).",
        f"Personal invitations queued: {status.invitations_queued}.",
        f"Batch id: {status.batch_id}",
    ]
    attachments = []
    if status.errors:
        lines.append("\nThe refused rows, with the row number, the column and the reason, are attached.")
        preview = [f"  row {e.row}, {e.column}: {e.reason}" for e in status.errors[:20]]
        lines.extend(preview)
        if len(status.errors) > len(preview):
            lines.append(f"  … and {len(status.errors) - len(preview)} more in the attachment.")
        attachments.append(Attachment(f"refused-{batch_id}.csv", refused_csv(status.errors, status.header)))
    services.mailer.send(
        compose(
            services.settings,
            to=status.sender,
            subject=f"Batch {batch_id}: {status.rows_applied} applied, {status.rows_refused} refused",
            text="\n".join(lines) + "\n",
            in_reply_to=status.message_id,
            attachments=attachments,
        )
    )
    return True
