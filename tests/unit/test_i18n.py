"""calsnack.i18n: every string the service writes is translated, languages are chosen as the
contract says, and times are written as each locale writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from calsnack import i18n
from calsnack.i18n import LANGUAGES, event_when, format_day, negotiated, translations

from tests.contract.builders import make_event

REPO = Path(__file__).resolve().parents[2]
LOCALE = REPO / "layers/calsnack/python/calsnack/locale"


def _extracted() -> set[str]:
    """Every msgid `make messages` would extract now, from the code and the templates as they are."""
    with (REPO / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(REPO), method_map, options_map):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_code_and_templates_have_strings_to_translate() -> None:
    assert {"Invitation: %(summary)s @ %(when)s", "%(days)s (all day)"} <= _extracted()


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_every_string_has_a_translation_in_every_catalog(language: str) -> None:
    """A new string in a template or the code fails here until `make messages` and a translator ran."""
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    translated = {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalog
        if message.id and message.string and not message.fuzzy and all(message.string)
    }
    assert sorted(_extracted() - translated) == []


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("de-CH,de;q=0.9", "de"),
        ("pt", "en"),
        ("", "en"),
        ("pt-BR, fr;q=0.4, es;q=0.8", "es"),
        ("fr-CA", "fr"),
        ("*", "en"),
        ("de;q=0, fr", "fr"),
        ("es;q=abc, de;q=0.5", "de"),
    ],
)
def test_accept_language_picks_the_best_language_spoken(header: str, language: str) -> None:
    assert negotiated(header) == language


def test_a_tag_speaks_its_languages_catalog_and_its_regions_dates() -> None:
    assert translations("fr-CA").gettext("%(days)s (all day)") == "%(days)s (toute la journée)"
    assert translations("").gettext("%(days)s (all day)") == "%(days)s (all day)"
    assert format_day(date(2026, 12, 8), "de") == "Di., 8. Dez. 2026"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("", "Tue, Dec 8, 2026, 7:00 AM - 8:30 AM (America/Chicago)"),
        ("de", "Di., 8. Dez. 2026, 07:00 - 08:30 (America/Chicago)"),
        ("fr", "mar. 8 déc. 2026, 07:00 - 08:30 (America/Chicago)"),
        ("es", "mar, 8 dic 2026, 7:00 - 8:30 (America/Chicago)"),
    ],
)
def test_an_events_time_is_in_its_zone_as_the_locale_writes_it(language: str, text: str) -> None:
    event = make_event(
        "ada@corp.example",
        "ev-1",
        start=datetime(2026, 12, 8, 13, 0, tzinfo=UTC),
        end=datetime(2026, 12, 8, 14, 30, tzinfo=UTC),
    )
    assert event.timezone == "America/Chicago"
    assert event_when(event, language) == text


def test_a_time_across_midnight_names_both_days() -> None:
    zone = ZoneInfo("Europe/Paris")
    start, end = datetime(2026, 12, 8, 22, 0, tzinfo=zone), datetime(2026, 12, 9, 1, 0, tzinfo=zone)
    assert i18n.format_span(start, end, zone, "es") == "mar, 8 dic 2026, 22:00 - mié, 9 dic 2026, 1:00"
