"""The languages the service speaks: catalogs, the choice of a language, dates and times in it.

The message catalogs are `calsnack/locale/<language>/LC_MESSAGES/messages.po`, read and
compiled in memory the first time a language is used (a few milliseconds per language and
process). No compiled `.mo` is committed or built: the `.po` is the one file a translator
edits and the package ships (package data, and the Lambda layer copies the package as it
is), so what runs can never lag behind what was translated. `make messages` extracts the
strings of the templates and the code (babel.cfg) and updates every catalog; docs/languages.md
says how to add a language.

An invitation speaks its event's `language` (CONTRACT §3, a BCP 47 tag such as `fr-CA`):
the catalog is the tag's language, the dates are formatted for the whole tag. A page speaks
its event's language too, or else what the browser's `Accept-Language` prefers.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from functools import cache
from importlib.resources import files
from io import BytesIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.dates import DateTimePattern, match_skeleton, parse_pattern
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from calsnack.domain.model import Event
from calsnack.ical.write import all_day_dates

#: The languages with a catalog, English (the templates' own words) first.
LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es")
DEFAULT_LANGUAGE = "en"


def language_tag(value: str) -> str:
    """A BCP 47 tag as the service stores it (`fr-CA`); raises ValueError naming the languages
    it speaks for a tag it cannot parse or has no catalog for."""
    tag = value.strip()
    try:
        locale = Locale.parse(tag.replace("_", "-"), sep="-")
    except (ValueError, UnknownLocaleError):
        locale = None
    if locale is None or locale.language not in LANGUAGES:
        raise ValueError(
            f"the language {tag!r} is not one of {', '.join(LANGUAGES)} (a tag such as fr-CA is fine)"
        )
    return "-".join(part for part in (locale.language, locale.script, locale.territory) if part)


def catalog_language(tag: str) -> str:
    """The catalog a stored tag speaks: its language, English for none."""
    language = tag.partition("-")[0].lower()
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


@cache
def locale_of(tag: str) -> Locale:
    """The Babel locale of a stored tag (dates and numbers), English for none."""
    return Locale.parse(tag or DEFAULT_LANGUAGE, sep="-")


@cache
def translations(tag: str) -> Translations:
    """The catalog of a stored tag's language; English has none (the msgids are English)."""
    language = catalog_language(tag)
    if language == DEFAULT_LANGUAGE:
        return Translations()
    source = files("calsnack") / "locale" / language / "LC_MESSAGES" / "messages.po"
    with source.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def negotiated(accept_language: str) -> str:
    """The language an `Accept-Language` header prefers among ours (RFC 9110 §12.5.4), English
    when it names none of them: `de-CH,de;q=0.9` is German, `pt` English."""
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, parameters = item.strip().partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, number = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(number)
                except ValueError:
                    quality = 0.0
        if tag.strip() and tag.strip() != "*" and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    preferred = [tag for _, _, tag in sorted(weighted)]
    return negotiate_locale(preferred, LANGUAGES, sep="-") or DEFAULT_LANGUAGE


def event_when(event: Event, tag: str) -> str:
    """When `event` is, in its own zone, as locale `tag` writes it: the one time text of every
    mail and page (formatted once per revision where a batch sends it)."""
    if event.all_day:
        first, after = all_day_dates(event.start, event.end)
        last = after - timedelta(days=1)
        days = (
            format_day(first, tag) if last == first else f"{format_day(first, tag)} - {format_day(last, tag)}"
        )
        return translations(tag).gettext("%(days)s (all day)") % {"days": days}
    span = format_span(event.start, event.end, _zone(event.timezone), tag)
    # A calendar client's floating times have no zone to name.
    return f"{span} ({event.timezone})" if event.timezone else span


def format_day(day: date, tag: str) -> str:
    """A day with its weekday, as the locale writes it short (`Tue, Dec 8, 2026`, `Di., 8. Dez. 2026`)."""
    pattern, _, _, locale = _patterns(tag)
    return _plain(pattern.apply(day, locale))


def format_span(start: datetime, end: datetime, zone: tzinfo | None, tag: str) -> str:
    """From `start` to `end` in `zone` as the locale writes a date and time (`Tue, Dec 8, 2026,
    2:00 PM - 3:30 PM`); the end's day only where it is another day."""
    day, time, join, locale = _patterns(tag)
    start, end = _local(start, zone), _local(end, zone)

    def at(moment: datetime) -> str:
        return join.format(time.apply(moment, locale), day.apply(moment, locale))

    until = time.apply(end, locale) if end.date() == start.date() else at(end)
    return _plain(f"{at(start)} - {until}")


@cache
def _patterns(tag: str) -> tuple[DateTimePattern, DateTimePattern, str, Locale]:
    """The locale's day, time and date-with-time patterns, looked up once: Babel's `format_*`
    calls match a skeleton and parse its pattern on every call, which for a batch of distinct
    events would cost several times the rest of an invitation's render."""
    locale = locale_of(tag)
    skeleton = match_skeleton("yMMMEd", locale.datetime_skeletons)
    day = parse_pattern(locale.datetime_skeletons[skeleton] if skeleton else locale.date_formats["medium"])
    time = parse_pattern(locale.time_formats["short"])
    return day, time, str(locale.datetime_formats["medium"]), locale


#: CLDR puts narrow and no-break spaces into times ("1:00\u202fPM", "13 h 00"): as plain spaces a
#: time stays ASCII where its language is, so an English Subject needs no encoded words and no
#: client shows a missing glyph. The text between two times is a hyphen for the same reason.
_PLAIN_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})


def _plain(text: str) -> str:
    return text.translate(_PLAIN_SPACES)


def _zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _local(moment: datetime, zone: tzinfo | None) -> datetime:
    return moment if zone is None or moment.tzinfo is None else moment.astimezone(zone)
