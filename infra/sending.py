"""Mail out: the sends queue and the rate-limited sender, the SES domain identity and configuration
set, and the feedback path (bounce, complaint, delivery, reject → SNS → feedback function)."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.functions import LambdaRuntime
from infra.queues import dead_letter_queue, work_queue

BATCH_SIZE = 10
FEEDBACK_EVENTS = (
    ses.EmailSendingEvent.BOUNCE,
    ses.EmailSendingEvent.COMPLAINT,
    ses.EmailSendingEvent.DELIVERY,
    ses.EmailSendingEvent.REJECT,
)


class Sending(Construct):
    TIMEOUT = Duration.seconds(60)

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        runtime: LambdaRuntime,
        domain: str,
        sender_concurrency: int,
    ) -> None:
        super().__init__(scope, construct_id)

        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            reputation_metrics=True,
            sending_enabled=True,
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        )
        self.identity = ses.EmailIdentity(
            self,
            "Identity",
            identity=ses.Identity.domain(domain),
            configuration_set=self.configuration_set,
            dkim_identity=ses.DkimIdentity.easy_dkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
        )

        self.feedback_topic = sns.Topic(self, "FeedbackTopic", enforce_ssl=True)
        self.configuration_set.add_event_destination(
            "Feedback",
            destination=ses.EventDestination.sns_topic(self.feedback_topic),
            events=list(FEEDBACK_EVENTS),
        )

        self.dead_letter_queue = dead_letter_queue(self, "DeadLetterQueue")
        self.queue = work_queue(
            self, "Queue", consumer_timeout=self.TIMEOUT, dead_letters=self.dead_letter_queue
        )
        self.function = runtime.function(
            self,
            "Sender",
            entry="sender",
            description="calsnack: sends personal invitations through SES at SEND_RATE per worker",
            timeout=self.TIMEOUT,
        )
        # The event source's maximum concurrency caps the senders, so SEND_RATE x concurrency
        # stays under the account's SES rate.
        self.function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=BATCH_SIZE,
                report_batch_item_failures=True,
                max_concurrency=sender_concurrency,
            )
        )

        # SNS invokes the function asynchronously: what still fails after Lambda's retries lands here.
        self.feedback_dead_letter_queue = dead_letter_queue(self, "FeedbackDeadLetterQueue")
        self.feedback_function = runtime.function(
            self,
            "Feedback",
            entry="feedback",
            description="calsnack: records SES bounces, complaints, deliveries and rejects",
            timeout=Duration.seconds(30),
            dead_letter_queue=self.feedback_dead_letter_queue,
        )
        self.feedback_topic.add_subscription(subscriptions.LambdaSubscription(self.feedback_function))

    @property
    def configuration_set_arn(self) -> str:
        return Stack.of(self).format_arn(
            service="ses",
            resource="configuration-set",
            resource_name=self.configuration_set.configuration_set_name,
        )

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Send mail from the domain identity, through the configuration set, and nothing else."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["ses:SendEmail", "ses:SendRawEmail"],
            resource_arns=[self.identity.email_identity_arn, self.configuration_set_arn],
        )
