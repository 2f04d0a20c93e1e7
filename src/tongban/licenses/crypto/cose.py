"""COSE_Sign1 (RFC 9052 §4.2), the envelope of offline QR payloads (as in the EU DCC).

    COSE_Sign1 = #6.18([protected: bstr .cbor {1: alg, 4: kid}, unprotected: {}, payload: bstr,
                        signature: bstr])
    signed bytes = CBOR ["Signature1", protected, h'' (external_aad), payload]

Algorithm ids (COSE header 1):

| algorithm | COSE alg | signature in COSE |
|-----------|----------|-------------------|
| ES256     | -7       | r‖s, 64 bytes (RFC 9053 §2.1; not DER) |
| Ed25519   | -8 EdDSA | 64 bytes |
| PS256     | -37      | RSASSA-PSS bytes (verify only, EU DCC signers) |
| SM2-SM3   | **-65537** | r‖s, 64 bytes, like ECDSA |

SM2-SM3 has no IANA COSE id; -65537 is the first value of the registry's private-use range
(integers below -65536, RFC 9052 §16.4 / IANA "COSE Algorithms"). Only Tongban and verifiers
configured by it understand it.

The key id (header 4) is `algorithms.public_key_id` for Tongban keys, the certificate kid for EU
DCC signers. It is read from the protected header first; the unprotected one counts only when the
protected header has none (the EU DCC rule, test cases CO18–CO23).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import cbor2
from django.utils.translation import gettext as _

from tongban.core.errors import ValidationFailed
from tongban.licenses.crypto import algorithms

COSE_SIGN1_TAG = 18
HEADER_ALG = 1
HEADER_KID = 4

COSE_ALG_SM2_SM3 = -65537
COSE_ALGORITHM_IDS: dict[str, int] = {
    algorithms.ES256: -7,
    algorithms.ED25519: -8,
    algorithms.PS256: -37,
    algorithms.SM2_SM3: COSE_ALG_SM2_SM3,
}
ALGORITHMS_BY_COSE_ID: dict[int, str] = {v: k for k, v in COSE_ALGORITHM_IDS.items()}
_MAPS = (dict, cbor2.frozendict)  # exact-type checks first: ABC isinstance checks are slow


@dataclass(slots=True)  # not frozen: frozen dataclasses cost ~1 µs more per parse
class Sign1:
    protected: dict[Any, Any]
    unprotected: dict[Any, Any]
    payload: bytes
    signature: bytes
    protected_bytes: bytes = field(repr=False)  # exactly as received: the signature covers it
    kid: bytes | None = None
    alg: int | None = None

    @property
    def algorithm(self) -> str | None:
        """Our name of the COSE algorithm, None when unknown or absent."""
        return ALGORITHMS_BY_COSE_ID.get(self.alg) if isinstance(self.alg, int) else None

    def to_be_signed(self) -> bytes:
        return _sig_structure(self.protected_bytes, self.payload)


# CBOR of ["Signature1", protected, h'', payload] written out directly: the array head and the
# context string are constant, and two byte-string heads are cheaper to build than a cbor2.dumps
# call on every verification (tests compare it with cbor2.dumps).
_SIG_STRUCTURE_HEAD = b"\x84\x6aSignature1"


def _bstr_head(length: int) -> bytes:
    if length < 24:
        return bytes((0x40 + length,))
    if length < 0x100:
        return bytes((0x58, length))
    if length < 0x10000:
        return b"\x59" + length.to_bytes(2, "big")
    if length < 0x100000000:
        return b"\x5a" + length.to_bytes(4, "big")
    return b"\x5b" + length.to_bytes(8, "big")


def _sig_structure(protected_bytes: bytes, payload: bytes) -> bytes:
    return b"".join(
        (
            _SIG_STRUCTURE_HEAD,
            _bstr_head(len(protected_bytes)),
            protected_bytes,
            b"\x40",
            _bstr_head(len(payload)),
            payload,
        )
    )


def sign1_create(payload: bytes, *, algorithm: str, private_pem: bytes, kid: bytes) -> bytes:
    if algorithm not in algorithms.ALGORITHMS:
        raise ValueError(f"cannot sign with {algorithm!r}")
    protected_bytes = cbor2.dumps(
        {HEADER_ALG: COSE_ALGORITHM_IDS[algorithm], HEADER_KID: bytes(kid)}, canonical=True
    )
    signature = algorithms.sign(algorithm, private_pem, _sig_structure(protected_bytes, payload))
    return cbor2.dumps(
        cbor2.CBORTag(
            COSE_SIGN1_TAG,
            [protected_bytes, {}, payload, algorithms.signature_to_raw(algorithm, signature)],
        )
    )


def _invalid(detail: str) -> ValidationFailed:
    return ValidationFailed(
        _("二维码中的签名数据结构不正确（%(detail)s），可能不是电子证照二维码或已损坏。")
        % {"detail": detail},
        code="cose_invalid",
    )


def sign1_from_cbor(value: Any) -> Sign1:
    """A Sign1 from an already decoded CBOR value (tagged 18 or the bare 4-element array)."""
    if isinstance(value, cbor2.CBORTag):
        if value.tag != COSE_SIGN1_TAG:
            raise _invalid(_("标签 %(tag)s 不是 COSE_Sign1") % {"tag": value.tag})
        value = value.value
    # cbor2 decodes arrays and maps inside tags as tuples and frozendicts.
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        raise _invalid(_("应为4个元素的数组"))
    protected_bytes, unprotected, payload, signature = value
    if type(protected_bytes) is not bytes or not (
        type(unprotected) in _MAPS or isinstance(unprotected, Mapping)
    ):
        raise _invalid(_("头部格式错误"))
    unprotected = dict(unprotected)
    if type(payload) is not bytes or type(signature) is not bytes:
        raise _invalid(_("内容或签名不是字节串"))
    if protected_bytes:
        try:
            protected = cbor2.loads(protected_bytes)
        except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError) as exc:
            raise _invalid(_("受保护头部不是有效的 CBOR")) from exc
        if type(protected) not in _MAPS and not isinstance(protected, Mapping):
            raise _invalid(_("受保护头部不是映射"))
    else:
        protected = {}
    kid = protected.get(HEADER_KID) if HEADER_KID in protected else unprotected.get(HEADER_KID)
    alg = protected.get(HEADER_ALG) if HEADER_ALG in protected else unprotected.get(HEADER_ALG)
    return Sign1(
        protected=dict(protected),
        unprotected=unprotected,
        payload=payload,
        signature=signature,
        protected_bytes=protected_bytes,
        kid=kid if isinstance(kid, bytes) else None,
        alg=alg if isinstance(alg, int) and not isinstance(alg, bool) else None,
    )


def sign1_parse(data: bytes) -> Sign1:
    try:
        value = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError) as exc:
        raise _invalid(_("不是有效的 CBOR 编码")) from exc
    return sign1_from_cbor(value)


def _key_candidates(
    algorithm_public_keys: Mapping[str, Any] | Iterable[tuple[str, bytes]],
) -> Iterable[tuple[str, bytes]]:
    if isinstance(algorithm_public_keys, Mapping):
        for name, keys in algorithm_public_keys.items():
            if isinstance(keys, (bytes, str, memoryview)):
                yield name, keys
            else:
                for key in keys:
                    yield name, key
    else:
        yield from algorithm_public_keys


def sign1_verify(
    sign1: Sign1,
    *,
    algorithm_public_keys: Mapping[str, Any] | Iterable[tuple[str, bytes]],
) -> bool:
    """True when the signature verifies under one of the candidate keys whose algorithm is the one
    the COSE header names. `algorithm_public_keys`: {algorithm: public_pem or [public_pem, …]} or
    an iterable of (algorithm, public_pem) pairs — usually the trusted keys with the kid."""
    algorithm = sign1.algorithm
    if algorithm is None:
        return False
    message = sign1.to_be_signed()
    if isinstance(algorithm_public_keys, dict):  # the usual shape: skip the generator
        keys = algorithm_public_keys.get(algorithm)
        if keys is None:
            return False
        if isinstance(keys, (bytes, str, memoryview)):
            keys = (keys,)
        return any(
            algorithms.verify_raw(algorithm, public_pem, message, sign1.signature)
            for public_pem in keys
        )
    return any(
        algorithms.verify_raw(algorithm, public_pem, message, sign1.signature)
        for name, public_pem in _key_candidates(algorithm_public_keys)
        if name == algorithm
    )
