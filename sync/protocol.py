"""The county sync protocol, version 1: wire models, request signing, bundle sealing.

Shared by the village client (``sync.client``) and the reference server (``server/``), so it
imports nothing but ``app.domain``, pydantic and ``cryptography``. Every model is strict and
forbids unknown fields: a new field is a new protocol version, never a silent guess — except
the optional county-trust fields (``countersignature`` on push answers and reply bundles,
``countersigned`` on a push), which an older peer simply never sends (docs/SYNC.md).

One module on purpose (longer than most): it is the whole contract between a device and the
county, read by both sides and by whoever writes a third.

Request signing (every request, enrolment included): the device signs with its Ed25519 key

    yibao-req/1 \\n METHOD \\n PATH \\n TIMESTAMP \\n NONCE \\n DEVICE \\n SHA256(body)

and sends the parts in ``X-Yibao-Device``, ``X-Yibao-Timestamp`` (unix seconds),
``X-Yibao-Nonce`` (random, 128 bits) and ``X-Yibao-Signature``. The server answers push and
pull with ``X-Yibao-Server-Signature`` over the request's nonce, the status and the body
hash, so a response cannot be replayed onto another request or altered on the way.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import time
import uuid
import zlib
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as ModelError

from app.domain.canonical import canonical_bytes, canonical_json, plain_canonical_bytes
from app.domain.errors import AuthError, ValidationError
from app.domain.events import GENESIS as GENESIS  # the journal's, re-exported for the wire
from app.domain.events import event_body, event_hash, event_hash_of_bytes, event_hash_of_text

PROTOCOL_VERSION = 1

# Events per push. Every county server takes BASE_BATCH; this release takes MAX_BATCH and says
# so in HEADER_PUSH_LIMIT on its push answers, so a laptop sends bigger batches only to a
# county that has said it takes them (an older one refuses more than BASE_BATCH as invalid).
# Each push costs the county a fixed part (signature, nonce, row lock, its statements, commit)
# and both sides a round trip in which the other waits: a tenth of an upload at 500, and still
# an eighth of the county's time at 1,000 (docs/PERFORMANCE.md).
BASE_BATCH = 500
MAX_BATCH = 2000
MAX_PULL_PAGE = 500  # feed items per pull page
MAX_REQUEST_BYTES = 4 * 1024 * 1024
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
MAX_BUNDLE_BYTES = 64 * 1024 * 1024
MAX_BUNDLE_PLAINTEXT = 256 * 1024 * 1024
REPLAY_WINDOW_SECONDS = 300

HEADER_DEVICE = "X-Yibao-Device"
HEADER_TIMESTAMP = "X-Yibao-Timestamp"
HEADER_NONCE = "X-Yibao-Nonce"
HEADER_SIGNATURE = "X-Yibao-Signature"
HEADER_SERVER_SIGNATURE = "X-Yibao-Server-Signature"
HEADER_PUSH_LIMIT = "X-Yibao-Push-Limit"

PATH_HEALTH = "/v1/health"
PATH_ENROL = "/v1/enrol"
PATH_PUSH = "/v1/push"
PATH_PULL = "/v1/pull"
PATH_CHECK = "/r"  # the payer's check page: GET /r/{QR text}

BUNDLE_FORMAT = "yibao.bundle/1"
COUNTY_KEY_FORMAT = "yibao.county-key/1"

UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_NONCE_RE = re.compile(r"^[0-9a-f]{32}$")
_TIMESTAMP_RE = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE_RE = re.compile(r"^[0-9a-f]{128}$")
_UUID_RE = re.compile(UUID_RE)
_PAYLOAD_KEY = ',"payload":'
_PAYLOAD_KEY_BYTES = _PAYLOAD_KEY.encode("ascii")

Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
UuidText = Annotated[str, StringConstraints(pattern=UUID_RE)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=60)]
Seq = Annotated[int, Field(ge=0, le=2**53)]


class SignatureInvalid(AuthError):
    """A request, response or bundle whose signature does not verify."""

    code = "bad_signature"


class BundleError(ValidationError):
    """A bundle file that is not ours, was altered, or cannot be opened with our key."""

    code = "bad_bundle"


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


# ---- journal events on the wire -------------------------------------------------------------


class WireEvent(_Model):
    """One journal event as pushed: the hashed body plus its two chain links."""

    uuid: UuidText
    device: UuidText
    seq: Annotated[int, Field(ge=1, le=2**53)]
    type: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.]{0,63}$")]
    payload: dict[str, Any]
    actor: Annotated[str, StringConstraints(max_length=100)]
    at: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    prev_hash: Hex64
    hash: Hex64

    def body(self) -> dict[str, Any]:
        return event_body(uuid=self.uuid, device=self.device, seq=self.seq, type=self.type,
                          payload=self.payload, actor=self.actor, at=self.at)

    def hash_ok(self) -> bool:
        """The chain link, by the catalogue's one formula (``app.domain.events``)."""
        return event_hash(self.prev_hash, self.body()) == self.hash

    def verified_payload(self, *, plain: bool = False) -> str | None:
        """The payload's canonical JSON when the chain link holds, else None (``plain``: the
        event came in a body :func:`server.wire.parse_body_plain` found plain, so the faster
        encoder writes the same text).

        The body is serialised once, for the hash, and the payload's text is cut out of it:
        its keys sort actor, at, device, payload, seq, type, uuid, and the strings before and
        after the payload cannot hold an unescaped quote, so the first ``,"payload":`` and
        the last ``,"seq":`` bound it. What the county stores is exactly what was hashed."""
        body = self.body()
        if plain:
            # In bytes throughout: hashed as encoded, only the payload's part decoded.
            raw = plain_canonical_bytes(body)
            if event_hash_of_bytes(self.prev_hash, raw) != self.hash:
                return None
            start = raw.index(_PAYLOAD_KEY_BYTES) + len(_PAYLOAD_KEY_BYTES)
            return raw[start:raw.rindex(b',"seq":')].decode("utf-8")
        text = canonical_json(body)
        if event_hash_of_text(self.prev_hash, text) != self.hash:
            return None
        return text[text.index(_PAYLOAD_KEY) + len(_PAYLOAD_KEY):text.rindex(',"seq":')]


class Head(_Model):
    """A journal head: the last sequence number and its hash (0 and 64 zeros when empty)."""

    seq: Seq
    hash: Hex64


# ---- enrolment ------------------------------------------------------------------------------


class EnrolRequest(_Model):
    """Sent once with the one-time code; signed by the very key it registers."""

    protocol: Literal[1] = PROTOCOL_VERSION
    code: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    device_id: UuidText
    public_key: Hex64  # Ed25519: verifies this device's requests and bundles
    box_key: Hex64  # X25519: reply bundles are encrypted to it
    village: Name
    user: Name
    app_version: Annotated[str, StringConstraints(max_length=40)] = ""


class EnrolResponse(_Model):
    protocol: Literal[1] = PROTOCOL_VERSION
    device_id: UuidText
    server_id: UuidText
    village: Name
    server_sign_key: Hex64
    server_box_key: Hex64
    server_time: ShortText


class CountyKeys(_Model):
    """The county's public keys, handed to villages on paper or USB for bundle-only sync."""

    format: Literal["yibao.county-key/1"] = COUNTY_KEY_FORMAT
    server_id: UuidText
    sign_key: Hex64
    box_key: Hex64


# ---- push -----------------------------------------------------------------------------------

# "refused" (county trust, docs/SYNC.md): a genuine, chained event that breaks the ledger
# model or the county's own checks. It is stored and acknowledged, so the device moves on,
# but it claims nothing and is not folded into the county's view of the device.
EventStatus = Literal["accepted", "duplicate", "conflict", "rejected", "refused"]
ACKNOWLEDGED: frozenset[str] = frozenset({"accepted", "duplicate", "conflict", "refused"})

# The stable ``reason`` codes of a refused event.
REFUSAL_REASONS: tuple[str, ...] = ("ledger_rule", "not_on_roster", "book_not_allocated",
                                    "malformed")


class Countersignature(_Model):
    """The county's Ed25519 signature over a device's journal head as the county holds it
    (:func:`countersign_message`), sent with every push answer and reply bundle. The device
    keeps the newest: a rewrite of anything up to that head is then provable."""

    device_id: UuidText
    seq: Seq
    hash: Hex64
    at: ShortText
    signature: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{128}$")]


class PushRequest(_Model):
    protocol: Literal[1] = PROTOCOL_VERSION
    head: Head  # the client's whole journal head, recorded by the server at each push
    events: Annotated[list[WireEvent], Field(max_length=MAX_BATCH)]
    # The newest countersignature the device keeps (optional): the county checks it is its
    # own and that the device's journal still agrees with it (alert otherwise).
    countersigned: Countersignature | None = None


class EventResult(_Model):
    uuid: UuidText
    seq: Seq
    status: EventStatus
    reason: Annotated[str, StringConstraints(max_length=60)] | None = None  # stable code
    message: Annotated[str, StringConstraints(max_length=500)] | None = None  # for the clerk
    # For a duplicate: what the first copy was told (accepted, conflict or refused).
    first_status: Literal["accepted", "conflict", "refused"] | None = None


class PushResponse(_Model):
    protocol: Literal[1] = PROTOCOL_VERSION
    device_id: UuidText
    results: Annotated[list[EventResult], Field(max_length=MAX_BATCH)]
    device_head: Head  # the last event of this device the server holds
    server_time: ShortText
    # The county's signature over ``device_head`` (optional so older servers still parse).
    countersignature: Countersignature | None = None


# ---- pull -----------------------------------------------------------------------------------

# village_event, book_settled and category came with the township (docs/TOWNSHIP.md): items
# only a township device or a village of this release is ever sent.
FeedKind = Literal["policy", "household", "book", "external_payment", "conflict",
                   "village_event", "book_settled", "category"]


class PullRequest(_Model):
    protocol: Literal[1] = PROTOCOL_VERSION
    cursor: Seq
    limit: Annotated[int, Field(ge=1, le=MAX_PULL_PAGE)] = 200


class FeedItem(_Model):
    seq: Annotated[int, Field(ge=1, le=2**53)]
    kind: FeedKind
    data: dict[str, Any]


class PullResponse(_Model):
    protocol: Literal[1] = PROTOCOL_VERSION
    cursor_from: Seq
    next_cursor: Seq
    more: bool
    items: Annotated[list[FeedItem], Field(max_length=MAX_PULL_PAGE)]
    server_time: ShortText


class CategoryData(_Model):
    category: Name
    source: ShortText = ""
    valid_from: ShortText | None = None
    valid_to: ShortText | None = None


class PersonData(_Model):
    name: Name
    id_type: Annotated[str, StringConstraints(max_length=4)] = "01"
    id_number: Annotated[str, StringConstraints(min_length=1, max_length=30)]
    relation: Annotated[str, StringConstraints(max_length=4)] = "99"
    residence: Literal["local", "nonlocal"] = "local"
    sex: Literal[1, 2] | None = None
    birth_date: ShortText | None = None
    ethnicity: ShortText = ""
    phone: ShortText = ""
    status: Literal["active", "deceased", "moved_out", "employee_insured", "other"] = "active"
    categories: Annotated[list[CategoryData], Field(max_length=20)] = []


class HouseholdData(_Model):
    """A roster household as the county holds it (kind ``household``)."""

    household_no: Annotated[str, StringConstraints(min_length=1, max_length=30)]
    village: Annotated[str, StringConstraints(max_length=40)] = ""
    group: ShortText = ""
    head_name: Name
    address: ShortText = ""
    phone: ShortText = ""
    persons: Annotated[list[PersonData], Field(max_length=50)] = []


class PolicyData(_Model):
    policy_hash: Hex64
    policy: dict[str, Any]


class BookData(_Model):
    """A receipt book allocated by the township to one collector (领用)."""

    allocation_id: UuidText
    series: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    first: Annotated[int, Field(ge=0, le=10**12)]
    last: Annotated[int, Field(ge=0, le=10**12)]
    width: Annotated[int, Field(ge=1, le=20)] | None = None
    collector: Name


class ExternalPaymentData(_Model):
    """A premium paid through another channel (WeChat, the tax app): do not collect again."""

    payment_id: UuidText
    campaign_year: Annotated[int, Field(ge=1990, le=2100)]
    id_number: Annotated[str, StringConstraints(min_length=1, max_length=30)]
    channel: Annotated[str, StringConstraints(min_length=1, max_length=30)]
    paid_at: ShortText
    amount_fen: Annotated[int, Field(ge=0, le=10**10)]


ConflictReason = Literal["duplicate_enrolment", "employee_insured", "paid_elsewhere"]


class ConflictData(_Model):
    """The county found a line of one of our payments must be refunded (→ a refund task)."""

    notice_id: UuidText
    reason: ConflictReason
    message: Annotated[str, StringConstraints(max_length=500)]
    event_uuid: UuidText
    campaign_year: Annotated[int, Field(ge=1990, le=2100)]
    payment_id: Annotated[str, StringConstraints(max_length=64)]
    line_id: Annotated[str, StringConstraints(max_length=64)]
    id_number: Annotated[str, StringConstraints(max_length=30)]
    name: Annotated[str, StringConstraints(max_length=60)]
    receipt: ShortText | None = None
    other_village: Annotated[str, StringConstraints(max_length=40)] | None = None


class VillageEventData(_Model):
    """One journal event of a village device, relayed to its township (kind village_event).

    ``village`` is the county's record of the device, not the event's own claim."""

    village: Name
    event: WireEvent


class BookSettledData(_Model):
    """The township wrote off (核销) a book it allocated (kind book_settled)."""

    allocation_id: UuidText
    series: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    first: Annotated[int, Field(ge=0, le=10**12)]
    last: Annotated[int, Field(ge=0, le=10**12)]
    collector: Name
    settled_at: ShortText


class CategoryGrantData(_Model):
    """A subsidy category the township certified for one person (kind category)."""

    certification_id: UuidText
    id_type: Annotated[str, StringConstraints(max_length=4)] = "01"
    id_number: Annotated[str, StringConstraints(min_length=1, max_length=30)]
    category: Name
    source: ShortText = ""
    valid_from: ShortText | None = None
    valid_to: ShortText | None = None


FEED_MODELS: dict[str, type[_Model]] = {
    "policy": PolicyData, "household": HouseholdData, "book": BookData,
    "external_payment": ExternalPaymentData, "conflict": ConflictData,
    "village_event": VillageEventData, "book_settled": BookSettledData,
    "category": CategoryGrantData,
}


class _Item(_Model):
    seq: Annotated[int, Field(ge=1, le=2**53)]


class PolicyItem(_Item):
    kind: Literal["policy"]
    data: PolicyData


class HouseholdItem(_Item):
    kind: Literal["household"]
    data: HouseholdData


class BookItem(_Item):
    kind: Literal["book"]
    data: BookData


class ExternalPaymentItem(_Item):
    kind: Literal["external_payment"]
    data: ExternalPaymentData


class ConflictItem(_Item):
    kind: Literal["conflict"]
    data: ConflictData


class VillageEventItem(_Item):
    kind: Literal["village_event"]
    data: VillageEventData


class BookSettledItem(_Item):
    kind: Literal["book_settled"]
    data: BookSettledData


class CategoryItem(_Item):
    kind: Literal["category"]
    data: CategoryGrantData


TypedFeedItem = Annotated[PolicyItem | HouseholdItem | BookItem | ExternalPaymentItem
                          | ConflictItem | VillageEventItem | BookSettledItem | CategoryItem,
                          Field(discriminator="kind")]


class PullPage(_Model):
    """A :class:`PullResponse` as the device reads it: the same wire, each item checked
    against its kind's model (``FEED_MODELS``) within the one parse of the page, instead of
    kept as a dict and checked again item by item (a roster is tens of thousands)."""

    protocol: Literal[1] = PROTOCOL_VERSION
    cursor_from: Seq
    next_cursor: Seq
    more: bool
    items: Annotated[list[TypedFeedItem], Field(max_length=MAX_PULL_PAGE)]
    server_time: ShortText


class ErrorBody(_Model):
    error: ShortText
    message: Annotated[str, StringConstraints(max_length=2000)]


# ---- bundles (USB) --------------------------------------------------------------------------


class PushBundle(_Model):
    """What a village carries to the township: its pending events and where its pull stands."""

    protocol: Literal[1] = PROTOCOL_VERSION
    device_id: UuidText
    enrol: EnrolRequest | None = None  # a village that never had a network enrols this way
    push: Annotated[list[WireEvent], Field(max_length=1_000_000)]
    head: Head
    cursor: Seq
    # The newest countersignature the village keeps (optional): the township holds the
    # journal it receives to it too (docs/SYNC.md, "County trust").
    countersigned: Countersignature | None = None


class ReplyBundle(_Model):
    protocol: Literal[1] = PROTOCOL_VERSION
    device_id: UuidText
    enrol: EnrolResponse | None = None
    results: list[EventResult]
    device_head: Head
    pulls: Annotated[list[PullResponse], Field(max_length=1000)]
    countersignature: Countersignature | None = None  # over device_head, as in PushResponse


class BundleHeader(_Model):
    format: Literal["yibao.bundle/1"] = BUNDLE_FORMAT
    kind: Literal["push", "reply"]
    bundle_id: UuidText
    sender: UuidText
    recipient: UuidText
    created_at: ShortText
    sender_sign_key: Hex64
    sender_box_key: Hex64
    ephemeral_key: Hex64
    nonce: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{24}$")]


class BundleFile(_Model):
    header: BundleHeader
    ciphertext: Annotated[str, StringConstraints(max_length=MAX_BUNDLE_BYTES)]
    signature: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{128}$")]


# ---- keys -----------------------------------------------------------------------------------


def public_hex(key: Ed25519PrivateKey | X25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw).hex()


def private_hex(key: Ed25519PrivateKey | X25519PrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption()).hex()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _verify(public_key_hex: str, signature_hex: str, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(
            bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True


# ---- request and response signatures --------------------------------------------------------


def body_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def request_message(*, method: str, path: str, timestamp: str, nonce: str, device_id: str,
                    body: bytes) -> bytes:
    return "\n".join(("yibao-req/1", method.upper(), path, timestamp, nonce, device_id,
                      body_sha256(body))).encode("ascii")


def sign_request(key: Ed25519PrivateKey, *, device_id: str, method: str, path: str,
                 body: bytes, now: float | None = None) -> dict[str, str]:
    """The four headers of a signed request; a fresh nonce every call, so a retry is new."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = os.urandom(16).hex()
    message = request_message(method=method, path=path, timestamp=timestamp, nonce=nonce,
                              device_id=device_id, body=body)
    return {HEADER_DEVICE: device_id, HEADER_TIMESTAMP: timestamp, HEADER_NONCE: nonce,
            HEADER_SIGNATURE: key.sign(message).hex()}


class SignedHeaders(_Model):
    device_id: UuidText
    timestamp: int
    nonce: str
    signature: str


def parse_signed_headers(headers: dict[str, str]) -> SignedHeaders | str:
    """The signature headers, or the reason they are unusable (missing, malformed)."""
    device = headers.get(HEADER_DEVICE.lower(), "")
    timestamp = headers.get(HEADER_TIMESTAMP.lower(), "")
    nonce = headers.get(HEADER_NONCE.lower(), "")
    signature = headers.get(HEADER_SIGNATURE.lower(), "")
    if not (device or timestamp or nonce or signature):
        return "unsigned"
    if not (_UUID_RE.match(device) and _TIMESTAMP_RE.match(timestamp) and _NONCE_RE.match(nonce)
            and _SIGNATURE_RE.match(signature)):
        return "malformed_signature"
    return SignedHeaders(device_id=device, timestamp=int(timestamp), nonce=nonce,
                         signature=signature)


def verify_request(public_key_hex: str, signed: SignedHeaders, *, method: str, path: str,
                   body: bytes) -> bool:
    message = request_message(method=method, path=path, timestamp=str(signed.timestamp),
                              nonce=signed.nonce, device_id=signed.device_id, body=body)
    return _verify(public_key_hex, signed.signature, message)


def response_message(*, nonce: str, status: int, body: bytes) -> bytes:
    return f"yibao-resp/1\n{nonce}\n{status}\n{body_sha256(body)}".encode("ascii")


def sign_response(key: Ed25519PrivateKey, *, nonce: str, status: int, body: bytes) -> str:
    return key.sign(response_message(nonce=nonce, status=status, body=body)).hex()


def verify_response(public_key_hex: str, signature_hex: str, *, nonce: str, status: int,
                    body: bytes) -> bool:
    if not _SIGNATURE_RE.match(signature_hex or ""):
        return False
    return _verify(public_key_hex, signature_hex,
                   response_message(nonce=nonce, status=status, body=body))


# ---- countersigned heads -------------------------------------------------------------------


def countersign_message(device_id: str, seq: int, hash: str, at: str) -> bytes:
    """What the county signs for a device's head: ASCII
    ``yibao-head/1\n{device_id}\n{seq}\n{hash}\n{at}`` (``at`` is the server's ISO time)."""
    return f"yibao-head/1\n{device_id}\n{seq}\n{hash}\n{at}".encode("ascii")


def countersign(key: Ed25519PrivateKey, *, device_id: str, seq: int, hash: str,
                at: str) -> Countersignature:
    signature = key.sign(countersign_message(device_id, seq, hash, at)).hex()
    return Countersignature(device_id=device_id, seq=seq, hash=hash, at=at, signature=signature)


def verify_countersignature(public_key_hex: str, cs: Countersignature) -> bool:
    """True when ``cs`` is the county's signature (its ``server_sign_key``) over that head."""
    try:
        message = countersign_message(cs.device_id, cs.seq, cs.hash, cs.at)
    except UnicodeEncodeError:
        return False
    return _verify(public_key_hex, cs.signature, message)


# ---- bundle sealing -------------------------------------------------------------------------


def _bundle_key(shared: bytes, aad: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"yibao-bundle/1" + aad).derive(shared)


def _bundle_signed_part(aad: bytes, ciphertext: bytes) -> bytes:
    return b"yibao-bundle-sig/1\n" + hashlib.sha256(aad + ciphertext).digest()


def seal_bundle(*, kind: Literal["push", "reply"], sender: str, recipient: str,
                recipient_box_key: str, sign_key: Ed25519PrivateKey, sender_box_key: str,
                content: PushBundle | ReplyBundle) -> bytes:
    """Encrypt ``content`` to the recipient's X25519 key (ephemeral ECDH → HKDF → AES-GCM)
    and sign header + ciphertext with the sender's Ed25519 key.

    The header is the AEAD's associated data, so neither the names nor the keys in it can be
    swapped without the decryption failing as well as the signature.
    """
    ephemeral = X25519PrivateKey.generate()
    try:
        recipient_key = X25519PublicKey.from_public_bytes(bytes.fromhex(recipient_box_key))
    except ValueError as exc:
        raise BundleError("县医保公钥无效，无法生成数据包") from exc
    header = BundleHeader(
        kind=kind, bundle_id=str(uuid.uuid4()), sender=sender, recipient=recipient,
        created_at=now_iso(), sender_sign_key=public_hex(sign_key),
        sender_box_key=sender_box_key, ephemeral_key=public_hex(ephemeral),
        nonce=os.urandom(12).hex())
    aad = canonical_bytes(header.model_dump())
    key = _bundle_key(ephemeral.exchange(recipient_key), aad)
    plaintext = zlib.compress(canonical_bytes(content.model_dump()), 6)
    ciphertext = AESGCM(key).encrypt(bytes.fromhex(header.nonce), plaintext, aad)
    signature = sign_key.sign(_bundle_signed_part(aad, ciphertext)).hex()
    return canonical_bytes({"header": header.model_dump(),
                            "ciphertext": base64.b64encode(ciphertext).decode("ascii"),
                            "signature": signature})


_B = TypeVar("_B", PushBundle, ReplyBundle)


def read_bundle_header(data: bytes) -> BundleFile:
    """Parse the envelope without opening it (the recipient decides which key to use)."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError("数据包文件过大，不是有效的同步数据包")
    try:
        return BundleFile.model_validate_json(data)
    except ModelError as exc:
        raise BundleError("文件不是有效的医保同步数据包（格式不符）") from exc


def open_bundle(envelope: BundleFile, *, box_key: X25519PrivateKey,
                expected_sign_key: str | None, model: type[_B]) -> _B:
    """Check the signature (against ``expected_sign_key`` when the sender is known), decrypt,
    inflate with a size bound, and validate the content as ``model``."""
    header = envelope.header
    if expected_sign_key is not None and header.sender_sign_key != expected_sign_key:
        raise SignatureInvalid("数据包不是由预期的一方签名的（签名密钥不符），已拒绝")
    aad = canonical_bytes(header.model_dump())
    try:
        ciphertext = base64.b64decode(envelope.ciphertext, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BundleError("数据包内容已损坏") from exc
    if not _verify(header.sender_sign_key, envelope.signature,
                   _bundle_signed_part(aad, ciphertext)):
        raise SignatureInvalid("数据包签名无效：文件被改动过或已损坏，已拒绝")
    try:
        shared = box_key.exchange(X25519PublicKey.from_public_bytes(
            bytes.fromhex(header.ephemeral_key)))
        packed = AESGCM(_bundle_key(shared, aad)).decrypt(bytes.fromhex(header.nonce),
                                                          ciphertext, aad)
    except (InvalidTag, ValueError) as exc:
        raise BundleError("无法解密数据包：它不是发给本机（或本县服务器）的") from exc
    inflater = zlib.decompressobj()
    try:
        plaintext = inflater.decompress(packed, MAX_BUNDLE_PLAINTEXT)
    except zlib.error as exc:
        raise BundleError("数据包内容已损坏") from exc
    if inflater.unconsumed_tail or not inflater.eof:
        raise BundleError("数据包内容过大或不完整")
    try:
        return model.model_validate_json(plaintext)
    except ModelError as exc:
        raise BundleError("数据包内容不符合同步协议") from exc
