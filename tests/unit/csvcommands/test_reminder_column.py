"""The optional `reminder` column (CONTRACT §3): whole minutes before the start, at most four weeks."""

from __future__ import annotations

import pytest
from calsnack.domain.commands import CommandRow
from calsnack.domain.model import RowError
from calsnack.ical.alarms import MAX_REMINDER

from .sample import CREATE, batch, read, row_of


@pytest.mark.parametrize(
    ("cell", "minutes"), [("", None), ("0", 0), (" 15 ", 15), (str(MAX_REMINDER), MAX_REMINDER)]
)
def test_a_reminder_is_whole_minutes(cell: str, minutes: int | None) -> None:
    (result,) = read(batch([row_of({**CREATE, "reminder": cell})]))
    assert isinstance(result, CommandRow)
    assert result.fields.reminder == minutes


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("15m", 'the reminder "15m" is not a whole number of minutes before the start, such as 15'),
        ("0.5", 'the reminder "0.5" is not a whole number of minutes before the start, such as 15'),
        ("１５", 'the reminder "１５" is not a whole number of minutes before the start, such as 15'),
        ("-10", 'the reminder "-10" is negative: give the minutes before the start, such as 15'),
        (
            str(MAX_REMINDER + 1),
            f"the reminder of {MAX_REMINDER + 1} minutes is more than four weeks ({MAX_REMINDER} minutes)"
            " before the start",
        ),
    ],
)
def test_an_unusable_reminder_refuses_its_row_with_the_reason(cell: str, reason: str) -> None:
    (result,) = read(batch([row_of({**CREATE, "reminder": cell})]))
    assert isinstance(result, RowError)
    assert (result.row, result.column, result.reason) == (2, "reminder", reason)


def test_an_update_of_the_reminder_alone_is_an_update() -> None:
    (result,) = read(batch([row_of({"command": "UPDATE", "event_id": "ev-1", "reminder": "30"})]))
    assert isinstance(result, CommandRow)
    assert result.fields.reminder == 30


def test_the_column_goes_by_the_names_people_give_it() -> None:
    header = ["command", "event_id", "organizer", "date", "start_time", "end_time", "timezone", "subject"]
    cells = [CREATE[name] for name in header]
    for name in ("Reminder", "Reminder minutes", "reminder_minutes", "Alarm"):
        (result,) = read(batch([[*cells, "45"]], header=[*header, name]))
        assert isinstance(result, CommandRow), name
        assert result.fields.reminder == 45, name
