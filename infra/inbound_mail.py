"""Mail in: the SES receipt rule set that stores each message in the mail bucket, and the inbound
function that S3 invokes for every new object under `mail/`.

Rules run in order: snack@ and batch@ stop after storing, so a message reaches exactly one
prefix; everything else in the domain (attendees' calendar replies, ...) lands in `mail/other/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_ses as ses
from aws_cdk import aws_ses_actions as ses_actions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.functions import LambdaRuntime
from infra.queues import dead_letter_queue
from infra.storage import MAIL_PREFIX


@dataclass(frozen=True, slots=True)
class Mailbox:
    rule_id: str
    #: An address (`snack@domain`) or a whole domain (`domain`), as SES receipt rules match them.
    recipient: str
    prefix: str
    #: Stop evaluating later rules once this one has stored the message.
    stop: bool


def mailboxes(domain: str) -> tuple[Mailbox, ...]:
    return (
        Mailbox("Snack", f"snack@{domain}", f"{MAIL_PREFIX}snack/", stop=True),
        Mailbox("Batch", f"batch@{domain}", f"{MAIL_PREFIX}batch/", stop=True),
        Mailbox("CatchAll", domain, f"{MAIL_PREFIX}other/", stop=False),
    )


@jsii.implements(ses.IReceiptRuleAction)
class _StoreInBucket:
    """An S3 receipt action that leaves the bucket policy to the bucket's owner (Storage).

    `aws_ses_actions.S3` would add a second, per-prefix policy statement of its own.
    """

    def __init__(self, bucket: s3.IBucket, prefix: str) -> None:
        self._bucket = bucket
        self._prefix = prefix

    def bind(self, receipt_rule: Any) -> ses.ReceiptRuleActionConfig:
        return ses.ReceiptRuleActionConfig(
            s3_action=ses.S3ActionConfig(bucket_name=self._bucket.bucket_name, object_key_prefix=self._prefix)
        )


class InboundMail(Construct):
    TIMEOUT = Duration.seconds(60)

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        runtime: LambdaRuntime,
        domain: str,
        mail_bucket: s3.IBucket,
        mail_bucket_policy: s3.BucketPolicy,
    ) -> None:
        super().__init__(scope, construct_id)

        self.mailboxes = mailboxes(domain)
        self.rule_set = ses.ReceiptRuleSet(self, "RuleSet")
        self.rules: list[ses.ReceiptRule] = []
        for mailbox in self.mailboxes:
            actions: list[ses.IReceiptRuleAction] = [_StoreInBucket(mail_bucket, mailbox.prefix)]
            if mailbox.stop:
                actions.append(ses_actions.Stop())
            rule = self.rule_set.add_rule(
                mailbox.rule_id,
                recipients=[mailbox.recipient],
                actions=actions,
                scan_enabled=True,
                tls_policy=ses.TlsPolicy.REQUIRE,
                enabled=True,
            )
            rule.node.add_dependency(mail_bucket_policy)
            self.rules.append(rule)

        # S3 invokes the function asynchronously: what still fails after Lambda's retries lands here.
        self.dead_letter_queue: sqs.Queue = dead_letter_queue(self, "DeadLetterQueue")
        self.function = runtime.function(
            self,
            "Function",
            entry="inbound_mail",
            description="calsnack: reads one stored inbound mail (invitation, CSV batch, reply)",
            timeout=self.TIMEOUT,
            memory_size=512,
            dead_letter_queue=self.dead_letter_queue,
        )
        mail_bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.LambdaDestination(self.function),
            s3.NotificationKeyFilter(prefix=MAIL_PREFIX),
        )
