"""Verification of the audit hash chain (`./dev.sh manage audit verify`).

Reads the log in sequence order, one keyset-paginated batch at a time (constant memory at any
size), and checks for every entry: that no sequence number is missing (a deleted row), that it
names the hash of the entry before it (a re-linked or inserted row), and that its own hash matches
its content (an edited row). At the end it checks that the chain ends where the chain head says
(the newest entries were not cut off) and that no entry lies beyond the head (a row written
behind audit_record's back).

What it cannot see: someone with write access to the database who rewrites an entry *and* every
hash after it *and* the head. Record the head (`audit head`) somewhere outside the database, e.g.
in the daily operations report, to close that gap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from tongban.audit.hashing import CONTENT_FIELDS, GENESIS_HASH, chain_digest
from tongban.audit.models import AuditChainHead, AuditEntry

DEFAULT_BATCH_SIZE = 2000

_COLUMNS = (*CONTENT_FIELDS, "previous_hash", "entry_hash")


class Problem:
    """Stable codes for what was found, for scripts and tests."""

    MISSING = "missing"
    LINK = "link_mismatch"
    CONTENT = "content_mismatch"
    HEAD = "head_mismatch"
    BEYOND_HEAD = "beyond_head"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_sequence: int | None = None
    reason: str = ""
    problem: str = ""
    head_sequence: int = 0
    head_hash: str = GENESIS_HASH


def _head() -> tuple[int, str, bool]:
    row = AuditChainHead.objects.filter(id=1).values_list("sequence", "last_hash").first()
    if row is None:
        return 0, GENESIS_HASH, False
    return row[0], row[1], True


def audit_verify(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    """Check the whole chain. Safe to run while the platform writes: it verifies the chain up to
    the head as it was when verification started and ignores entries appended since."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    head_sequence, head_hash, _exists = _head()
    checked = 0
    last_sequence = 0
    previous_hash = GENESIS_HASH

    def broken(sequence: int, problem: str, reason: str) -> VerifyResult:
        return VerifyResult(
            ok=False,
            checked=checked,
            first_broken_sequence=sequence,
            reason=reason,
            problem=problem,
            head_sequence=head_sequence,
            head_hash=head_hash,
        )

    while last_sequence < head_sequence:
        batch = list(
            AuditEntry.objects.filter(sequence__gt=last_sequence, sequence__lte=head_sequence)
            .order_by("sequence")
            .values(*_COLUMNS)[:batch_size]
        )
        if not batch:
            break
        for row in batch:
            sequence = row["sequence"]
            expected = last_sequence + 1
            if sequence != expected:
                return broken(
                    expected,
                    Problem.MISSING,
                    _("第 %(first)d 至 %(last)d 条记录缺失（被删除）。")
                    % {"first": expected, "last": sequence - 1},
                )
            if row["previous_hash"] != previous_hash:
                return broken(
                    sequence,
                    Problem.LINK,
                    _("记录的“上一条哈希”与第 %(prev)d 条记录的哈希不符（其中一条被改动）。")
                    % {"prev": sequence - 1},
                )
            if chain_digest(row["previous_hash"], row) != row["entry_hash"]:
                return broken(sequence, Problem.CONTENT, _("记录内容与其哈希不符（记录被修改）。"))
            previous_hash = row["entry_hash"]
            last_sequence = sequence
            checked += 1
        if on_progress is not None:
            on_progress(checked)

    if last_sequence < head_sequence:
        return broken(
            last_sequence + 1,
            Problem.MISSING,
            _("第 %(first)d 至 %(last)d 条记录缺失（链尾被截断）。")
            % {"first": last_sequence + 1, "last": head_sequence},
        )
    if previous_hash != head_hash:
        return broken(
            head_sequence, Problem.HEAD, _("链头记录的哈希与最后一条记录不符（链头被改动）。")
        )

    # Entries beyond the head: read them before re-reading the head, because a concurrent
    # append commits its entry and the new head together, so a committed entry can never be
    # ahead of a head read after it.
    beyond = (
        AuditEntry.objects.filter(sequence__gt=head_sequence)
        .order_by("sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    if beyond is not None:
        current_sequence, _current_hash, current_exists = _head()
        if not current_exists:
            return broken(beyond, Problem.BEYOND_HEAD, _("链头记录缺失，但审计记录存在。"))
        if beyond > current_sequence:
            return broken(
                beyond,
                Problem.BEYOND_HEAD,
                _("记录位于链头（第 %(head)d 条）之后，不是经审计服务写入的。")
                % {"head": current_sequence},
            )
    return VerifyResult(ok=True, checked=checked, head_sequence=head_sequence, head_hash=head_hash)
