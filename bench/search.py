"""Unified search at scale: index build time and query latency (p50/p95) at 100k and 1M indexed
documents, against a naive `LIKE '%…%'` scan over the same documents measured in the same run,
and the relevance set's top-1/top-3 hit rates for both.

    ./dev.sh bench search [--sizes 100000,1000000] [--rounds 3] [--database-url postgres://…]
    ./dev.sh bench search --small          # 10k and 100k

The documents are the demo catalog's 160 matters (real names, conditions, materials, aliases)
implemented across synthetic provinces shaped like Sichuan (21 cities, 20 counties each, 40
townships per county): every matter at the levels it is exercised at (province, city, county,
township), one document per implementation, plus one per basic matter and per bundle, so the
index holds what `search rebuild` would write for a national-scale catalog. Provinces are added
until the size is reached. The synonym table is the demo's.

Queries are the relevance set (src/tongban/search/tests/relevance_queries.tsv: colloquial,
traditional, pinyin, typos), each asked by a resident of a random township or county, through
`search.selectors.search` (analysis, index, ranking, collapse: the full read path minus HTTP).
The baseline scans the same table with `name LIKE '%query%'` restricted to the resident's
regions and ordered by popularity. Each size runs in its own child process and database.
Target (DESIGN): p95 ≤ 20 ms at 1M documents on SQLite FTS5; ≥ 95 % top-3.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import PY, ROOT, bench_env, manage, throwaway_database

SEED = 20261122
QUERIES = ROOT / "src/tongban/search/tests/relevance_queries.tsv"
PROVINCES = ["51", "50", "53", "52", "61", "62", "42", "43", "44", "45", "32", "33", "34", "35",
             "36", "37", "41", "13", "14", "21", "22", "23", "11", "12", "31"]  # fmt: skip
CITIES, COUNTIES, TOWNSHIPS = 21, 20, 40
KINDS = {"gongan": "公安局", "minzheng": "民政局", "renshe": "人力资源和社会保障局"}


def relevance_set() -> list[tuple[str, list[str]]]:
    rows = []
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, expected, _kind = line.split("\t")
            rows.append((query, expected.split("|")))
    return rows


# --- Documents ---------------------------------------------------------------------------------


def places(province: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"province": [f"{province}0000"], "city": [], "county": [],
                                 "township": []}  # fmt: skip
    for c in range(1, CITIES + 1):
        out["city"].append(f"{province}{c:02d}00")
        for k in range(1, COUNTIES + 1):
            county = f"{province}{c:02d}{k:02d}"
            out["county"].append(county)
            out["township"] += [f"{county}{t:03d}" for t in range(1, TOWNSHIPS + 1)]
    return out


def documents(size: int) -> Any:
    """Implementation documents province by province until `size`, then the matters' and the
    bundles' own documents."""
    from tongban.demo.catalog_data import BUNDLES, MATTERS

    texts = {}
    for m in MATTERS:
        aliases = list(m.aliases) + ([m.result[0]] if m.result else [])
        body = "。".join([m.content or "", *m.conditions, *(x["name"] for x in m.materials)])
        texts[m.code] = (aliases, body)
    n = 0
    for province in PROVINCES:
        by_level = places(province)
        for level, codes in by_level.items():
            matters = [m for m in MATTERS if level in m.at]
            for code in codes:
                for m in matters:
                    if n >= size:
                        break
                    aliases, body = texts[m.code]
                    department = f"{code}{KINDS.get(m.at[level], '行政审批局')}"
                    n += 1
                    yield {
                        "doc_type": "item",
                        "key": f"{code}-{m.code}",
                        "group_key": f"basic:{m.code}",
                        "code": f"{code}-{m.code}",
                        "name": m.name,
                        "url": f"/services/{code}-{m.code}/",
                        "aliases": aliases,
                        "body": f"{body}。{department}",
                        "snippet": f"{department} · {body[:100]}",
                        "region": code,
                        "region_name": code,
                        "level": {"province": "2", "city": "3", "county": "4"}.get(level, "5"),
                        "department": department,
                        "popularity": m.popularity,
                        "online": m.online,
                        "facets": {"object": list(m.objects)},
                        "extra": {"basic_code": m.code},
                        "dictionary": [a for a in aliases if 2 < len(a) <= 10],
                    }
    for m in MATTERS:
        aliases, body = texts[m.code]
        yield {
            "doc_type": "basic", "key": m.code, "group_key": f"basic:{m.code}", "code": m.code,
            "name": m.name, "url": f"/search/?group=basic:{m.code}", "aliases": aliases,
            "body": body, "snippet": body[:100], "popularity": m.popularity * 100,
            "group_size": 100, "facets": {"object": list(m.objects)},
        }  # fmt: skip
    for i, b in enumerate(BUNDLES):
        yield {"doc_type": "bundle", "key": f"B{i}", "name": b.name, "url": f"/bundles/B{i}/",
               "body": b.summary, "snippet": b.summary[:100]}  # fmt: skip


# --- Child: build and measure one size ------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def child(size: int, rounds: int) -> None:
    import django

    django.setup()
    from django.db import connection, transaction

    from tongban.catalog.selectors import ancestor_codes
    from tongban.demo.search_demo import SYNONYMS, catalog_aliases
    from tongban.search.analysis import normalize
    from tongban.search.backends import get_backend
    from tongban.search.selectors import search
    from tongban.search.services import (
        index_clear,
        index_documents,
        index_terms_replace,
        synonyms_seed,
    )

    with transaction.atomic():
        synonyms_seed(actor=None, pairs=SYNONYMS + catalog_aliases())
    index_clear()
    started = time.perf_counter()
    counts, terms = index_documents(documents(size), batch=5000)
    index_terms_replace(terms)
    get_backend().optimize()
    build = time.perf_counter() - started
    total = sum(counts.values())

    rng = random.Random(SEED)
    residents = [c for p in PROVINCES[:3] for lv in ("county", "township") for c in places(p)[lv]]
    queries = relevance_set()
    asked = [(q, e, rng.choice(residents)) for q, e in queries]

    def like(query: str, region: str) -> list[str]:
        text = normalize(query).replace(" ", "")
        scope = ["", *ancestor_codes(region)]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM search_searchdocument WHERE name LIKE %s AND region_code IN ("
                + ",".join(["%s"] * len(scope))
                + ") ORDER BY popularity DESC LIMIT 10",
                [f"%{text}%", *scope],
            )
            return [row[0] for row in cursor.fetchall()]

    def fts(query: str, region: str) -> list[str]:
        return [h.doc.name for h in search(q=query, region=region).hits]

    figures: dict[str, Any] = {"size": total, "build_s": build, "backend": get_backend().name}
    for name, run in (("fts", fts), ("like", like)):
        for q, _e, r in asked[:10]:
            run(q, r)  # warm the caches and the analyzer
        times: list[float] = []
        top1 = top3 = 0
        for round_ in range(rounds):
            for q, expected, region in asked:
                t = time.perf_counter()
                names = run(q, region)
                times.append((time.perf_counter() - t) * 1000)
                if round_ == 0:
                    top1 += bool(names) and any(names[0].startswith(e) for e in expected)
                    top3 += any(n.startswith(e) for n in names[:3] for e in expected)
        figures[name] = {
            "p50": statistics.median(times),
            "p95": percentile(times, 0.95),
            "top1": top1 / len(asked),
            "top3": top3 / len(asked),
        }
    print(json.dumps(figures))


# --- Parent ------------------------------------------------------------------------------------


def run_size(size: int, rounds: int, database_url: str) -> dict[str, Any]:
    cmd = [PY, __file__, "--child", str(size), "--rounds", str(rounds)]
    if database_url:
        env = bench_env(Path("/tmp"))
        env["DATABASE_URL"] = database_url
        manage(env, "migrate", "--noinput", "-v", "0")
        out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    else:
        with throwaway_database() as env:
            out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--small", action="store_true", help="10k and 100k documents")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database")
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rounds)
        return
    sizes = [10_000, 100_000] if args.small else [int(s) for s in args.sizes.split(",")]
    print(f"search bench: {len(relevance_set())} relevance queries × {args.rounds} rounds per size")
    print(f"{'docs':>9} {'backend':>12} {'build s':>8} {'docs/s':>7} | {'p50 ms':>7} {'p95 ms':>7} "
          f"{'top1':>5} {'top3':>5} | LIKE {'p50':>7} {'p95':>7} {'top1':>5} {'top3':>5} | p95 ratio")  # fmt: skip
    for size in sizes:
        f = run_size(size, args.rounds, args.database_url)
        a, b = f["fts"], f["like"]
        print(
            f"{f['size']:>9} {f['backend']:>12} {f['build_s']:>8.1f} {f['size'] / f['build_s']:>7.0f} | "
            f"{a['p50']:>7.2f} {a['p95']:>7.2f} {a['top1']:>5.2f} {a['top3']:>5.2f} | "
            f"     {b['p50']:>7.2f} {b['p95']:>7.2f} {b['top1']:>5.2f} {b['top3']:>5.2f} | "
            f"{b['p95'] / a['p95']:.1f}x faster",
            flush=True,
        )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings.base")
    main()
