"""The mailer port on SES v2: one raw message a call, provider refusals mapped to the port's errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from calsnack.ports import OutgoingMail, Rejected, Throttled

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sesv2.type_defs import SendEmailRequestTypeDef

#: Sending faster than the account's rate or quota: the message may go later.
THROTTLED = frozenset(
    {"TooManyRequestsException", "LimitExceededException", "Throttling", "ThrottlingException"}
)
#: Refusals of this one message (its content or recipient), never of the account.
REJECTED = frozenset({"MessageRejected", "BadRequestException"})


class SesMailer:
    """Implements `calsnack.ports.Mailer`.

    Account-wide refusals (AccountSuspendedException, SendingPausedException,
    MailFromDomainNotVerifiedException, a missing configuration set) are neither
    `Throttled` nor `Rejected`: they raise as they are, so every send fails loudly and the
    alarms fire, instead of each attendee being written off one by one.
    """

    def __init__(self, client: SESV2Client, configuration_set: str = "") -> None:
        self.client = client
        self.configuration_set = configuration_set

    def send(self, mail: OutgoingMail) -> str:
        # Raw content carries its own From/To headers; Destination is the envelope.
        request: SendEmailRequestTypeDef = {
            "FromEmailAddress": mail.sender,
            "Destination": {"ToAddresses": list(mail.recipients)},
            "Content": {"Raw": {"Data": mail.raw}},
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        try:
            return self.client.send_email(**request)["MessageId"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in THROTTLED:
                raise Throttled(f"SES {code}: {exc}") from exc
            if code in REJECTED:
                raise Rejected(f"SES {code}: {exc}") from exc
            raise
