"""What a one-click unsubscribe stops: a company domain, or one organizer on a public provider."""

from __future__ import annotations

import pytest
from calsnack.domain.unsubscribe import sender_scopes, unsubscribe_scope


@pytest.mark.parametrize(
    ("sender", "scope"),
    [
        ("Ann@Corp.Example", "corp.example"),
        ("alice@Gmail.com", "alice@gmail.com"),
        ("bob@gmx.de", "bob@gmx.de"),
        ("carl@gmx.corp.example", "gmx.corp.example"),
        ("Corp.Example", "corp.example"),
    ],
)
def test_the_scope_is_the_domain_for_companies_and_the_address_for_public_providers(sender, scope):
    assert unsubscribe_scope(sender) == scope


def test_mail_from_an_organizer_is_stopped_by_its_domain_and_its_address():
    assert sender_scopes("Alice@Gmail.com") == {"gmail.com", "alice@gmail.com"}
    assert sender_scopes("corp.example") == {"corp.example"}
