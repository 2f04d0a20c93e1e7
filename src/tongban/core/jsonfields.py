from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


class UnicodeJSONEncoder(DjangoJSONEncoder):
    """Stores Chinese text as itself rather than \\uXXXX escapes: guide JSON is mostly Chinese,
    and escaping doubled the size of the catalog tables on SQLite."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)
