"""`calsnack serve --help` describes every option with its default, and keeps CONTRACT §2's."""

from __future__ import annotations

import re

import pytest
from calsnack.cli.main import main, parser

#: CONTRACT §2: option, default.
CONTRACT = {
    "--data-dir": ".calsnack",
    "--smtp-port": "2525",
    "--http-port": "8080",
    "--domain": "snack.localhost",
    "--base-url": "http://127.0.0.1:<http-port>",
    "--authserv-id": "calsnack.local",
    "--local-auth": "pass",
}


def serve_help(capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--help"])
    assert exited.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_every_option_is_described_with_its_default(capsys) -> None:
    text = serve_help(capsys)
    options = re.findall(r"(?<= )--[a-z-]+(?= )", text.split("options:")[1])
    assert set(options) >= {*CONTRACT, "--smarthost", "--workers", "--log-format"}
    for option in set(options) - {"--help"}:
        described = text.split(option, 2)[-1].split(" --", 1)[0]
        assert "(default: " in described, option
    for option, default in CONTRACT.items():
        assert f"(default: {default})" in text.split(option, 2)[-1].split(" --", 1)[0], option


def test_the_contracts_defaults_are_kept() -> None:
    args = parser().parse_args(["serve"])
    assert (str(args.data_dir), args.smtp_port, args.http_port, args.domain) == (
        ".calsnack",
        2525,
        8080,
        "snack.localhost",
    )
    assert (args.base_url, args.authserv_id, args.local_auth, args.log_format) == (
        None,
        "calsnack.local",
        "pass",
        "text",
    )
