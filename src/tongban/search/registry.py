"""The registration interface of unified search: how any app's objects become search documents.

An app offers documents by having a module `<app>/search.py` with a list `PROVIDERS`. The search
app imports those modules (`autodiscover`); the providing app never imports the search app (it
sits below it), so the interface is a convention, checked here:

    class PolicyDocuments:
        doc_type = "policy"               # unique, [a-z]{2,20}
        label = _("政策文件")              # section heading on the results page
        order = 30                         # sections are shown in this order
        section = "policy"                 # optional: types sharing a section are shown together
        def documents(self, keys=None):    # every document, or those of `keys` (a key not
            ...                            # yielded any more is removed from the index)

Each document is a mapping with these keys (only the first four are required):

    key, name, url, doc_type        identity, what is shown and where it links
    group_key                       documents sharing it collapse into one result
                                    ("<doc_type>:<key>" of the group's own document, if any)
    code, aliases (list), body      aliases weigh almost as much as the name; body much less
    snippet                         plain text shown under the name, highlighted
    region, region_name, level      region "" = available everywhere; else the region's
                                    residents (and those of the regions below) see it first
    department, department_id
    popularity (int), online (bool)
    group_size (int)                for the document that names a group: how many documents
                                    it stands for ("另有N个地区可办理")
    facets {"object"|"theme_p"|"theme_c"|"depth"|"channel": [codes]}
    extra (JSON-serialisable dict)  passed through to the results
    dictionary (list of words)      domain words the analyzer should cut whole
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Protocol

from django.apps import apps
from django.utils.module_loading import module_has_submodule

DOC_TYPE = re.compile(r"[a-z]{2,20}")
FACET_KINDS = ("object", "theme_p", "theme_c", "depth", "channel")


class DocumentProvider(Protocol):
    doc_type: str
    label: Any
    order: int

    def documents(self, keys: Iterable[str] | None = None) -> Iterator[Mapping[str, Any]]: ...


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    order: int
    doc_types: tuple[str, ...]


_providers: dict[str, DocumentProvider] = {}
_discovered = False


def register(provider: DocumentProvider) -> DocumentProvider:
    doc_type = getattr(provider, "doc_type", "")
    if not DOC_TYPE.fullmatch(doc_type or ""):
        raise ValueError(f"search provider {provider!r}: doc_type must match {DOC_TYPE.pattern}")
    if not callable(getattr(provider, "documents", None)):
        raise ValueError(f"search provider {doc_type}: needs documents(keys=None)")
    existing = _providers.get(doc_type)
    if existing is not None and type(existing) is not type(provider):
        raise ValueError(f"search provider {doc_type} registered twice")
    _providers[doc_type] = provider
    return provider


def autodiscover() -> None:
    """Import every installed app's `search` module and register its PROVIDERS."""
    global _discovered
    if _discovered:
        return
    for config in apps.get_app_configs():
        if config.name == "tongban.search" or not module_has_submodule(config.module, "search"):
            continue
        module = import_module(f"{config.name}.search")
        for found in getattr(module, "PROVIDERS", ()):
            register(found)
    _discovered = True


def providers() -> dict[str, DocumentProvider]:
    autodiscover()
    return dict(sorted(_providers.items(), key=lambda kv: (kv[1].order, kv[0])))


def provider(doc_type: str) -> DocumentProvider | None:
    return providers().get(doc_type)


def section_of(doc_type: str) -> str:
    found = providers().get(doc_type)
    return getattr(found, "section", "") or doc_type


def sections() -> list[Section]:
    """Result sections in page order; types that share a section key share one heading."""
    out: dict[str, Section] = {}
    for doc_type, found in providers().items():
        key = section_of(doc_type)
        if key in out:
            first = out[key]
            out[key] = Section(key, first.label, first.order, (*first.doc_types, doc_type))
        else:
            out[key] = Section(key, str(found.label), found.order, (doc_type,))
    return sorted(out.values(), key=lambda s: (s.order, s.key))
