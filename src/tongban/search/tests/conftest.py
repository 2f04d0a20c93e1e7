"""Fixtures of the search tests: the demo catalog of two counties with its search index (built
by `demo load` exactly as on a fresh install), loaded once for the module that asks for it and
rolled back after."""

from __future__ import annotations

import io
from collections.abc import Iterator
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from tongban.search.models import SearchDocument
from tongban.search.services import index_clear, index_documents, index_terms_replace

LOADED_COUNTIES = ("510104", "510121")  # 成都市锦江区 (街道) and 金堂县 (乡镇)
OTHER_DEMOS = (
    "tongban.demo.licenses_demo",
    "tongban.demo.sharing_demo",
    "tongban.demo.cases_demo",
    "tongban.demo.feedback_demo",
)


@pytest.fixture(scope="module")
def demo_index(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Regions, demo staff, the demo catalog (two counties, their city and the province), the
    seeded synonym table and the index over it. Other apps' demo data is left out: search
    needs none of it."""
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(TONGBAN_DEMO_CATALOG=True, TONGBAN_DEMO_CATALOG_COUNTIES=LOADED_COUNTIES),
    ):
        patches = []
        for name in OTHER_DEMOS:
            try:
                patches.append(mock.patch(f"{name}.load", return_value=0))
                patches[-1].start()
            except (ImportError, AttributeError):
                patches.pop()
        try:
            # By command name: the search app sits below demo and does not import it.
            call_command("demo", "load", stdout=io.StringIO())
            yield
        finally:
            for patch in patches:
                patch.stop()
            transaction.set_rollback(True)


ID_CARD = "000701001000"
DRIVING = "000101014000"


def doc(doc_type, key, name, *, region="", group="", **more):
    return {
        "doc_type": doc_type,
        "key": key,
        "name": name,
        "url": f"/x/{key}/",
        "group_key": group or f"{doc_type}:{key}",
        "region": region,
        **more,
    }


def small_catalog():
    return [
        doc("basic", ID_CARD, "居民身份证换领", group_size=2, popularity=300,
            body="居民身份证有效期满换领新证", facets={"object": ["1"]}),
        doc("item", "JJ1", "居民身份证换领", region="510104", region_name="锦江区",
            group=f"basic:{ID_CARD}", level="4", popularity=200, facets={"object": ["1"]},
            snippet="锦江区公安分局 · 即办", extra={"basic_code": ID_CARD}),
        doc("item", "QY1", "居民身份证换领", region="510105", region_name="青羊区",
            group=f"basic:{ID_CARD}", level="4", popularity=100, facets={"object": ["1"]},
            extra={"basic_code": ID_CARD}),
        doc("basic", DRIVING, "机动车驾驶证补领", group_size=1,
            aliases=["机动车驾驶证"], facets={"object": ["1"]}),
        doc("item", "CD1", "机动车驾驶证补领", region="510100", region_name="成都市",
            group=f"basic:{DRIVING}", level="3", aliases=["机动车驾驶证"], online=True,
            facets={"object": ["1"], "channel": ["online"]}, extra={"basic_code": DRIVING}),
        doc("bundle", "YJS-1", "新生儿出生“一件事”", body="出生医学证明、户口登记、社会保障卡"),
    ]  # fmt: skip


@pytest.fixture
def indexed(db) -> int:
    """The small catalog below, indexed."""
    index_clear()
    _counts, terms = index_documents(small_catalog())
    index_terms_replace(terms)
    return SearchDocument.objects.count()


@pytest.fixture(autouse=True)
def _fresh_vocabulary():
    """Each test rolls its database back: the process's analyzer must not keep the previous
    test's synonyms and terms (in production a change is picked up within a second)."""
    from tongban.search.vocabulary import mark_stale

    mark_stale()
    yield
    mark_stale()
