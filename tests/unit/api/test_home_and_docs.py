"""The home page at / and the Swagger UI at /docs, whose assets come from /static/ (no CDN)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from tests.unit.api.conftest import BASE, DOMAIN

pytestmark = pytest.mark.usefixtures("services")


def test_the_home_page_says_how_to_use_this_deployment(gateway):
    page = gateway.get("/")
    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f'href="mailto:snack@{DOMAIN}"' in page.text
    assert f'href="mailto:batch@{DOMAIN}"' in page.text
    assert f'href="{BASE}/docs"' in page.text
    assert "unsafe-inline" not in page.headers["content-security-policy"]


def test_docs_is_swagger_ui_on_our_own_assets(gateway):
    page = gateway.get("/docs")
    assert page.status == 200
    sources = re.findall(
        r"""<(?:script src|link rel='stylesheet' type='text/css' href)='([^']+)'""", page.text
    )
    assert sources == ["static/swagger-ui.min.css", "static/swagger-ui-bundle.min.js"]
    assert "//cdn" not in page.text and "unpkg" not in page.text and "jsdelivr" not in page.text
    for source in sources:
        asset = gateway.get("/" + source)
        assert asset.status == 200, source
        assert len(asset.body) > 100_000, source
    assert '"title": "calsnack"' in page.text


def test_docs_admits_its_one_inline_script_by_hash_and_nothing_else(gateway):
    page = gateway.get("/docs")
    (script,) = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = page.headers["content-security-policy"]
    assert f"'sha256-{digest}'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert page.headers["x-frame-options"] == "DENY"


def test_the_swagger_ui_licence_is_kept_beside_it():
    from importlib import resources

    folder = resources.files("calsnack.api") / "static"
    assert "Apache License" in (folder / "swagger-ui-LICENSE").read_text(encoding="utf-8")


def test_a_browser_asking_for_the_favicon_gets_no_error(gateway):
    reply = gateway.get("/favicon.ico")
    assert reply.status == 204 and reply.body == b""


def test_the_swagger_ui_document_describes_the_csv_upload_too(gateway):
    """/docs embeds Powertools' document; it must say what /openapi.json says of POST /batches."""
    embedded = gateway.get("/docs?format=json").json()
    served = gateway.get("/openapi.json").json()
    body = embedded["paths"]["/batches"]["post"]["requestBody"]
    assert body == served["paths"]["/batches"]["post"]["requestBody"]
    assert set(body["content"]) == {"text/csv", "multipart/form-data"}
