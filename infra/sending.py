"""Mail out: the sends queue and the rate-limited sender, the SES domain identity and configuration
set, and the feedback path (bounce, complaint, delivery, reject → SNS → SQS → feedback function).

The sender's batch size follows from its send rate and timeout: an invocation takes as many
packed messages as it can send at SEND_RATE before its time budget ends (`sender_batch_size`);
a message too long for one invocation (the SES sandbox's 1/s) is cut short and its rest queued.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from calsnack.usecases.enqueue import DELIVERIES_PER_MESSAGE
from calsnack.usecases.send_deliveries import START_MINIMUM
from constructs import Construct

from infra import nag
from infra.functions import LambdaRuntime
from infra.queues import dead_letter_queue, work_queue

#: SQS event sources hand a function at most ten messages without a batching window.
MAX_BATCH_SIZE = 10
SENDER_TIMEOUT = Duration.seconds(60)
#: SES events per feedback invocation, gathered for up to the batching window; 100 events of
#: a few kB stay far below the 6 MB synchronous payload limit.
FEEDBACK_BATCH_SIZE = 100
FEEDBACK_BATCHING_WINDOW = Duration.seconds(5)
FEEDBACK_TIMEOUT = Duration.seconds(30)
FEEDBACK_EVENTS = (
    ses.EmailSendingEvent.BOUNCE,
    ses.EmailSendingEvent.COMPLAINT,
    ses.EmailSendingEvent.DELIVERY,
    ses.EmailSendingEvent.REJECT,
)


def sender_batch_size(send_rate: float, timeout: Duration) -> int:
    """Packed messages whose sends at `send_rate` fit one invocation's time budget (1 to 10).

    The budget is the timeout less what the sender keeps back (`START_MINIMUM`: the last send's
    allowance and the margin to record and requeue). With fewer messages an invocation ends
    early and a new one starts; with more it would requeue messages it never began.
    """
    seconds_per_message = DELIVERIES_PER_MESSAGE / send_rate
    fitting = int((timeout.to_seconds() - START_MINIMUM) // seconds_per_message)
    return max(1, min(MAX_BATCH_SIZE, fitting))


class Sending(Construct):
    TIMEOUT = SENDER_TIMEOUT

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        runtime: LambdaRuntime,
        domain: str,
        send_rate: float,
        sender_concurrency: int,
        ses_sandbox: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.send_rate = send_rate
        self.batch_size = sender_batch_size(send_rate, self.TIMEOUT)
        self.ses_sandbox = ses_sandbox

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
                batch_size=self.batch_size,
                report_batch_item_failures=True,
                max_concurrency=sender_concurrency,
            )
        )

        # One invocation per SES event would be ~600 a second at 50M invitations a day: SNS
        # fills a queue (raw delivery: the body is the SES event itself), the function takes
        # it in batches and fails only the records it could not record.
        self.feedback_dead_letter_queue = dead_letter_queue(self, "FeedbackDeadLetterQueue")
        self.feedback_queue = work_queue(
            self,
            "FeedbackQueue",
            consumer_timeout=FEEDBACK_TIMEOUT,
            dead_letters=self.feedback_dead_letter_queue,
        )
        self.feedback_topic.add_subscription(
            subscriptions.SqsSubscription(self.feedback_queue, raw_message_delivery=True)
        )
        self.feedback_function = runtime.function(
            self,
            "Feedback",
            entry="feedback",
            description="calsnack: records SES bounces, complaints, deliveries and rejects",
            timeout=FEEDBACK_TIMEOUT,
        )
        self.feedback_function.add_event_source(
            event_sources.SqsEventSource(
                self.feedback_queue,
                batch_size=FEEDBACK_BATCH_SIZE,
                max_batching_window=FEEDBACK_BATCHING_WINDOW,
                report_batch_item_failures=True,
            )
        )

    @property
    def configuration_set_arn(self) -> str:
        return Stack.of(self).format_arn(
            service="ses",
            resource="configuration-set",
            resource_name=self.configuration_set.configuration_set_name,
        )

    @property
    def recipient_identities_arn(self) -> str:
        """Every identity of the account: the sandbox also authorizes against the recipient's."""
        return Stack.of(self).format_arn(service="ses", resource="identity", resource_name="*")

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Send mail from the domain identity, through the configuration set, and nothing else.

        In the SES sandbox every recipient is a verified identity too, and SES checks the
        caller may send to it: `ses_sandbox` adds `identity/*` (leave it off in production).
        """
        resources = [self.identity.email_identity_arn, self.configuration_set_arn]
        if self.ses_sandbox:
            resources.append(self.recipient_identities_arn)
            if isinstance(grantee, Construct):
                nag.acknowledge(grantee, {SANDBOX_FINDING: SANDBOX_REASON})
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["ses:SendEmail", "ses:SendRawEmail"], resource_arns=resources
        )


SANDBOX_FINDING = (
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]"
)
SANDBOX_REASON = (
    "Only with -c sesSandbox=true: in the SES sandbox a send is also authorized against the "
    "recipient's verified identity, whose names are the test addresses, unknown to the stack."
)
