"""Deploy-time settings: CDK context (cdk.json, `cdk deploy -c key=value`) parsed into one typed value.

`cdk -c` hands every value over as a string, cdk.json as JSON; both are accepted here so the
stack itself only ever sees typed keyword arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from constructs import Node

from infra.layer import UNBUNDLED_LAYER_FLAG

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
#: CloudFormation stack names: a letter, then letters, digits and hyphens, at most 128.
_STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
#: Glue database (and so Athena schema) names Athena can query: lowercase, digits, underscores.
_GLUE_DATABASE = re.compile(r"^[a-z0-9_]{1,255}$")
_ATHENA_WORKGROUP = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$")
_STREAM_ARN = re.compile(r"^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/[A-Za-z0-9_.-]+/stream/.+$")
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_LOG_LEVELS = frozenset({"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class ContextError(ValueError):
    """A context value that cannot configure the stack."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StackOptions:
    #: The CloudFormation stack's name; a second stack in one account and region needs its own.
    stack_name: str = "Calsnack"
    #: The mail domain SES receives for (snack@, batch@, and every other address in it).
    domain: str = "snack.example.com"
    #: The account's SES maximum send rate (messages per second), shared by all senders.
    ses_max_send_rate: float = 14.0
    #: How many sender functions run at once (the SQS event source's maximum concurrency, ≥ 2).
    sender_concurrency: int = 2
    #: The account is still in the SES sandbox: senders may also send to `identity/*`.
    ses_sandbox: bool = False
    #: Where alarms are mailed; no subscription when unset.
    alarm_email: str | None = None
    #: Days raw inbound mail (`mail/` in the mail bucket) is kept.
    raw_mail_retention_days: int = 30
    #: Days uploaded and mailed CSV batch files (`batches/` in the mail bucket) are kept.
    batch_file_retention_days: int = 30
    #: Use this existing table (with its stream) instead of creating one: a new stack keeps
    #: the events, answers and API keys of an earlier one.
    table_name: str | None = None
    table_stream_arn: str | None = None
    #: Use this existing link-key secret (its complete ARN) instead of generating one: links
    #: mailed by an earlier stack keep working.
    link_key_secret_arn: str | None = None
    #: Glue database and Athena workgroup names; default: derived from the stack name.
    glue_database_name: str | None = None
    athena_workgroup_name: str | None = None
    #: Also deploy a QuickSight data source and data set over the Athena views.
    quicksight: bool = False
    #: QuickSight user or group ARN given access to those (optional).
    quicksight_principal_arn: str | None = None
    #: Prefix of every link in mails and pages; default: the API's own stage URL.
    base_url: str | None = None
    log_level: str = "INFO"
    #: Test-only: the layer without its requirements (never deploy such a template).
    unbundled_layer: bool = False

    @property
    def send_rate(self) -> float:
        """Messages per second one sender may send so that all of them stay under the SES rate."""
        return self.ses_max_send_rate / self.sender_concurrency

    @classmethod
    def from_context(cls, node: Node) -> StackOptions:
        defaults = cls()
        domain = _text(node, "domain", defaults.domain).lower()
        options = cls(
            stack_name=_text(node, "stackName", defaults.stack_name),
            domain=domain,
            ses_max_send_rate=_number(node, "sesMaxSendRate", defaults.ses_max_send_rate),
            sender_concurrency=int(_number(node, "senderConcurrency", defaults.sender_concurrency)),
            ses_sandbox=_flag(node, "sesSandbox", defaults.ses_sandbox),
            alarm_email=_optional_text(node, "alarmEmail"),
            raw_mail_retention_days=int(
                _number(node, "rawMailRetentionDays", defaults.raw_mail_retention_days)
            ),
            batch_file_retention_days=int(
                _number(node, "batchFileRetentionDays", defaults.batch_file_retention_days)
            ),
            table_name=_optional_text(node, "tableName"),
            table_stream_arn=_optional_text(node, "tableStreamArn"),
            link_key_secret_arn=_optional_text(node, "linkKeySecretArn"),
            glue_database_name=_optional_text(node, "glueDatabaseName"),
            athena_workgroup_name=_optional_text(node, "athenaWorkGroupName"),
            quicksight=_flag(node, "quicksight", defaults.quicksight),
            quicksight_principal_arn=_optional_text(node, "quicksightPrincipalArn"),
            base_url=_optional_text(node, "baseUrl"),
            log_level=_text(node, "logLevel", defaults.log_level).upper(),
            unbundled_layer=_flag(node, UNBUNDLED_LAYER_FLAG, defaults.unbundled_layer),
        )
        options.validate()
        return options

    def validate(self) -> None:
        if not _STACK_NAME.match(self.stack_name):
            raise ContextError(f"stackName: {self.stack_name!r} is not a CloudFormation stack name")
        if not _DOMAIN.match(self.domain):
            raise ContextError(f"domain: {self.domain!r} is not a DNS domain name")
        if self.ses_max_send_rate <= 0:
            raise ContextError("sesMaxSendRate: must be a positive number of messages per second")
        if not 2 <= self.sender_concurrency <= 1000:
            raise ContextError("senderConcurrency: SQS event sources allow 2 to 1000")
        if self.raw_mail_retention_days < 1:
            raise ContextError("rawMailRetentionDays: must be at least 1")
        if self.batch_file_retention_days < 1:
            raise ContextError("batchFileRetentionDays: must be at least 1")
        self._validate_imports()
        self._validate_names()
        if self.alarm_email is not None and "@" not in self.alarm_email:
            raise ContextError(f"alarmEmail: {self.alarm_email!r} is not an address")
        if self.base_url is not None and not self.base_url.startswith("https://"):
            raise ContextError("baseUrl: must be an https:// URL")
        if self.log_level not in _LOG_LEVELS:
            raise ContextError(f"logLevel: one of {sorted(_LOG_LEVELS)}")

    def _validate_imports(self) -> None:
        if (self.table_name is None) != (self.table_stream_arn is None):
            raise ContextError(
                "tableName and tableStreamArn go together: the exporter reads the imported table's stream"
            )
        if self.table_name is not None and not _TABLE_NAME.match(self.table_name):
            raise ContextError(f"tableName: {self.table_name!r} is not a DynamoDB table name")
        if self.table_stream_arn is not None and not (
            _STREAM_ARN.match(self.table_stream_arn) and f":table/{self.table_name}/" in self.table_stream_arn
        ):
            raise ContextError(
                f"tableStreamArn: {self.table_stream_arn!r} is not a stream of {self.table_name}"
            )
        if self.link_key_secret_arn is not None and not _SECRET_ARN.match(self.link_key_secret_arn):
            raise ContextError(
                "linkKeySecretArn: the secret's complete ARN (ending in its six-character suffix)"
            )

    def _validate_names(self) -> None:
        if not _GLUE_DATABASE.match(self.glue_database):
            raise ContextError(f"glueDatabaseName: {self.glue_database!r}: lowercase letters, digits, _")
        if not _ATHENA_WORKGROUP.match(self.athena_workgroup):
            raise ContextError(f"athenaWorkGroupName: {self.athena_workgroup!r} is not a workgroup name")

    @property
    def glue_database(self) -> str:
        """The given name, else the stack's name as Athena accepts it (`Calsnack` → `calsnack`)."""
        return self.glue_database_name or re.sub(r"[^a-z0-9]", "_", self.stack_name.lower())

    @property
    def athena_workgroup(self) -> str:
        return self.athena_workgroup_name or self.stack_name.lower()


def _raw(node: Node, key: str) -> Any:
    return node.try_get_context(key)


def _text(node: Node, key: str, default: str) -> str:
    value = _optional_text(node, key)
    return default if value is None else value


def _optional_text(node: Node, key: str) -> str | None:
    value = _raw(node, key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _number(node: Node, key: str, default: float) -> float:
    value = _raw(node, key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ContextError(f"{key}: expected a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise ContextError(f"{key}: expected a number, got {value!r}") from error


def _flag(node: Node, key: str, default: bool) -> bool:
    value = _raw(node, key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ContextError(f"{key}: expected true or false, got {value!r}")
