"""Cases benchmark (issue #6), each figure against a baseline measured in the same run:

- throughput: cases per second through submit → accept → approve → 办结 (the services: row
  lock + version check, guide checks, working-day clock, history rows, notifications, audit
  chain, e-license issuer call), vs the bare ORM writing one case row and updating it three
  times;
- pages: p95 of the workbench queue (GET /api/v1/cases/staff/queue, a reviewer's department
  queue, 20 per page, deadline first, with traffic lights) and of "my cases"
  (GET /api/v1/cases/mine) with N generated cases in the database, against GET /api/v1/ping
  (the bare JSON view) through the same in-process client, bearer-token authenticated;
- clock: time to compute the traffic-light states of all open cases — the supervision counts
  (one grouped query on the stored due dates) and the per-case ClockInfo over every open case
  in Python (one calendar snapshot), vs a plain COUNT(*) of the open cases.

    ./dev.sh bench cases [--rows 1000000] [--flows 300] [--small]

`--small` = 50k rows and 60 flows. Rows are generated with executemany in one transaction
(fixture data, not through the services), in a throw-away SQLite database with production
settings, in a child process. BENCH_DATABASE_URL=postgres://… runs it on a fresh PostgreSQL database instead.
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import PY, throwaway_database

SEED = 20261122
DEPARTMENTS = 20
CITIZENS = 5000


def _world() -> dict[str, Any]:
    from django.utils import timezone

    from tongban.cases import sources
    from tongban.cases.tests.conftest import GUIDE
    from tongban.catalog.services import (
        basic_item_create,
        guide_review,
        guide_submit,
        implementation_item_create,
    )
    from tongban.core.identifiers import citizen_id_with_check, credit_code_build
    from tongban.core.models import StaffRole
    from tongban.core.services.organizations import (
        department_create,
        implementing_body_create,
        staff_membership_grant,
    )
    from tongban.identity.services import api_token_create
    from tongban.testing.factories import UserFactory, make_region_chain

    regions = make_region_chain()
    jj = regions["jinjiang"]

    def staff(name: str, role: str, region: Any, department: Any = None) -> Any:
        user = UserFactory(username=name, kind="staff")
        staff_membership_grant(
            actor=None, user=user, role=role, region=region, department=department
        )
        return user

    admin = staff("b_catalog", StaffRole.CATALOG_ADMIN, regions["sichuan"])
    admin2 = staff("b_catalog2", StaffRole.CATALOG_ADMIN, regions["sichuan"])
    basic = basic_item_create(
        actor=admin,
        code="000107001000",
        name="食品经营许可",
        item_type="01",
        legal_basis="《食品安全法》第三十五条",
        competent_department="市场监管",
        service_objects=["2"],
        exercise_levels=["4"],
        source="bench",
    )
    departments, bodies = [], []
    for k in range(DEPARTMENTS):
        code = credit_code_build(
            department="1", category="1", region_code="510104", org_body8=f"MB{k:06d}"
        )
        dept = department_create(actor=None, region=jj, name=f"锦江区第{k}局", credit_code=code)
        departments.append(dept)
        bodies.append(
            implementing_body_create(actor=None, department=dept, name=dept.name, credit_code=code)
        )
    item = implementation_item_create(
        actor=admin, basic_item=basic, body=bodies[0], content=dict(GUIDE)
    )
    guide_submit(actor=admin, item_code=item.code, number=1)
    guide_review(actor=admin2, item_code=item.code, number=1, approve=True)
    item.refresh_from_db()
    clerk = staff("b_clerk", StaffRole.WINDOW_CLERK, jj)
    reviewer = staff("b_reviewer", StaffRole.REVIEWER, jj, departments[0])
    citizen = UserFactory(
        username="b_citizen",
        real_name="张晓燕",
        id_number=citizen_id_with_check("51010419900307002"),
        phone="13812345678",
        assurance_level=2,  # real-name verified (L2): may apply online
    )

    class Issuer:
        key = "license"

        def issue_for_case(self, *, result: Any) -> Any:
            return sources.IssuedResult(reference=f"L-{result.case_number}", label="电子证照")

    sources.register_result_issuer(Issuer())
    return {
        "regions": regions,
        "departments": departments,
        "item": item,
        "clerk": clerk,
        "reviewer": reviewer,
        "citizen": citizen,
        "now": timezone.now(),
        "tokens": {
            "reviewer": api_token_create(user=reviewer, name="bench")[1],
            "citizen": api_token_create(user=citizen, name="bench")[1],
        },
    }


def _throughput(w: dict[str, Any], flows: int) -> dict[str, Any]:
    from tongban.cases.models import Case
    from tongban.cases.services.apply import case_draft_create, case_material_upload, case_submit
    from tongban.cases.services.lifecycle import case_accept, case_approve, case_complete
    from tongban.cases.tests.conftest import FORM, PDF

    drafts = []
    for _ in range(flows):
        case = case_draft_create(actor=w["citizen"], item_code=w["item"].code, form_data=FORM)
        for code in ("M001", "M002", "M003"):
            case_material_upload(
                actor=w["citizen"],
                case=case,
                code=code,
                file_name="a.pdf",
                content=PDF,
                content_type="application/pdf",
            )
        case.refresh_from_db()
        drafts.append(case)
    t = time.perf_counter()
    for case in drafts:
        case = case_submit(actor=w["citizen"], case=case).case
        case = case_accept(actor=w["clerk"], case=case)
        case_approve(actor=w["reviewer"], case=case)
        case.refresh_from_db()
        case_complete(actor=w["clerk"], case=case)
    service_s = time.perf_counter() - t
    assert Case.objects.filter(status="delivered").count() == flows
    t = time.perf_counter()
    for i in range(flows):
        row = Case.objects.create(
            number=f"BASE-{i}", item_name="x", applicant=w["citizen"], handling_region_id="510104"
        )
        for status in ("submitted", "in_progress", "completed"):
            Case.objects.filter(pk=row.pk).update(status=status, version=row.version + 1)
    baseline_s = time.perf_counter() - t
    Case.objects.filter(number__startswith="BASE-").delete()
    return {"n": flows, "service_s": service_s, "baseline_s": baseline_s}


def _generate(w: dict[str, Any], rows: int) -> float:
    """Fixture rows: a template row as Django would write it, varied per row and inserted with
    executemany (Django's bulk_create spends ~1 ms per row of this width in Python)."""
    import uuid

    from django.db import connection, transaction

    from tongban.cases.models import Case
    from tongban.identity.models import User

    rng = random.Random(SEED)
    t = time.perf_counter()
    ops = connection.ops
    with transaction.atomic():
        User.objects.bulk_create(
            [User(username=f"bc{i}", real_name=f"居民{i}", password="!") for i in range(CITIZENS)],
            batch_size=5000,
        )
        citizen_ids = list(
            User.objects.filter(username__startswith="bc").values_list("pk", flat=True)
        )
        today = date.today()
        item, version = w["item"], w["item"].published_version
        depts = [d.pk for d in w["departments"]]
        template = Case(
            number="T",
            item=item,
            guide_version=version,
            item_code=item.code,
            item_name=item.name,
            applicant_id=citizen_ids[0],
            applicant_name="居民",
            handling_body_id=item.body_id,
            handling_department_id=depts[0],
            handling_region_id="510104",
        )
        fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
        base = {
            f.column: f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields
        }
        columns = list(base)
        sql = (
            f"INSERT INTO {Case._meta.db_table} "
            f"({', '.join(connection.ops.quote_name(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        batch: list[tuple[Any, ...]] = []
        with connection.cursor() as cursor:
            for i in range(rows):
                r = rng.random()
                if r < 0.55:
                    status, role = "delivered", ""
                elif r < 0.65:
                    status, role = "submitted", "window_clerk"
                elif r < 0.95:
                    status, role = "in_progress", "reviewer"
                else:
                    status, role = "approved", "window_clerk"
                accepted = status != "submitted"
                due = today + timedelta(days=rng.randint(-10, 25)) if accepted else None
                submitted = w["now"] - timedelta(
                    days=rng.randint(0, 365), minutes=rng.randint(0, 1440)
                )
                at = ops.adapt_datetimefield_value(submitted)
                row = dict(base)
                row.update(
                    public_id=uuid.uuid4().hex,
                    number=f"510104-2026{i // 100000:04d}-{i:07d}",
                    applicant_id=citizen_ids[i % CITIZENS],
                    handling_department_id=depts[i % len(depts)],
                    status=status,
                    current_role=role,
                    current_step="review" if role == "reviewer" else "accept",
                    submitted_at=at,
                    received_on=submitted.date().isoformat(),
                    accepted_at=at if accepted else None,
                    promised_due_date=due.isoformat() if due else None,
                    legal_due_date=due.isoformat() if due else None,
                    created_at=at,
                    updated_at=at,
                )
                batch.append(tuple(row[c] for c in columns))
                if len(batch) == 20000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
    return time.perf_counter() - t


def _p95(client: Any, path: str, token: str, n: int) -> dict[str, float]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_HOST": "localhost"}
    for _ in range(5):
        response = client.get(path, **headers)
        assert response.status_code == 200, response.content[:300]
    times = []
    for _ in range(n):
        t = time.perf_counter()
        client.get(path, **headers)
        times.append(time.perf_counter() - t)
    times.sort()
    return {"p95": times[int(0.95 * (len(times) - 1))], "median": statistics.median(times)}


def _pages(w: dict[str, Any], n: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    with connection.cursor() as c:
        c.execute("ANALYZE")
    client = Client()
    token = w["tokens"]["reviewer"]
    return {
        "ping": _p95(client, "/api/v1/ping", token, n),
        "queue": _p95(client, "/api/v1/cases/staff/queue?queue=todo&limit=20", token, n),
        "queue_overdue": _p95(
            client, "/api/v1/cases/staff/queue?queue=todo&clock=overdue&limit=20", token, n
        ),
        "mine": _p95(client, "/api/v1/cases/mine?limit=20", w["tokens"]["citizen"], n),
    }


def _clock(w: dict[str, Any]) -> dict[str, Any]:
    from tongban.cases.models import Case
    from tongban.cases.models.case import OPEN_STATUSES
    from tongban.cases.selectors import supervision_counts, with_clock
    from tongban.cases.services.clock import clock_state_counts

    admin = w["clerk"]  # window clerk of 锦江区: every department's cases
    t = time.perf_counter()
    open_count = Case.objects.filter(status__in=OPEN_STATUSES).count()
    baseline_s = time.perf_counter() - t
    t = time.perf_counter()
    rows = supervision_counts(admin)
    counts_s = time.perf_counter() - t
    t = time.perf_counter()
    states = clock_state_counts(
        Case.objects.filter(status__in=OPEN_STATUSES)
        .values_list("status", "accepted_at", "promised_due_date", "paused_since")
        .iterator(chunk_size=20000)
    )
    python_s = time.perf_counter() - t
    t = time.perf_counter()
    page = list(Case.objects.filter(status__in=OPEN_STATUSES).order_by("id")[:1000])
    with_clock(page)
    page_s = time.perf_counter() - t
    return {
        "open": open_count,
        "baseline_s": baseline_s,
        "counts_s": counts_s,
        "python_s": python_s,
        "page_s": page_s,
        "overdue": sum(r.overdue for r in rows),
        "warning": sum(r.warning for r in rows),
        "states": states,
    }


def child(rows: int, flows: int, requests: int) -> None:
    import django

    django.setup()
    w = _world()
    out: dict[str, Any] = {"rows": rows, "throughput": _throughput(w, flows)}
    out["load_s"] = _generate(w, rows)
    out["pages"] = _pages(w, requests)
    out["clock"] = _clock(w)
    print(json.dumps(out, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--flows", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.small:
        args.rows, args.flows, args.requests = 50_000, 60, 100
    if args.child:
        child(args.rows, args.flows, args.requests)
        return
    with throwaway_database() as env:
        env["TONGBAN_SMS_BACKEND"] = "memory"
        cmd = [
            PY,
            __file__,
            "--child",
            "--rows",
            str(args.rows),
            "--flows",
            str(args.flows),
            "--requests",
            str(args.requests),
        ]
        t = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode:
            sys.stderr.write(proc.stderr[-4000:])
            raise SystemExit(proc.returncode)
        wall = time.perf_counter() - t
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    th = r["throughput"]
    svc, base = th["n"] / th["service_s"], th["n"] / th["baseline_s"]
    print(
        f"{'PostgreSQL' if os.environ.get('BENCH_DATABASE_URL') else 'SQLite (WAL)'}, production settings, one process; total {wall:.0f} s; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(
        f"submit→accept→approve→办结 through the services: {svc:,.1f} cases/s ({th['n']} cases) — "
        f"bare ORM insert + 3 updates: {base:,.0f}/s → {svc / base:.3f}× baseline"
    )
    print(f"generated {r['rows']:,} cases (executemany) in {r['load_s']:.0f} s")
    p = r["pages"]
    ping = p["ping"]["p95"]
    for key, label in (
        ("queue", "workbench queue"),
        ("queue_overdue", "queue, overdue only"),
        ("mine", "my cases"),
    ):
        v = p[key]
        print(
            f"{label:<20} p95 {v['p95'] * 1000:6.1f} ms (median {v['median'] * 1000:5.1f}) — "
            f"ping p95 {ping * 1000:.1f} ms → {v['p95'] / ping:.1f}× baseline"
        )
    c = r["clock"]
    print(
        f"traffic lights of {c['open']:,} open cases: supervision counts (grouped SQL) "
        f"{c['counts_s'] * 1000:,.0f} ms, every open case's state in Python {c['python_s']:,.1f} s, "
        f"full ClockInfo (days left) for 1,000 cases {c['page_s'] * 1000:,.0f} ms — "
        f"COUNT(*) of open cases {c['baseline_s'] * 1000:,.0f} ms → {c['counts_s'] / max(c['baseline_s'], 1e-6):.1f}× baseline; "
        f"overdue {c['overdue']:,}, warning {c['warning']:,}; states {c['states']}"
    )


if __name__ == "__main__":
    main()
