"""Monitoring: alarms on everything that can silently go wrong (dead letters, function errors and
throttles, stuck queues, API 5XX, SES bounce and complaint rates), an SNS topic they notify, and one
CloudWatch dashboard.

The SES rates come from the feedback function's own metrics (Powertools Metrics, namespace
`calsnack`, dimension `service=calsnack`): the counts of SES events it records. The sender
publishes `SesSendingStopped` in the same namespace whenever SES refuses all sending.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

METRICS_NAMESPACE = "calsnack"
METRICS_DIMENSIONS = {"service": "calsnack"}
#: Metric names the feedback function publishes, one count per SES event of that type.
DELIVERY_METRIC = "SesDelivery"
BOUNCE_METRIC = "SesBounce"
COMPLAINT_METRIC = "SesComplaint"
REJECT_METRIC = "SesReject"
#: Published by the sender when SES refuses all sending (daily quota, paused, suspended, ...).
SENDING_STOPPED_METRIC = "SesSendingStopped"
#: SES reviews an account at a 5% bounce / 0.1% complaint rate; alarm before that.
BOUNCE_RATE_PERCENT = 4.0
COMPLAINT_RATE_PERCENT = 0.08
#: Below this many messages an hour a rate means little.
MIN_MESSAGES_FOR_RATE = 50
#: A work queue whose oldest message waits this long is stuck.
MAX_MESSAGE_AGE = Duration.minutes(30)


#: SES rates are judged over an hour of feedback.
RATE_PERIOD = Duration.hours(1)


def feedback_metric(name: str, period: Duration = RATE_PERIOD) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map=METRICS_DIMENSIONS,
        statistic="Sum",
        period=period,
    )


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        work_queues: Mapping[str, sqs.IQueue],
        dead_letter_queues: Mapping[str, sqs.IQueue],
        rest_api: apigw.RestApi,
        alarm_email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)

        self.alarm_topic = sns.Topic(self, "AlarmTopic", enforce_ssl=True)
        # The SSL-only topic policy replaces SNS's default one, so CloudWatch needs its own allow.
        self.alarm_topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarms",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.alarm_topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*"
                    },
                },
            )
        )
        if alarm_email:
            self.alarm_topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self._action = actions.SnsAction(self.alarm_topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}

        for name, queue in dead_letter_queues.items():
            self._alarm(
                f"{name}DeadLetters",
                queue.metric_approximate_number_of_messages_visible(
                    period=Duration.minutes(1), statistic="Maximum"
                ),
                threshold=0,
                description=f"Messages in the {name} dead-letter queue",
            )
        for name, queue in work_queues.items():
            self._alarm(
                f"{name}Stuck",
                queue.metric_approximate_age_of_oldest_message(
                    period=Duration.minutes(5), statistic="Maximum"
                ),
                threshold=MAX_MESSAGE_AGE.to_seconds(),
                description=f"The oldest message in the {name} queue is older than {MAX_MESSAGE_AGE.to_minutes()} minutes",
            )
        for entry, function in functions.items():
            name = "".join(part.title() for part in entry.split("_"))
            self._alarm(
                f"{name}Errors",
                function.metric_errors(period=Duration.minutes(5), statistic="Sum"),
                threshold=0,
                description=f"The {name} function failed",
            )
            self._alarm(
                f"{name}Throttles",
                function.metric_throttles(period=Duration.minutes(5), statistic="Sum"),
                threshold=0,
                description=f"The {name} function was throttled",
            )
        self._alarm(
            "Api5xx",
            rest_api.metric_server_error(period=Duration.minutes(5), statistic="Sum"),
            threshold=0,
            description="The API answered 5XX",
        )

        deliveries = feedback_metric(DELIVERY_METRIC)
        bounces = feedback_metric(BOUNCE_METRIC)
        complaints = feedback_metric(COMPLAINT_METRIC)
        self.bounce_rate = cloudwatch.MathExpression(
            expression=(
                f"IF((FILL(d, 0) + FILL(b, 0)) >= {MIN_MESSAGES_FOR_RATE}, "
                "100 * FILL(b, 0) / (FILL(d, 0) + FILL(b, 0)), 0)"
            ),
            using_metrics={"d": deliveries, "b": bounces},
            label="Bounce rate (%)",
            period=RATE_PERIOD,
        )
        self.complaint_rate = cloudwatch.MathExpression(
            expression=f"IF(FILL(d, 0) >= {MIN_MESSAGES_FOR_RATE}, 100 * FILL(c, 0) / FILL(d, 0), 0)",
            using_metrics={"d": deliveries, "c": complaints},
            label="Complaint rate (%)",
            period=RATE_PERIOD,
        )
        self._alarm(
            "SesSendingStopped",
            feedback_metric(SENDING_STOPPED_METRIC, Duration.minutes(5)),
            threshold=0,
            description=(
                "SES refuses all sending (daily quota, paused or suspended account, unverified "
                "MAIL FROM, rejected content): the sends wait in their queue, then its dead-letter "
                "queue; the sender's log says why"
            ),
        )
        self._alarm(
            "SesBounceRate",
            self.bounce_rate,
            threshold=BOUNCE_RATE_PERCENT,
            description=f"SES bounce rate above {BOUNCE_RATE_PERCENT}% over the last hour",
        )
        self._alarm(
            "SesComplaintRate",
            self.complaint_rate,
            threshold=COMPLAINT_RATE_PERCENT,
            description=f"SES complaint rate above {COMPLAINT_RATE_PERCENT}% over the last hour",
        )

        self.dashboard = self._dashboard(functions, work_queues, dead_letter_queues, rest_api)

    def _alarm(
        self, alarm_id: str, metric: cloudwatch.IMetric, *, threshold: float, description: str
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            alarm_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"calsnack: {description}",
        )
        alarm.add_alarm_action(self._action)
        self.alarms[alarm_id] = alarm
        return alarm

    def _dashboard(
        self,
        functions: Mapping[str, lambda_.IFunction],
        work_queues: Mapping[str, sqs.IQueue],
        dead_letter_queues: Mapping[str, sqs.IQueue],
        rest_api: apigw.RestApi,
    ) -> cloudwatch.Dashboard:
        five_minutes = Duration.minutes(5)

        def per_function(title: str, metric_name: str, statistic: str) -> cloudwatch.GraphWidget:
            return cloudwatch.GraphWidget(
                title=title,
                width=12,
                left=[
                    function.metric(metric_name, period=five_minutes, statistic=statistic, label=name)
                    for name, function in functions.items()
                ],
            )

        dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=Stack.of(self).stack_name, default_interval=Duration.hours(24)
        )
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", width=24, alarms=list(self.alarms.values()))
        )
        dashboard.add_widgets(
            per_function("Invocations", "Invocations", "Sum"),
            per_function("Errors", "Errors", "Sum"),
        )
        dashboard.add_widgets(
            per_function("Duration p95 (ms)", "Duration", "p95"),
            per_function("Throttles", "Throttles", "Sum"),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Queue depth",
                width=12,
                left=[
                    queue.metric_approximate_number_of_messages_visible(period=five_minutes, label=name)
                    for name, queue in work_queues.items()
                ],
            ),
            cloudwatch.GraphWidget(
                title="Dead letters",
                width=12,
                left=[
                    queue.metric_approximate_number_of_messages_visible(period=five_minutes, label=name)
                    for name, queue in dead_letter_queues.items()
                ],
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="SES feedback (per hour)",
                width=12,
                left=[
                    feedback_metric(name).with_(label=name)
                    for name in (DELIVERY_METRIC, BOUNCE_METRIC, COMPLAINT_METRIC, REJECT_METRIC)
                ],
                right=[self.bounce_rate, self.complaint_rate],
            ),
            cloudwatch.GraphWidget(
                title="API",
                width=12,
                left=[
                    rest_api.metric_count(period=five_minutes, label="Requests"),
                    rest_api.metric_client_error(period=five_minutes, label="4XX"),
                    rest_api.metric_server_error(period=five_minutes, label="5XX"),
                ],
                right=[rest_api.metric_latency(period=five_minutes, statistic="p95", label="Latency p95")],
            ),
        )
        return dashboard
