"""The REQUEST authorizer on its own: API Gateway's event in, an IAM policy with the domain out."""

from __future__ import annotations

import pytest
from calsnack.ports import Services
from calsnack.serve.http import policy_allows
from calsnack.serve.lambda_events import LambdaContext, api_gateway_event, authorizer_request_event
from calsnack.usecases.authorize_api_key import authorize_api_key, hash_api_key, presented_key

from tests.unit.api.conftest import api_key


def request(path: str, headers: dict[str, str], method: str = "GET") -> dict:
    return authorizer_request_event(api_gateway_event(method, path, headers, b""))


def authorize(services: Services, event: dict) -> dict:
    from lambdas.authorizer.handler import make_handler

    return make_handler(services)(event, LambdaContext("calsnack-authorizer"))


def test_a_valid_key_allows_exactly_this_call_and_names_its_domain(services):
    key = api_key(services, "example.com")
    event = request("/batches/abc", {"authorization": f"Bearer {key}"})
    result = authorize(services, event)
    assert result["context"]["domain"] == "example.com"
    assert result["principalId"].startswith("apikey:")
    assert policy_allows(result["policyDocument"], event["methodArn"]) == (True, False)
    other_call = event["methodArn"].replace("/GET/batches/abc", "/DELETE/apikeys/x")
    assert policy_allows(result["policyDocument"], other_call) == (False, False)


def test_a_missing_key_is_unauthorized(services):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(services, request("/reports/domain", {}))


@pytest.mark.parametrize("presented", ["csk_unknown", "no-prefix", "csk_" + "x" * 300])
def test_an_unknown_key_is_denied(services, presented):
    event = request("/reports/domain", {"X-Api-Key": presented})
    result = authorize(services, event)
    assert "context" not in result
    assert policy_allows(result["policyDocument"], event["methodArn"]) == (False, True)


def test_a_revoked_key_is_denied(services):
    key = api_key(services)
    services.store.revoke_api_key(hash_api_key(key))
    assert authorize_api_key(services.store, key).reason == "revoked"
    event = request("/reports/domain", {"X-Api-Key": key})
    assert policy_allows(authorize(services, event)["policyDocument"], event["methodArn"]) == (False, True)


def test_only_the_hash_is_stored(services):
    key = api_key(services, "example.com")
    (stored,) = services.store.api_keys("example.com")
    assert stored.key_hash == hash_api_key(key) and key not in repr(stored)


@pytest.mark.parametrize(
    ("headers", "key"),
    [
        ({"Authorization": "Bearer csk_a"}, "csk_a"),
        ({"authorization": "bearer   csk_b  "}, "csk_b"),
        ({"X-API-KEY": "csk_c"}, "csk_c"),
        ({"Authorization": "Basic abc", "X-Api-Key": "csk_d"}, "csk_d"),
        ({"Authorization": "Basic abc"}, ""),
    ],
)
def test_the_key_comes_from_either_header(headers, key):
    assert presented_key(headers) == key
