"""Which domains are public mail providers, where a sender's domain is no organization."""

from __future__ import annotations

import pytest
from calsnack.domain.mail_providers import is_public_mail_domain


@pytest.mark.parametrize(
    "domain",
    ["gmail.com", "Outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "web.de", "proton.me", "aol.com",
     "gmx.de", "gmx.net", "gmx.at", "gmx.co.uk", "yahoo.co.jp", "hotmail.com.br", "gmail.com."],
)  # fmt: skip
def test_public_providers_are_known(domain: str) -> None:
    assert is_public_mail_domain(domain)


@pytest.mark.parametrize(
    "domain", ["example.test", "corp.example", "gmx.corp.example", "mail.google.com", "gmailcom", "gmx"]
)
def test_an_organizations_domain_is_not_a_provider(domain: str) -> None:
    assert not is_public_mail_domain(domain)
