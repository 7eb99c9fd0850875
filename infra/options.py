"""Deploy-time settings: CDK context (cdk.json, `cdk deploy -c key=value`) parsed into one typed value.

`cdk -c` hands every value over as a string, cdk.json as JSON; both are accepted here so the
stack itself only ever sees typed keyword arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from constructs import Node

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LOG_LEVELS = frozenset({"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class ContextError(ValueError):
    """A context value that cannot configure the stack."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StackOptions:
    #: The mail domain SES receives for (snack@, batch@, and every other address in it).
    domain: str = "snack.example.com"
    #: The account's SES maximum send rate (messages per second), shared by all senders.
    ses_max_send_rate: float = 14.0
    #: How many sender functions run at once (the SQS event source's maximum concurrency, ≥ 2).
    sender_concurrency: int = 2
    #: Where alarms are mailed; no subscription when unset.
    alarm_email: str | None = None
    #: Days raw inbound mail (`mail/` in the mail bucket) is kept.
    raw_mail_retention_days: int = 30
    #: Also deploy a QuickSight data source and data set over the Athena views.
    quicksight: bool = False
    #: QuickSight user or group ARN given access to those (optional).
    quicksight_principal_arn: str | None = None
    #: Prefix of every link in mails and pages; default: the API's own stage URL.
    base_url: str | None = None
    log_level: str = "INFO"

    @property
    def send_rate(self) -> float:
        """Messages per second one sender may send so that all of them stay under the SES rate."""
        return self.ses_max_send_rate / self.sender_concurrency

    @classmethod
    def from_context(cls, node: Node) -> StackOptions:
        defaults = cls()
        domain = _text(node, "domain", defaults.domain).lower()
        options = cls(
            domain=domain,
            ses_max_send_rate=_number(node, "sesMaxSendRate", defaults.ses_max_send_rate),
            sender_concurrency=int(_number(node, "senderConcurrency", defaults.sender_concurrency)),
            alarm_email=_optional_text(node, "alarmEmail"),
            raw_mail_retention_days=int(
                _number(node, "rawMailRetentionDays", defaults.raw_mail_retention_days)
            ),
            quicksight=_flag(node, "quicksight", defaults.quicksight),
            quicksight_principal_arn=_optional_text(node, "quicksightPrincipalArn"),
            base_url=_optional_text(node, "baseUrl"),
            log_level=_text(node, "logLevel", defaults.log_level).upper(),
        )
        options.validate()
        return options

    def validate(self) -> None:
        if not _DOMAIN.match(self.domain):
            raise ContextError(f"domain: {self.domain!r} is not a DNS domain name")
        if self.ses_max_send_rate <= 0:
            raise ContextError("sesMaxSendRate: must be a positive number of messages per second")
        if not 2 <= self.sender_concurrency <= 1000:
            raise ContextError("senderConcurrency: SQS event sources allow 2 to 1000")
        if self.raw_mail_retention_days < 1:
            raise ContextError("rawMailRetentionDays: must be at least 1")
        if self.alarm_email is not None and "@" not in self.alarm_email:
            raise ContextError(f"alarmEmail: {self.alarm_email!r} is not an address")
        if self.base_url is not None and not self.base_url.startswith("https://"):
            raise ContextError("baseUrl: must be an https:// URL")
        if self.log_level not in _LOG_LEVELS:
            raise ContextError(f"logLevel: one of {sorted(_LOG_LEVELS)}")


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
