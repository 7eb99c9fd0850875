"""Jinja2 for the words of every mail: templates in calsnack/templates, the brand from `Settings`.

HTML templates escape every value (autoescape on `.html`); text templates (`.txt`) write
values as they are. Templates are compiled once per process and kept.

Where a text is needed for every message of a batch of distinct events (the invitation),
even a few Jinja renders per event are too slow: `shape` renders a template once with a
`Slot` in place of each value, and `Shape.fill` then writes the values into the cut text
with the escaping the template gave each place, at the cost of a few string joins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup, escape

from calsnack.i18n import catalog_language, translations

# Cuts a rendered shape: no template writes a NUL, and no escaping changes one.
_CUT = "\x00"


class Slot(str):
    """A value left open in a shape: `field` as the template writes it (text, escaped, with breaks).

    Only its emptiness may decide anything in the template: a shape is rendered once for
    each combination of empty and non-empty values, with a Slot for each non-empty one.
    """

    def __new__(cls, field: str, how: str = "") -> Slot:
        return super().__new__(cls, f"{_CUT}{field}|{how}{_CUT}")

    @property
    def field(self) -> str:
        return self[1:].partition("|")[0]

    def __html__(self) -> str:
        """What autoescape writes: the value escaped at fill time."""
        return str(Slot(self.field, "escape"))


class HtmlSlot(Slot):
    """A slot for a value that is HTML already (sanitized): written as it is."""

    def __html__(self) -> str:
        return str(Slot(self.field, "html"))


def _with_breaks(text: str) -> Markup:
    """Escaped text with its line breaks as <br> (a CSV location may be a street address on lines)."""
    if isinstance(text, Slot):
        return Markup(str(Slot(text.field, "breaks")))  # noqa: S704 (a slot's marker: escaped at fill time)
    return Markup("<br>").join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


_FILLS: dict[str, Callable[[str], str]] = {
    "": str,
    "html": str,
    "escape": lambda value: str(escape(value)),
    "breaks": lambda value: str(_with_breaks(value) if "\r" in value or "\n" in value else escape(value)),
}


@dataclass(frozen=True, slots=True)
class Shape:
    """A template rendered with slots: static pieces, and which value goes where and how."""

    pieces: tuple[str, ...]
    slots: tuple[tuple[int, str, Callable[[str], str]], ...]

    @classmethod
    def of(cls, rendered: str) -> Shape:
        pieces = rendered.split(_CUT)
        slots = []
        for position in range(1, len(pieces), 2):
            field, _, how = pieces[position].partition("|")
            slots.append((position, field, _FILLS[how]))
        return cls(tuple(pieces), tuple(slots))

    def fill(self, values: Mapping[str, str]) -> str:
        pieces = list(self.pieces)
        for position, field, write in self.slots:
            pieces[position] = write(values[field])
        return "".join(pieces)


@cache
def _environment(language: str) -> Environment:
    """One environment per catalog: `jinja2.ext.i18n` binds its gettext to an environment, and
    a template compiled once per language keeps rendering as cheap as without translations.
    {% trans %} blocks are trimmed, as babel.cfg extracts them."""
    environment = Environment(
        loader=PackageLoader("calsnack", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    environment.policies["ext.i18n.trimmed"] = True
    environment.filters["with_breaks"] = _with_breaks
    # The catalog's language, for <html lang>.
    environment.globals["lang"] = language
    environment.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return environment


@cache
def _template(name: str, language: str) -> Template:
    return _environment(catalog_language(language)).get_template(name)


def render(name: str, language: str = "", /, **values: Any) -> str:
    """The template `name` (a path under calsnack/templates) filled with `values`, its words in
    `language` (a BCP 47 tag; English for none)."""
    return _template(name, language).render(values)


def shape(name: str, language: str = "", /, **values: Any) -> Shape:
    """The template `name` rendered with `values`, of which the `Slot`s are left open."""
    return Shape.of(render(name, language, **values))
