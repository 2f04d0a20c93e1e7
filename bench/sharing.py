"""Sharing benchmark: the exchange API under load beside the bare JSON view, the cost of the
per-call exchange log + hash-chained audit entry, and bulk export against a raw read of the
same rows — all measured in the same run on the same machine.

    ./dev.sh bench sharing [--small] [--rows N] [--seconds 8] [--concurrency 4] [--workers 2]

1. HTTP (gunicorn, production settings, SQLite): GET /api/v1/ping (baseline), POST
   /exchange/v1/verify/<code> (name ↔ ID number against the population registry, yes/no) and
   POST /exchange/v1/lookup (one record, granted fields only), each with a bearer token from
   the client-credentials grant. Every exchange call writes an exchange-log row and an audit
   entry (SM3 chain) before it answers.
2. In process: the same look-up N times with (a) log + audit, (b) log only, (c) neither (the
   two writes stubbed out): the differences are what logging costs per call.
3. Bulk: N records (SM4-encrypted JSON) exported as CSV (bulk_job_run: stream, checkpoint,
   SM3 of the file, deliver, re-hash and count rows on arrival) against a raw
   `SELECT id, payload` of the same rows; peak memory (ru_maxrss) shows the export streams.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import PY, ROOT, LoadResult, load, production_server

PREPARE = r"""
import json, random
from datetime import timedelta
from django.utils import timezone
from tongban.core.identifiers import citizen_id_with_check
from tongban.core.models import Department
from tongban.identity.models import User
from tongban.identity.services import registries as reg
from tongban.sharing import services
from tongban.sharing.services import FieldSpec
from tongban.testing.factories import make_region_chain

regions = make_region_chain()
actor = User.objects.create_superuser(username="bench-admin", password=None, kind="staff")
police = Department.objects.create(region=regions["chengdu"], name="成都市公安局", credit_code="11510100MB0000001A")
civil = Department.objects.create(region=regions["jinjiang"], name="成都市锦江区民政局", credit_code="11510104MB0000002B")
pop = services.resource_create(actor=actor, provider=police, code="DR-B-0001", name="人口基本信息",
    legal_basis="居民身份证法", key_kind="id_number", key_field="id_number", fields=[
    FieldSpec("id_number", "公民身份号码", sensitivity="personal"), FieldSpec("name", "姓名", sensitivity="personal"),
    FieldSpec("address", "户籍地址", sensitivity="personal"), FieldSpec("ethnicity", "民族", sensitivity="sensitive")])
ver = services.resource_create(actor=actor, provider=police, code="DR-B-0101", name="身份核验",
    legal_basis="居民身份证法", verifier="person_name_id", key_kind="id_number", share_type="unconditional",
    fields=[FieldSpec("result", "核验结果")])
rng = random.Random(1)
people = []
for n in range(N_PEOPLE):
    number = citizen_id_with_check(f"510104{1950 + n % 50}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}")
    people.append({"id_number": number, "name": f"张{n}", "address": f"锦江区红星路{n}号", "ethnicity": "汉族"})
people = list({p["id_number"]: p for p in people}.values())
services.records_load(actor=actor, resource=pop, rows=people)
reg.registry_persons_import(actor=None, rows=[{"name": p["name"], "id_number": p["id_number"], "status": "normal"} for p in people])
today = timezone.localdate()
app = None
for res, fields in ((pop, ["name", "address"]), (ver, ["result"])):
    req = services.request_submit(actor=actor, resource=res, consumer=civil, system_name="救助系统",
        purpose="低保审核", legal_basis="社会救助暂行办法", fields=fields,
        valid_from=today, valid_until=today + timedelta(days=30))
    if req.status != "approved":
        services.request_decide(actor=actor, request=req, decision="approve")
    req.refresh_from_db()
    app = req.app
services.app_set_limits(actor=actor, app=app, daily_quota=10**9, rate_per_minute=10**9)
_s, raw = services.app_secret_issue(actor=actor, app=app)
print("JSON" + json.dumps({"client_id": app.client_id, "secret": raw,
    "people": [[p["name"], p["id_number"]] for p in people]}, ensure_ascii=False))
"""

AUDIT_COST = r"""
import json, time
from django.db import transaction
from tongban.sharing import services
from tongban.sharing.models import ConsumerApp, ExchangeLog
app = ConsumerApp.objects.get()
keys = KEYS
def run(n):
    start = time.perf_counter()
    for i in range(n):
        services.exchange_lookup(app=app, resource_code="DR-B-0001", key=keys[i % len(keys)], reason="bench")
    return (time.perf_counter() - start) / n * 1000
real_log, real_audit = services._log, services.audit_record
class FakeEntry:
    sequence = 0
def log_only(**kw):
    kw.pop("actor", None)
    services.audit_record = lambda **k: FakeEntry()
    try:
        return real_log(**kw)
    finally:
        services.audit_record = real_audit
run(50)
full = run(N_CALLS)
services._log = log_only
log_only_ms = run(N_CALLS)
services._log = lambda **kw: type("L", (), {"pk": 0})()
neither = run(N_CALLS)
services._log = real_log
print("JSON" + json.dumps({"full": full, "log_only": log_only_ms, "neither": neither}))
"""

BULK = r"""
import json, resource, time
from django.db import connection
from tongban.core.models import Department
from tongban.identity.models import User
from tongban.sharing import bulk, services
from tongban.sharing.models import DataResource
from tongban.sharing.services import FieldSpec
actor = User.objects.get(username="bench-admin")
police = Department.objects.get(name="成都市公安局")
civil = Department.objects.get(name="成都市锦江区民政局")
res = services.resource_create(actor=actor, provider=police, code="DR-B-0900", name="社保参保信息（压测）",
    legal_basis="社会保险法", fields=[FieldSpec("id", "序号"), FieldSpec("name", "姓名", sensitivity="personal"),
    FieldSpec("insurance", "险种"), FieldSpec("since", "参保年月")])
rows = ({"id": i, "name": f"王{i}", "insurance": "城镇职工基本养老保险", "since": f"20{i % 20:02d}-0{1 + i % 9}"} for i in range(ROWS))
t0 = time.perf_counter()
services.records_load(actor=actor, resource=res, rows=rows)
load_s = time.perf_counter() - t0
from datetime import timedelta
from django.utils import timezone
today = timezone.localdate()
req = services.request_submit(actor=actor, resource=res, consumer=civil, system_name="救助系统",
    purpose="批量比对", legal_basis="社会救助暂行办法", fields=["id", "name", "insurance", "since"],
    valid_from=today, valid_until=today + timedelta(days=30))
services.request_decide(actor=actor, request=req, decision="approve")
# Raw read of the same rows: the floor any export sits on.
t0 = time.perf_counter()
n = 0
with connection.cursor() as cur:
    cur.execute("SELECT id, payload FROM sharing_datarecord WHERE resource_id = %s ORDER BY id", [res.pk])
    while batch := cur.fetchmany(5000):
        n += len(batch)
raw_s = time.perf_counter() - t0
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
job = bulk.bulk_job_create(actor=actor, resource=res, consumer=civil, format="csv")
t0 = time.perf_counter()
job = bulk.bulk_job_run(job_id=job.public_id)
export_s = time.perf_counter() - t0
rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("JSON" + json.dumps({"rows": n, "load_s": load_s, "raw_s": raw_s, "export_s": export_s,
    "status": job.status, "bytes": bulk.inbox_path(job).stat().st_size,
    "rss_before_mb": rss_before / 1024, "rss_after_mb": rss_after / 1024}))
"""


def _django(env: dict[str, str], code: str) -> dict:
    result = subprocess.run(
        [PY, str(ROOT / "manage.py"), "shell", "-c", code],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("JSON"))
    return json.loads(line[4:])


def _token(port: int, client_id: str, secret: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = f"grant_type=client_credentials&client_id={client_id}&client_secret={secret}"
    conn.request(
        "POST",
        "/exchange/v1/token",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    resp = conn.getresponse()
    data = json.loads(resp.read())
    if resp.status != 200:
        raise RuntimeError(f"token: {resp.status} {data}")
    return data["access_token"]


def post_load(
    port: int, path: str, bodies, *, token: str, concurrency: int, seconds: float, label: str
) -> LoadResult:
    """Closed-loop POST load (as _server.load does for GET)."""
    warmup = 1.0
    stop_at = time.monotonic() + warmup + seconds
    measure_from = time.monotonic() + warmup
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"ok": 0, "err": 0}
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            body = json.dumps(bodies(), ensure_ascii=False).encode()
            start = time.monotonic()
            if start >= stop_at:
                break
            try:
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            end = time.monotonic()
            if start >= measure_from:
                with lock:
                    latencies.append((end - start) * 1000)
                    counts["ok" if ok else "err"] += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return LoadResult(label, counts["ok"], counts["err"], seconds, latencies)


def line(result: LoadResult, baseline: LoadResult | None = None) -> str:
    ratio = f"  {result.rps / baseline.rps:5.2f}× baseline req/s" if baseline else ""
    return (
        f"{result.path:<34} {result.rps:7.1f} req/s  p50 {result.pct(50):6.2f} ms  "
        f"p95 {result.pct(95):6.2f} ms  p99 {result.pct(99):6.2f} ms  errors {result.errors}{ratio}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="short run: 4 s per test, 20k rows")
    parser.add_argument("--rows", type=int, default=0, help="bulk rows (default 200k, small 20k)")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    seconds = 4.0 if args.small else args.seconds
    rows = args.rows or (20_000 if args.small else 200_000)
    people_n = 500 if args.small else 2000

    with production_server(workers=args.workers) as (port, env):
        prep = _django(env, PREPARE.replace("N_PEOPLE", str(people_n)))
        people = prep["people"]
        token = _token(port, prep["client_id"], prep["secret"])
        rng = random.Random(7)

        def verify_body() -> dict:
            name, number = rng.choice(people)
            if rng.random() < 0.2:
                name = "李" + name[1:]
            return {"name": name, "id_number": number, "reason": "bench"}

        def lookup_body() -> dict:
            return {"resource": "DR-B-0001", "key": rng.choice(people)[1], "reason": "bench"}

        print(
            f"sharing bench: {len(people)} persons, {args.workers} workers, "
            f"{args.concurrency} clients, {seconds:.0f} s each"
        )
        base = load(port, "/api/v1/ping", concurrency=args.concurrency, seconds=seconds)
        verify = post_load(
            port,
            "/exchange/v1/verify/DR-B-0101",
            verify_body,
            token=token,
            concurrency=args.concurrency,
            seconds=seconds,
            label="POST verify (name↔ID)",
        )
        look = post_load(
            port,
            "/exchange/v1/lookup",
            lookup_body,
            token=token,
            concurrency=args.concurrency,
            seconds=seconds,
            label="POST lookup",
        )
        print(line(base))
        print(line(verify, base))
        print(line(look, base))

        keys = [p[1] for p in people[:200]]
        n_calls = 200 if args.small else 1000
        cost = _django(
            env, AUDIT_COST.replace("KEYS", json.dumps(keys)).replace("N_CALLS", str(n_calls))
        )
        print(
            f"in-process lookup, {n_calls} calls: log+audit {cost['full']:.2f} ms/call, "
            f"log only {cost['log_only']:.2f}, neither {cost['neither']:.2f}  → audit entry "
            f"{cost['full'] - cost['log_only']:.2f} ms, exchange-log row "
            f"{cost['log_only'] - cost['neither']:.2f} ms, logging share "
            f"{(cost['full'] - cost['neither']) / cost['full'] * 100:.0f}% of a call"
        )

        b = _django(env, BULK.replace("ROWS", str(rows)))
        print(
            f"bulk {b['rows']} rows: load {b['rows'] / b['load_s']:.0f} rows/s (SM4 + insert); "
            f"raw SELECT {b['rows'] / b['raw_s']:.0f} rows/s; export CSV {b['rows'] / b['export_s']:.0f} "
            f"rows/s incl. decrypt, checkpoint, SM3, delivery and arrival check "
            f"(= {b['raw_s'] / b['export_s']:.3f}× raw read); {b['bytes'] / 1e6:.1f} MB, "
            f"status {b['status']}; peak RSS {b['rss_before_mb']:.0f} → {b['rss_after_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
