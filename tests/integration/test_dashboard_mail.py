"""dashboard@DOMAIN: an authenticated organizer's mail is answered with fresh links (issue 14)."""

from __future__ import annotations

import re
import uuid
from email.message import EmailMessage

from calsnack.domain.model import event_key
from calsnack.links import Links
from calsnack.serve.lambda_events import LambdaContext, api_gateway_event

from lambdas.api.handler import make_handler
from tests.integration.conftest import World
from tests.mailfactory import invitation

ORGANIZER = "olga@example.test"


def ask(world: World, sender: str = ORGANIZER, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Olga <{sender}>"
    message["To"] = f"dashboard@{world.domain}"
    message["Subject"] = "my dashboard link, please"
    message["Message-ID"] = f"<{uuid.uuid4()}@example.test>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Hi")
    return message


def status_of(world: World, url: str) -> int:
    path = url.removeprefix("https://calsnack.test")
    api = make_handler(world.services)
    return int(api(api_gateway_event("GET", path, {}, b""), LambdaContext("api"))["statusCode"])


def test_a_mail_to_dashboard_brings_fresh_links_for_the_upcoming_events(world: World) -> None:
    uid = f"{uuid.uuid4()}@google.com"
    world.deliver("snack", invitation(uid, ORGANIZER, domain=world.domain), sender=ORGANIZER)
    request = ask(world)
    world.deliver("other", request, sender=ORGANIZER)
    _snack, answer = world.mails_to(ORGANIZER)
    assert answer["In-Reply-To"] == request["Message-ID"]
    text = answer.get_body(("plain",)).get_content()
    [dashboard] = re.findall(r"https://calsnack\.test/dashboard\?\S+", text)
    assert status_of(world, dashboard) == 200
    landing = Links.of(world.services.settings).landing(event_key(ORGANIZER, uid))
    assert landing in text and status_of(world, landing) == 200
    world.deliver("other", request, sender=ORGANIZER)  # the same mail again: answered once
    assert len(world.mails_to(ORGANIZER)) == 2


def test_unauthenticated_or_automatic_mail_to_dashboard_is_never_answered(world: World) -> None:
    world.deliver("other", ask(world), sender=ORGANIZER, verdict="fail")
    world.deliver("other", ask(world, Auto_Submitted="auto-replied"), sender=ORGANIZER)
    world.deliver("other", ask(world, Precedence="bulk"), sender=ORGANIZER)
    assert world.mails_to(ORGANIZER) == []
