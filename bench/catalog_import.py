"""Catalog import rate: a generated, schema-valid catalog of 10k and 100k implementation items
(2,010 implementing bodies × 50 of 400 basic items, one realistic guide each) imported with
`catalog_import` into a fresh SQLite database (production settings), plus a rough Excel round
trip of the 10k catalog.

    ./dev.sh bench catalog_import [--sizes 10000,100000] [--excel-size 10000] [--workers N]

Each size runs in its own child process and database, so one run cannot warm the next.
Figures: JSON parse, validation (every row checked, nothing written) and the write (one
transaction), and items/s over validation + write.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _catalog_data import basic_code, credit, vary_guide
from _server import PY, ROOT, bench_env, throwaway_database

BASIC_ITEMS = 400
PER_BODY = 50
BODIES_PER_REGION = 10
CITIES = 20
COUNTIES_PER_CITY = 9
FORMAT = "tongban.catalog/1"


# --- The synthetic province (the same in parent and child: everything derives from indices) ------


def regions() -> list[tuple[str, str, int, str | None]]:
    """(code, name, level, parent) for 四川省, 20 cities and 9 counties in each."""
    out: list[tuple[str, str, int, str | None]] = [("510000", "四川省", 1, None)]
    for c in range(1, CITIES + 1):
        city = f"51{c:02d}00"
        out.append((city, f"第{c}市", 2, "510000"))
        for k in range(1, COUNTIES_PER_CITY + 1):
            out.append((f"51{c:02d}{k:02d}", f"第{c}市第{k}县", 3, city))
    return out


def bodies() -> list[tuple[str, str, str, int]]:
    """(credit code, name, region code, region level) of every implementing body."""
    out = []
    n = 0
    for code, name, level, _parent in regions():
        for d in range(BODIES_PER_REGION):
            n += 1
            out.append((credit(code, "MB", n), f"{name}第{d + 1}局", code, level))
    return out


def generate(count: int) -> dict[str, Any]:
    from tongban.catalog.tests.factories import guide_content

    template = json.dumps(guide_content(), ensure_ascii=False)
    rng = random.Random(20261122)
    basics = [
        {
            "code": basic_code(n),
            "name": f"示例许可事项{n:03d}",
            "item_type": "01",
            "legal_basis": f"《示例法》第{n}条",
            "competent_department": "示例主管部门",
            "service_objects": ["1", "2"],
            "exercise_levels": ["2", "3", "4"],
            "source": "基准测试生成",
        }
        for n in range(BASIC_ITEMS)
    ]
    items = []
    for index, (code, name, _region, level) in enumerate(bodies()):
        for k in range(PER_BODY):
            if len(items) == count:
                break
            basic = (index * 7 + k) % BASIC_ITEMS
            guide = vary_guide(
                json.loads(template),
                rng,
                name=basics[basic]["name"],
                level=str(level + 1),
                place=f"{name}政务服务窗口",
            )
            items.append(
                {
                    "basic_code": basic_code(basic),
                    "body_credit_code": code,
                    "popularity": rng.randint(0, 5000),
                    "guide": guide,
                }
            )
    return {"format": FORMAT, "basic_items": basics, "items": items, "bundles": []}


# --- Child: one measurement in its own database ------------------------------------------------


def prepare_database() -> Any:
    from django.contrib.auth import get_user_model

    from tongban.core.models import (
        Department,
        ImplementingBody,
        Region,
        StaffMembership,
        StaffRole,
    )
    from tongban.core.models.regions import SIGNIFICANT_DIGITS, RegionLevel

    Region.objects.bulk_create(
        Region(
            code=code,
            name=name,
            level=level,
            parent_id=parent,
            prefix=code[: SIGNIFICANT_DIGITS[RegionLevel(level)]],
            full_name=name,
            source="bench",
        )
        for code, name, level, parent in regions()
    )
    rows = bodies()
    departments = Department.objects.bulk_create(
        Department(region_id=region, name=name, credit_code=credit(region, "DB", n))
        for n, (_code, name, region, _level) in enumerate(rows, start=1)
    )
    ImplementingBody.objects.bulk_create(
        ImplementingBody(department=dept, region_id=region, name=name, credit_code=code)
        for dept, (code, name, region, _level) in zip(departments, rows, strict=True)
    )
    admin = get_user_model().objects.create_user(username="bench-admin", kind="staff")
    StaffMembership.objects.create(user=admin, role=StaffRole.PLATFORM_ADMIN, region_id="510000")
    return admin


def child(path: Path, excel: bool, workers: int) -> None:
    import django

    django.setup()
    from tongban.catalog.importer import _Import
    from tongban.core.crypto import sm3_hex

    admin = prepare_database()
    result: dict[str, Any] = {}
    started = time.perf_counter()
    raw = path.read_bytes()
    dataset = json.loads(raw)
    digest = sm3_hex(raw)
    result["parse_s"] = time.perf_counter() - started
    result["file_mb"] = len(raw) / 1e6
    # catalog_import() is validate() then write(); called apart to time the CPU of each phase.
    job = _Import(
        actor=admin,
        dataset=dataset,
        publish=True,
        progress=None,
        source_name=path.name,
        source_digest=digest,
        workers=workers,
    )
    cpu = cpu_seconds()
    if job.validate():
        raise SystemExit(f"generated file rejected: {job.problems[:5]}")
    cpu_validated = cpu_seconds()
    report = job.write()
    result.update(
        items=report.items_created,
        versions=report.versions_created,
        facets=report.facets_created,
        validate_s=report.validate_seconds,
        write_s=report.write_seconds,
        validate_cpu=cpu_validated - cpu,
        write_cpu=cpu_seconds() - cpu_validated,
    )
    result["max_rss_mb"] = peak_rss_mb()
    if excel:
        result.update(excel_round_trip(admin, Path(path).with_suffix(".xlsx")))
    print(json.dumps(result))


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the guide-checking workers): a
    figure that, unlike wall time, hardly moves when other jobs share the machine."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_rss_mb() -> float:
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child started by this
    # (large) parent would report the parent's size.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def excel_round_trip(admin: Any, xlsx: Path) -> dict[str, float]:
    from tongban.catalog.excel import dataset_to_workbook, read_workbook
    from tongban.catalog.exporter import catalog_export_dataset
    from tongban.catalog.importer import catalog_import

    out: dict[str, float] = {}
    t = time.perf_counter()
    exported = catalog_export_dataset()
    out["export_dataset_s"] = time.perf_counter() - t
    t = time.perf_counter()
    dataset_to_workbook(exported, xlsx)
    out["xlsx_write_s"] = time.perf_counter() - t
    out["xlsx_mb"] = xlsx.stat().st_size / 1e6
    t = time.perf_counter()
    data = read_workbook(xlsx)
    out["xlsx_read_s"] = time.perf_counter() - t
    if data.problems:
        raise SystemExit(f"round trip produced problems: {data.problems[:5]}")
    t = time.perf_counter()
    report = catalog_import(actor=admin, dataset=data.dataset)
    out["reimport_s"] = time.perf_counter() - t
    out["reimport_unchanged"] = report.items_unchanged
    return out


# --- Parent ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--excel-size", type=int, default=10000)
    parser.add_argument("--child", default="")
    parser.add_argument("--excel", action="store_true")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes checking guides"
    )
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.excel, args.workers)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    work = Path(tempfile.mkdtemp(prefix="tongban-bench-catalog-"))
    try:
        run(args, sizes, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, sizes: list[int], work: Path) -> None:
    os.environ.update(bench_env(work))  # settings for the generator's imports; no database used
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    t = time.perf_counter()
    full = generate(max(sizes))
    print(
        f"generated {len(full['items']):,} items in {time.perf_counter() - t:.1f} s; "
        f"guides checked by {args.workers} process(es), SQLite (WAL), one transaction"
    )
    for size in sizes:
        path = work / f"catalog-{size}.json"
        subset = {**full, "items": full["items"][:size]}
        path.write_text(json.dumps(subset, ensure_ascii=False), encoding="utf-8")
        with throwaway_database() as env:
            cmd = [PY, __file__, "--child", str(path), "--workers", str(args.workers)]
            if size == args.excel_size:
                cmd.append("--excel")
            proc = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        n = r["items"]
        total = r["validate_s"] + r["write_s"]
        print(
            f"{size:>7,} items ({r['file_mb']:.0f} MB JSON): parse {r['parse_s']:.1f} s, "
            f"validate {r['validate_s']:.1f} s ({n / r['validate_s']:,.0f} items/s; "
            f"{r['validate_cpu']:.1f} CPU-s), write {r['write_s']:.1f} s "
            f"({n / r['write_s']:,.0f} items/s; {r['write_cpu']:.1f} CPU-s); "
            f"import {n / total:,.0f} items/s, "
            f"{n / (r['validate_cpu'] + r['write_cpu']):,.0f} items per CPU-second "
            f"[{r['versions']:,} versions, {r['facets']:,} facets; peak RSS "
            f"{r['max_rss_mb']:,.0f} MB]"
        )
        if "xlsx_write_s" in r:
            print(
                f"{'':>7} Excel round trip of {size:,} items: export query "
                f"{r['export_dataset_s']:.1f} s, write .xlsx {r['xlsx_write_s']:.1f} s "
                f"({r['xlsx_mb']:.0f} MB), read {r['xlsx_read_s']:.1f} s, re-import "
                f"{r['reimport_s']:.1f} s ({r['reimport_unchanged']:,} unchanged)"
            )


if __name__ == "__main__":
    main()
