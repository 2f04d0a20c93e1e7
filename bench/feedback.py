"""Feedback benchmark: 12345 tickets created and dispatched per second through the services, and
the time to compute the rates (好差评 and hotline) over many ratings and tickets, each against a
baseline measured in the same run on the same database:

- throughput: `ticket_create` (validation, duplicate check, SM4 phone, history row, audit
  entry) + `ticket_dispatch` (row lock, working-day deadline, history, audit) per ticket, vs the
  bare ORM writing the same two rows' worth (`Ticket.objects.create` + one UPDATE);
- rates: `feedback_rates` (the selector behind the workbench page and GET /api/v1/feedback/stats:
  invitations, ratings, bad reviews and tickets, each one GROUP BY with conditional counts),
  grouped by department, by county and overall, whole year and one month, vs hand-written SQL
  computing the same counts in the same four statements.

    ./dev.sh bench feedback [--rows 1000000] [--tickets 2000] [--small]

`--small` = 100k rows and 300 tickets (a quick check while developing). Rows are loaded with
executemany in one transaction (fixture data, not through the services); the database is a
throw-away SQLite file with production settings, in a child process.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import PY, throwaway_database

COUNTIES = 20
DEPARTMENTS_PER_COUNTY = 10
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)


def _setup_world() -> dict[str, Any]:
    from tongban.core.models import Department, Region, StaffMembership, StaffRole
    from tongban.identity.models import User

    regions = [
        Region(
            code="510000", name="四川省", level=1, prefix="51", full_name="四川省", source="bench"
        )
    ]
    regions.append(
        Region(
            code="510100",
            name="成都市",
            level=2,
            parent_id="510000",
            prefix="5101",
            full_name="四川省成都市",
            source="bench",
        )
    )
    for k in range(1, COUNTIES + 1):
        code = f"5101{k:02d}"
        regions.append(
            Region(
                code=code,
                name=f"第{k}区",
                level=3,
                parent_id="510100",
                prefix=code,
                full_name=f"成都市第{k}区",
                source="bench",
            )
        )
    Region.objects.bulk_create(regions)
    departments = []
    for k in range(1, COUNTIES + 1):
        for d in range(DEPARTMENTS_PER_COUNTY):
            departments.append(
                Department(
                    region_id=f"5101{k:02d}",
                    name=f"第{k}区第{d}局",
                    credit_code=f"B{k:03d}{d:014d}",
                )
            )
    Department.objects.bulk_create(departments)
    desk = User.objects.create(username="bench_desk", kind="staff", real_name="话务员")
    StaffMembership.objects.create(user=desk, role=StaffRole.HOTLINE_OPERATOR, region_id="510100")
    return {"desk": desk, "departments": list(Department.objects.order_by("pk"))}


def _throughput(world: dict[str, Any], n: int) -> dict[str, float]:
    from django.db import transaction

    from tongban.core.models import Region
    from tongban.feedback.models import Ticket, TicketStatus
    from tongban.feedback.services import ticket_create, ticket_dispatch

    desk = world["desk"]
    departments = world["departments"]
    regions = {r.code: r for r in Region.objects.filter(level=3)}
    codes = sorted(regions)
    rng = random.Random(7)
    subjects = [
        "噪音扰民",
        "占道经营",
        "停水停电",
        "物业纠纷",
        "道路破损",
        "政策咨询",
        "社保转移",
        "公积金提取",
    ]

    t = time.perf_counter()
    for i in range(n):
        code = codes[i % len(codes)]
        ticket = ticket_create(
            actor=desk,
            ticket_type="complaint",
            channel="phone",
            title=f"{rng.choice(subjects)}{i}",
            content=f"第{i}号来电：{rng.choice(subjects)}，请相关部门尽快处理。地点{code}，时间{i % 24}点。",
            region=regions[code],
            caller_name="市民",
            caller_phone=f"139{i:08d}",
        )
        ticket_dispatch(
            actor=desk, number=ticket.number, department=departments[i % len(departments)]
        )
    service_s = time.perf_counter() - t

    t = time.perf_counter()
    for i in range(n):
        code = codes[i % len(codes)]
        with transaction.atomic():
            row = Ticket.objects.create(
                number=f"BASE{uuid.uuid4().hex[:16]}",
                type="complaint",
                channel="phone",
                title=f"基线{i}",
                content="基线",
                region_id=code,
            )
            Ticket.objects.filter(pk=row.pk).update(
                status=TicketStatus.DISPATCHED, department=departments[i % len(departments)]
            )
    baseline_s = time.perf_counter() - t
    return {"n": n, "service_s": service_s, "baseline_s": baseline_s}


def _columns(model: Any) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if not f.primary_key]


def _sql_value(value: Any) -> Any:
    """As Django stores it on SQLite: naive UTC text for datetimes, ISO dates, 0/1 booleans."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _insert(cursor: Any, model: Any, rows: list[tuple[Any, ...]]) -> None:
    rows = [tuple(_sql_value(v) for v in row) for row in rows]
    cols = _columns(model)
    sql = f'INSERT INTO "{model._meta.db_table}" ({", ".join(cols)}) VALUES ({", ".join(["%s"] * len(cols))})'
    cursor.executemany(sql, rows)


def _load(world: dict[str, Any], rows: int) -> dict[str, float]:
    """`rows` invitations, ratings (13 % bad) and tickets over 2026, inserted in batches."""
    from django.db import connection, transaction

    from tongban.feedback.models import BadReview, Rating, RatingInvitation, Ticket

    departments = [(d.pk, d.region_id) for d in world["departments"]]
    rng = random.Random(11)
    year = 365 * 24 * 3600
    batch = 20_000
    t = time.perf_counter()
    inv_cols = _columns(RatingInvitation)
    rat_cols = _columns(Rating)
    bad_cols = _columns(BadReview)
    tic_cols = _columns(Ticket)
    with transaction.atomic(), connection.cursor() as cursor:
        next_id = 1
        for start in range(0, rows, batch):
            inv, rat, bad, tic = [], [], [], []
            for i in range(start, min(rows, start + batch)):
                dept, region = departments[i % len(departments)]
                at = YEAR_START + timedelta(seconds=rng.randrange(year))
                rated = rng.random() < 0.8
                values = {
                    "public_id": uuid.uuid4().hex,
                    "created_at": at,
                    "updated_at": at,
                    "kind": "case",
                    "reference": f"C{i}",
                    "stage": "completion",
                    "title": "事项",
                    "item_code": "",
                    "department_id": dept,
                    "region_id": region,
                    "handler_id": None,
                    "invitee_id": None,
                    "token": uuid.uuid4().hex,
                    "expires_at": at + timedelta(days=30),
                }
                inv.append(tuple(values[c] for c in inv_cols))
                if rated:
                    level = rng.choices([1, 2, 3, 4, 5], weights=[55, 22, 10, 8, 5])[0]
                    r = {
                        "public_id": uuid.uuid4().hex,
                        "created_at": at,
                        "updated_at": at,
                        "invitation_id": i + 1,
                        "kind": "case",
                        "stage": "completion",
                        "department_id": dept,
                        "region_id": region,
                        "level": level,
                        "reasons": "[]",
                        "comment": "",
                        "channel": "mobile",
                        "rater_id": None,
                        "is_real_name": level != 5,
                        "is_bad": level >= 4,
                        "editable_until": at,
                        "edit_count": 0,
                    }
                    rat.append(tuple(r[c] for c in rat_cols))
                    if level >= 4:
                        done = rng.random() < 0.85
                        b = {
                            "public_id": uuid.uuid4().hex,
                            "created_at": at,
                            "updated_at": at,
                            "rating_id": next_id,
                            "department_id": dept,
                            "region_id": region,
                            "status": "closed" if done else "verifying",
                            "must_follow_up": level != 5,
                            "verification": "",
                            "outcome": "rectify" if done else "",
                            "measures": "",
                            "reply": "",
                            "due_on": (at + timedelta(days=21)).date(),
                            "replied_at": at if done else None,
                            "replied_on_time": (rng.random() < 0.9) if done else None,
                            "revisit_due_on": None,
                            "revisited_at": at if done and level != 5 else None,
                            "revisit_level": 2 if done and level != 5 else None,
                            "revisit_note": "",
                            "escalated_at": None,
                            "escalated_to_id": None,
                            "handled_by_id": None,
                        }
                        bad.append(tuple(b[c] for c in bad_cols))
                    next_id += 1
                kind = rng.choices(
                    ["consult", "help", "complaint", "report", "suggestion", "praise"],
                    weights=[45, 10, 30, 5, 8, 2],
                )[0]
                direct = kind == "consult" and rng.random() < 0.6
                replied = not direct and rng.random() < 0.9
                tk = {
                    "public_id": uuid.uuid4().hex,
                    "created_at": at,
                    "updated_at": at,
                    "number": f"RX{i:016d}",
                    "type": kind,
                    "channel": "phone",
                    "category": "",
                    "status": "closed" if direct or replied else "dispatched",
                    "urgency": "normal",
                    "title": "诉求",
                    "content": "诉求内容",
                    "region_id": region,
                    "address": "",
                    "caller_id": None,
                    "caller_name": "",
                    "caller_phone": "",
                    "caller_phone_index": "",
                    "item_code": "",
                    "target_kind": "",
                    "target_reference": "",
                    "reported_department_id": None,
                    "department_id": None if direct else dept,
                    "operator_id": None,
                    "knowledge_id": None,
                    "answered_directly": direct,
                    "duplicate_of_id": None,
                    "dispatched_at": None if direct else at,
                    "due_at": None if direct else at + timedelta(days=7),
                    "dispatch_count": 0 if direct else 1,
                    "return_count": 1 if rng.random() < 0.03 else 0,
                    "supervision_count": 0,
                    "reply": "",
                    "replied_at": at if direct or replied else None,
                    "replied_on_time": (True if direct else rng.random() < 0.93)
                    if direct or replied
                    else None,
                    "callback_at": at if replied else None,
                    "callback_level": rng.choice([1, 1, 2, 2, 3, 4]) if replied else None,
                    "supplements": "[]",
                    "reopened_at": None,
                    "open311_key_id": None,
                    "closed_at": at if direct or replied else None,
                }
                tic.append(tuple(tk[c] for c in tic_cols))
            _insert(cursor, RatingInvitation, inv)
            _insert(cursor, Rating, rat)
            _insert(cursor, BadReview, bad)
            _insert(cursor, Ticket, tic)
    load_s = time.perf_counter() - t
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"load_s": load_s}


BASELINE_SQL = {
    "invitations": "SELECT {key}, COUNT(*) FROM feedback_ratinginvitation WHERE {where} GROUP BY 1",
    "ratings": (
        "SELECT {key}, COUNT(*), SUM(level <= 3), SUM(is_bad), SUM(level) "
        "FROM feedback_rating WHERE {where} GROUP BY 1"
    ),
    "bad": (
        "SELECT {key}, COUNT(*), SUM(outcome <> 'invalid'), "
        "SUM(status IN ('replied','closed') AND outcome <> 'invalid'), "
        "SUM(status IN ('replied','closed') AND outcome <> 'invalid' AND replied_on_time = 1), "
        "SUM(status IN ('replied','closed') AND outcome <> 'invalid' AND must_follow_up = 1), "
        "SUM(status IN ('replied','closed') AND outcome <> 'invalid' AND must_follow_up = 1 "
        "AND revisited_at IS NOT NULL), SUM(escalated_at IS NOT NULL) "
        "FROM feedback_badreview WHERE {where} GROUP BY 1"
    ),
    "tickets": (
        "SELECT {key}, COUNT(*), SUM(type = 'consult'), SUM(answered_directly), "
        "SUM(dispatch_count > 0 AND replied_at IS NOT NULL), "
        "SUM(dispatch_count > 0 AND replied_at IS NOT NULL AND replied_on_time = 1), "
        "SUM(callback_level IS NOT NULL), SUM(callback_level <= 3), "
        "SUM(duplicate_of_id IS NOT NULL), SUM(return_count) "
        "FROM feedback_ticket WHERE {where} GROUP BY 1"
    ),
}
KEYS = {"department": "department_id", "region": "substr(region_id, 1, 6)", "none": "'all'"}


def _baseline(group: str, start: datetime | None, end: datetime | None) -> dict[str, list[Any]]:
    from django.db import connection

    where, params = "1 = 1", []
    if start is not None:
        where += " AND created_at >= %s AND created_at < %s"
        params = [_sql_value(start), _sql_value(end)]
    out = {}
    with connection.cursor() as cursor:
        for name, sql in BASELINE_SQL.items():
            cursor.execute(sql.format(key=KEYS[group], where=where), params)
            out[name] = cursor.fetchall()
    return out


def _time(fn: Any, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def _rates(rows: int) -> list[dict[str, Any]]:
    from tongban.core.scopes import Scope
    from tongban.feedback.selectors import RateFilters, feedback_rates

    everything = Scope(unrestricted=True)
    month = (datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))
    cases = []
    for group in ("department", "region", "none"):
        for label, (start, end) in (("year", (None, None)), ("June", month)):
            filters = RateFilters(start=start, end=end, group=group, region_digits=6)
            selector_rows = feedback_rates(None, filters, scope=everything)
            base = _baseline(group, start, end)
            # Same answer: the selector's ratings per group equal the hand-written SQL's.
            assert sum(r.ratings for r in selector_rows) == sum(r[1] for r in base["ratings"])
            assert sum(r.tickets for r in selector_rows) == sum(r[1] for r in base["tickets"])
            s = _time(lambda f=filters: feedback_rates(None, f, scope=everything))
            b = _time(lambda g=group, a=start, z=end: _baseline(g, a, z))
            cases.append(
                {
                    "group": group,
                    "period": label,
                    "groups": len(selector_rows),
                    "selector_s": s,
                    "baseline_s": b,
                }
            )
    return cases


def child(rows: int, tickets: int) -> None:
    import django

    django.setup()
    world = _setup_world()
    out: dict[str, Any] = {"rows": rows}
    out["throughput"] = _throughput(world, tickets)
    out.update(_load(world, rows))
    out["rates"] = _rates(rows)
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.small:
        args.rows, args.tickets = 100_000, 300
    if args.child:
        child(args.rows, args.tickets)
        return
    with throwaway_database() as env:
        cmd = [PY, __file__, "--child", "--rows", str(args.rows), "--tickets", str(args.tickets)]
        t = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode:
            sys.stderr.write(proc.stderr[-4000:])
            raise SystemExit(proc.returncode)
        wall = time.perf_counter() - t
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    th = r["throughput"]
    svc = th["n"] / th["service_s"]
    base = th["n"] / th["baseline_s"]
    print(f"SQLite (WAL), production settings, one process; total {wall:.0f} s")
    print(
        f"tickets created + dispatched through the services: {svc:,.0f}/s "
        f"({th['n']:,} tickets) — bare ORM create + update: {base:,.0f}/s → {svc / base:.2f}× baseline"
    )
    print(
        f"loaded {r['rows']:,} invitations, ~{int(r['rows'] * 0.8):,} ratings, bad reviews and "
        f"{r['rows']:,} tickets in {r['load_s']:.0f} s"
    )
    for c in r["rates"]:
        print(
            f"rates by {c['group']:<10} {c['period']:<4} ({c['groups']:>3} groups): "
            f"selector {c['selector_s'] * 1000:,.0f} ms, plain SQL {c['baseline_s'] * 1000:,.0f} ms "
            f"→ {c['selector_s'] / c['baseline_s']:.2f}× the baseline's time"
        )


if __name__ == "__main__":
    main()
