"""The optional `language` column (CONTRACT §3): a BCP 47 tag of a language the service speaks."""

from __future__ import annotations

import pytest
from calsnack.domain.commands import CommandRow
from calsnack.domain.model import RowError

from .sample import CREATE, batch, read, row_of


@pytest.mark.parametrize(
    ("cell", "tag"),
    [("", None), ("de", "de"), (" FR ", "fr"), ("fr-CA", "fr-CA"), ("es_mx", "es-MX"), ("en-US", "en-US")],
)
def test_a_language_is_a_tag_the_service_speaks(cell: str, tag: str | None) -> None:
    (result,) = read(batch([row_of({**CREATE, "language": cell})]))
    assert isinstance(result, CommandRow)
    assert result.fields.language == tag


@pytest.mark.parametrize("cell", ["pt", "klingon", "zz-ZZ", "de_"])
def test_an_unknown_language_refuses_its_row_naming_the_ones_spoken(cell: str) -> None:
    (ok, refused) = read(batch([row_of(CREATE), row_of({**CREATE, "event_id": "ev-2", "language": cell})]))
    assert isinstance(ok, CommandRow)
    assert isinstance(refused, RowError)
    assert (refused.row, refused.column) == (3, "language")
    assert (
        refused.reason == f"the language {cell!r} is not one of en, de, fr, es (a tag such as fr-CA is fine)"
    )


def test_an_update_or_invite_may_carry_the_language_alone() -> None:
    update, invite = read(
        batch(
            [
                row_of({"command": "UPDATE", "event_id": "ev-1", "language": "es"}),
                row_of(
                    {"command": "INVITE", "event_id": "ev-1", "language": "de", "attendees": "a@b.example"}
                ),
            ]
        )
    )
    assert isinstance(update, CommandRow) and update.fields.language == "es"
    assert isinstance(invite, CommandRow) and invite.fields.language == "de"


def test_the_column_goes_by_the_names_people_give_it() -> None:
    header = ["command", "event_id", "organizer", "date", "start_time", "end_time", "timezone", "subject"]
    cells = [CREATE[name] for name in header]
    for name in ("Language", "lang", "Locale"):
        (result,) = read(batch([[*cells, "de"]], header=[*header, name]))
        assert isinstance(result, CommandRow), name
        assert result.fields.language == "de", name
