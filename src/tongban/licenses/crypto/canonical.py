"""The bytes a licence signature covers: deterministic CBOR (RFC 8949 §4.2.1 core deterministic
encoding) of the licence content.

cbor2's `canonical=True` sorts map keys length-first (RFC 7049 §3.9). For keys of one major type
that order is the same as RFC 8949's bytewise order of the encoded keys, so keys are required to
be text: then the output is exactly RFC 8949 core deterministic encoding (definite lengths,
shortest integer and float forms, sorted keys).

Values are normalised first, so that content read back from a JSON column signs the same as the
content that was issued: dates and datetimes become ISO 8601 text (aware datetimes in UTC, naive
ones are refused), tuples become lists, UUIDs and Decimals become text. Anything else raises
TypeError rather than being signed in an ambiguous form.
"""

from __future__ import annotations

import datetime
import decimal
import math
import uuid
from typing import Any

import cbor2


def _normalise(value: Any, path: str) -> Any:
    if value is None or isinstance(value, (bool, int, str, bytes)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"{path}: NaN and infinity cannot be signed")
        return value
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise TypeError(f"{path}: naive datetime; give it a time zone")
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: map keys must be text, got {type(key).__name__}")
            result[key] = _normalise(item, f"{path}.{key}")
        return result
    if isinstance(value, (list, tuple)):
        return [_normalise(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise TypeError(f"{path}: cannot sign a {type(value).__name__}")


def canonical_bytes(content: dict) -> bytes:
    if not isinstance(content, dict):
        raise TypeError("licence content must be a dict")
    return cbor2.dumps(_normalise(content, "$"), canonical=True)
