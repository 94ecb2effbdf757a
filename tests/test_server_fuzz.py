"""Property-based fuzzing of the server's OpenAPI schema (schemathesis): never a 5xx.

Passes against the in-process ASGI app on a real SQLite file: schemathesis' own calls
(mostly unsigned, so they exercise the signature gate), and every operation's generated
requests signed — by an enrolled device's key, or for an enrolment by the key the generated
body registers — so they reach the logic itself (push, pull, enrolment, the check page).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core import NotSet

from server.app import create_app
from server.enrol import create_enrol_code, enrol
from server.kernel import open_server
from sync.protocol import (
    PATH_ENROL,
    PATH_PULL,
    PATH_PUSH,
    UUID_RE,
    EnrolRequest,
    EnrolResponse,
    PullResponse,
    PushResponse,
    public_hex,
    sign_request,
)

FUZZ = settings(max_examples=40, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@dataclass
class Fuzzing:
    schema: Any
    client: TestClient
    key: Ed25519PrivateKey
    device_id: str

    def signed(self, path: str, body: bytes) -> dict[str, str]:
        headers = sign_request(self.key, device_id=self.device_id, method="POST", path=path,
                               body=body)
        return {**headers, "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def fuzzing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzing]:
    """The in-process app on a fresh SQLite file, with one enrolled device."""
    srv = open_server(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'county.db'}")
    app = create_app(srv, check_rate=(1e9, 1e9))  # the check page is fuzzed, not throttled
    key = Ed25519PrivateKey.generate()
    device = enrol(srv, EnrolRequest(
        code=create_enrol_code(srv, village="3404220010")["code"],
        device_id="7d4a7cdb-9154-48cf-8331-9ae8175220eb", public_key=public_hex(key),
        box_key=public_hex(X25519PrivateKey.generate()), village="3404220010",
        user="李会计")).device_id
    client = TestClient(app)
    try:
        yield Fuzzing(schemathesis.openapi.from_asgi("/openapi.json", app), client, key, device)
    finally:
        client.close()
        srv.close()


OPERATIONS = [("GET", "/v1/health"), ("POST", "/v1/enrol"), ("POST", "/v1/push"),
              ("POST", "/v1/pull"), ("GET", "/r/{token}")]


def _is_json(response: Any) -> bool:
    kind = response.headers.get("content-type", "")
    kind = kind[0] if isinstance(kind, list) and kind else kind  # schemathesis' own response
    return isinstance(kind, str) and kind.startswith("application/json")


def _sign(fuzzing: Fuzzing, case: Any) -> tuple[str, bytes, dict[str, str]]:
    """The generated request as bytes, signed: the hook every signed pass goes through."""
    body = b"" if isinstance(case.body, NotSet) else json.dumps(
        case.body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    path = case.formatted_path
    key, device = fuzzing.key, fuzzing.device_id
    if path == PATH_ENROL and isinstance(case.body, dict):
        # Proof of possession: sign with a fresh key that the body registers.
        key = Ed25519PrivateKey.generate()
        named = case.body.get("device_id")
        if isinstance(named, str) and re.fullmatch(UUID_RE, named):
            device = named
        body = json.dumps({**case.body, "public_key": public_hex(key)},
                          ensure_ascii=False).encode("utf-8", "surrogatepass")
    try:
        headers = sign_request(key, device_id=device, method=case.method, path=path, body=body)
    except UnicodeEncodeError:
        headers = {}  # a path no request can be signed for (not ASCII): sent unsigned
    return path, body, {**headers, "Content-Type": "application/json"}


def test_openapi_schema_is_served_and_lists_the_protocol(fuzzing):
    served = fuzzing.client.get("/openapi.json").json()
    # Every operation is fuzzed below: a new one must be added to OPERATIONS.
    assert sorted((m.upper(), p) for p, ops in served["paths"].items() for m in ops) == \
        sorted(OPERATIONS)
    for name, path in (("PushRequest", PATH_PUSH), ("PullRequest", PATH_PULL),
                       ("EnrolRequest", PATH_ENROL)):
        assert name in served["components"]["schemas"]
        body = served["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"] == {"$ref": f"#/components/schemas/{name}"}


@pytest.mark.parametrize("method, path", OPERATIONS)
def test_no_server_error_for_any_generated_request(fuzzing, method, path):
    """schemathesis' own cases and calls: mostly unsigned, so validation and the gate."""
    @given(case=fuzzing.schema[path][method].as_strategy())
    @FUZZ
    def check(case) -> None:
        response = case.call()
        assert response.status_code < 500, response.text
        if response.status_code >= 400 and _is_json(response):
            assert set(response.json()) == {"error", "message"}

    check()


MODELS = {PATH_PUSH: PushResponse, PATH_PULL: PullResponse, PATH_ENROL: EnrolResponse}


@pytest.mark.parametrize("method, path", OPERATIONS)
def test_signed_generated_requests_reach_the_logic_and_never_5xx(fuzzing, method, path):
    """Every operation, each generated request signed by the hook above."""
    @given(case=fuzzing.schema[path][method].as_strategy())
    @FUZZ
    def check(case) -> None:
        sent_path, body, headers = _sign(fuzzing, case)
        response = fuzzing.client.request(case.method, sent_path, content=body,
                                          headers=headers, params=case.query or None)
        assert response.status_code < 500, response.text
        if response.status_code >= 400 and _is_json(response):
            assert set(response.json()) == {"error", "message"}
        if response.status_code == 200 and sent_path in MODELS:
            MODELS[sent_path].model_validate_json(response.content)

    check()


def test_signed_garbage_is_a_4xx(fuzzing):
    @given(body=st.binary(max_size=2048) | st.text(max_size=512).map(str.encode))
    @FUZZ
    def check(body: bytes) -> None:
        response = fuzzing.client.post(PATH_PUSH, content=body,
                                       headers=fuzzing.signed(PATH_PUSH, body))
        assert 400 <= response.status_code < 500

    check()
