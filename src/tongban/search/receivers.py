"""The search app follows the apps below it: they send signals, the index is refreshed after
their transaction commits (a failed refresh never undoes a publish; `search rebuild` repairs)."""

from __future__ import annotations

from typing import Any

from tongban.search.services import index_refresh_on_commit


def catalog_items_changed(sender: Any, *, item_codes: list[str], **kwargs: Any) -> None:
    index_refresh_on_commit(doc_type="item", keys=item_codes)
