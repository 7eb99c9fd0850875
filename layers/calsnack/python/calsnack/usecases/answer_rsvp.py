"""An RSVP button answered on the web: record the answer; Yes and Maybe bring a personal invitation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from calsnack.bootstrap import Services
from calsnack.domain.model import (
    Answer,
    Channel,
    Delivery,
    Event,
    Method,
    PartStat,
    domain_of,
    normalize_address,
)
from calsnack.usecases.enqueue import enqueue_deliveries

_ADDRESS = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


class ButtonAnswer(StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"

    @property
    def partstat(self) -> PartStat:
        return {"yes": PartStat.ACCEPTED, "maybe": PartStat.TENTATIVE, "no": PartStat.DECLINED}[self.value]


class RsvpRefused(ValueError):
    """The answer cannot be taken; str() is shown to the person."""


@dataclass(frozen=True, slots=True)
class RsvpResult:
    event: Event
    email: str
    answer: ButtonAnswer
    invitation_queued: bool


def valid_address(address: str) -> bool:
    return len(address) <= 254 and _ADDRESS.match(address) is not None


def answer_rsvp(services: Services, event_key: str, answer: ButtonAnswer, email: str) -> RsvpResult:
    address = normalize_address(email)
    if not valid_address(address) or domain_of(address) == services.settings.domain:
        raise RsvpRefused("Please enter a valid e-mail address.")
    event = services.store.get_event(event_key)
    if event is None:
        raise RsvpRefused("This event does not exist.")
    if event.cancelled:
        raise RsvpRefused("This event has been cancelled.")
    answer_record = Answer(
        event.organizer, event.event_id, address, answer.partstat, services.clock(), Channel.BUTTON
    )
    services.store.record_answer(event_key, answer_record)
    queued = answer is not ButtonAnswer.NO
    if queued:
        enqueue_deliveries(
            services,
            [Delivery(event_key, address, event.sequence, Method.REQUEST)],
            chunk=f"rsvp:{event_key}:{address}:{event.sequence}",
        )
    return RsvpResult(event, address, answer, queued)
