"""USB bundles between a village and its township (乡镇财政所), on the county bundle format.

A village seals its whole journal to the township's X25519 key (kind ``push``, the county's
``PushBundle``): the township checks the sender's signing key against the genesis event of the
chain it carries, so no one else can speak for that device. The township answers with kind
``reply`` carrying ``TownshipReply``: feed items (allocations, settlements, categories) for that
village, signed by the township device whose key file the village was given.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from sync.protocol import PROTOCOL_VERSION, FeedItem, Hex64, Name, UuidText, _Model

TOWNSHIP_KEY_FORMAT = "yibao.township-key/1"


class TownshipKeys(_Model):
    """The township device's public keys, handed to collectors for bundle-only exchange."""

    format: Literal["yibao.township-key/1"] = TOWNSHIP_KEY_FORMAT
    device_id: UuidText
    township: Name
    sign_key: Hex64
    box_key: Hex64


class TownshipReply(_Model):
    """What the township sends one village device: allocations, settlements, categories."""

    protocol: Literal[1] = PROTOCOL_VERSION
    township_device: UuidText
    device_id: UuidText
    village: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    items: Annotated[list[FeedItem], Field(max_length=100_000)]
