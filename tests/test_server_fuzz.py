"""Property-based fuzzing of the server's OpenAPI schema (schemathesis): never a 5xx.

Two passes against the in-process ASGI app: schemathesis' own calls (mostly unsigned, so
they exercise validation and the signature gate), and the same generated bodies signed by an
enrolled device, so they reach the push and pull logic itself.
"""

from __future__ import annotations

import json
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

from server.app import create_app
from server.store import create_enrol_code, enrol, open_server
from sync.protocol import (
    PATH_PULL,
    PATH_PUSH,
    EnrolRequest,
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
    app = create_app(srv)
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
              ("POST", "/v1/pull")]


def test_openapi_schema_is_served_and_lists_the_protocol(fuzzing):
    served = fuzzing.client.get("/openapi.json").json()
    # Every operation is fuzzed below: a new one must be added to OPERATIONS.
    assert sorted((m.upper(), p) for p, ops in served["paths"].items() for m in ops) == \
        sorted(OPERATIONS)
    assert "PushRequest" in served["components"]["schemas"]


@pytest.mark.parametrize("method, path", OPERATIONS)
def test_no_server_error_for_any_generated_request(fuzzing, method, path):
    """schemathesis' own cases and calls: mostly unsigned, so validation and the gate."""
    @given(case=fuzzing.schema[path][method].as_strategy())
    @FUZZ
    def check(case) -> None:
        response = case.call()
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert set(response.json()) == {"error", "message"}

    check()


@pytest.mark.parametrize("path, model", [(PATH_PUSH, PushResponse), (PATH_PULL, PullResponse)])
def test_signed_generated_bodies_reach_the_logic_and_never_5xx(fuzzing, path, model):
    @given(case=fuzzing.schema[path]["POST"].as_strategy())
    @FUZZ
    def check(case) -> None:
        body = json.dumps(case.body, ensure_ascii=False).encode("utf-8")
        response = fuzzing.client.post(path, content=body, headers=fuzzing.signed(path, body))
        assert response.status_code < 500, response.text
        if response.status_code == 200:
            model.model_validate_json(response.content)

    check()


def test_signed_garbage_is_a_4xx(fuzzing):
    @given(body=st.binary(max_size=2048) | st.text(max_size=512).map(str.encode))
    @FUZZ
    def check(body: bytes) -> None:
        response = fuzzing.client.post(PATH_PUSH, content=body,
                                       headers=fuzzing.signed(PATH_PUSH, body))
        assert 400 <= response.status_code < 500

    check()
