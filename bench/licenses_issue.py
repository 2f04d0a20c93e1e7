"""Licenses: bulk import rate (存量导入, rows/s) and the public verify API's requests/s beside the
bare JSON view (/api/v1/ping) measured in the same run.

    ./dev.sh bench licenses_issue [--rows 20000] [--algorithms SM2-SM3,Ed25519] [--seconds 6] [--small]

Import: a CSV of `--rows` marriage certificates (valid ID numbers, two content fields) is imported
through the real path (`license_import_submit` → `license_import_run`: check every row, reserve
serials, sign each license in a tight loop, bulk insert in one transaction) into a fresh SQLite
database (production settings), once per algorithm, in a child process. Beside it, the same
process measures the raw signing rate of the algorithm (`crypto.algorithms.sign` on one
license's canonical bytes) so the import's figure reads as a fraction of the signature bound.

Verify API: gunicorn (production settings, 2 sync workers) on loopback, 8 client threads in a
closed loop, POST /api/v1/licenses/verify with (a) an offline TB1 QR (Base45 → zlib → COSE →
SM2 verify → revocation lookup) and (b) a license identifier (database lookup + signature check),
against GET /api/v1/ping. Target (DESIGN): a read path ≥ 0.5× the bare view.
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import PY, ROOT, LoadResult, load, serve, throwaway_database


def _child_setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _world(algorithm: str):  # type: ignore[no-untyped-def]
    """Region, body with a key, the marriage certificate type (bench data, plain ORM)."""
    from tongban.core.identifiers import credit_code_build
    from tongban.core.models import Department, ImplementingBody, Region
    from tongban.licenses import services

    region, _ = Region.objects.get_or_create(
        code="510104",
        defaults={
            "name": "锦江区",
            "level": 3,
            "prefix": "510104",
            "full_name": "四川省成都市锦江区",
        },
    )
    code = credit_code_build(
        department="1", category="1", region_code="510104", org_body8="MB000001"
    )
    department, _ = Department.objects.get_or_create(
        credit_code=code, defaults={"region": region, "name": "成都市锦江区民政局"}
    )
    body, _ = ImplementingBody.objects.get_or_create(
        credit_code=code,
        defaults={"region": region, "department": department, "name": "成都市锦江区民政局"},
    )
    ministry = credit_code_build(
        department="1", category="1", region_code="100000", org_body8="00001331"
    )
    license_type = services.license_type_save(
        actor=None,
        code="CN-LIC-MARRIAGE-CERT",
        national_code=ministry + "001",
        name="结婚证",
        defining_department="民政部",
        defining_department_code=ministry,
        holder_kind="person",
        fields=[
            {"key": "spouse_name", "label": "配偶姓名", "required": True},
            {"key": "registered_on", "label": "登记日期", "required": True},
        ],
    )
    services.issuer_key_generate(actor=None, body=body, algorithm=algorithm)
    return body, license_type


def _csv(rows: int) -> bytes:
    from tongban.core.identifiers import citizen_id_with_check

    lines = ["持证主体名称,持证主体代码,证照编号,颁发日期,配偶姓名,登记日期"]
    for n in range(rows):
        birth = f"{1990 + n % 15}{1 + n % 12:02d}{1 + n % 28:02d}"
        id_number = citizen_id_with_check(f"510104{birth}{n % 1000:03d}")
        lines.append(f"张{n},{id_number},J{n:08d},2020-05-20,王{n},2020-05-20")
    return ("\n".join(lines) + "\n").encode()


def child_import(rows: int, algorithm: str) -> None:
    _child_setup()
    from tongban.licenses import services
    from tongban.licenses.crypto.algorithms import sign
    from tongban.licenses.models import IssuerKey, License

    body, license_type = _world(algorithm)
    data = _csv(rows)
    key = IssuerKey.objects.get(body=body, status="active")
    message = b"x" * 600
    private = key.private_pem.encode()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < 1.0:
        sign(algorithm, private, message)
        n += 1
    raw_sign_rate = n / (time.perf_counter() - start)
    import resource

    # Peak before the import (Django, the world, the CSV in memory): the import's own share is
    # the difference, which the streaming importer keeps flat whatever the row count.
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    job = services.license_import_submit(
        actor=None, license_type=license_type, issuer=body, filename="registry.csv", data=data
    )
    job.refresh_from_db()
    if job.status == "pending":
        job = services.license_import_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    assert job.status == "succeeded", job.errors[:3]
    assert License.objects.count() == rows
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "raw_sign_rate": raw_sign_rate,
                "peak_mb": peak_mb,
                "before_mb": before_mb,
            }
        )
    )


def child_prepare(out: str) -> None:
    _child_setup()
    from django.contrib.auth import get_user_model

    from tongban.licenses import services

    body, license_type = _world("SM2-SM3")
    holder_key = _csv(1).decode().splitlines()[1].split(",")[1]
    holder = get_user_model().objects.create(username="bench_holder")
    holder.id_number = holder_key  # encrypted with its blind index on save
    holder.save()
    lic = services.license_issue(
        actor=_superuser(),
        license_type=license_type,
        issuer=body,
        holder_key=holder_key,
        holder_name="张晓燕",
        content={"spouse_name": "王强", "registered_on": "2020-05-20"},
    )
    qr = services.offline_qr_create(
        actor=holder, license=lic, fields=["holder_name", "spouse_name"]
    ).qr_text
    Path(out).write_text(json.dumps({"qr": qr, "identifier": lic.identifier}))


def _superuser():  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create(
        username="bench_admin", is_superuser=True, is_staff=True, kind="staff"
    )


def post_load(
    port: int, path: str, body: dict, *, concurrency: int, seconds: float, label: str
) -> LoadResult:
    payload = json.dumps(body).encode()
    stop_at = time.monotonic() + 1.0 + seconds
    measure_from = time.monotonic() + 1.0
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"ok": 0, "err": 0}

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            start = time.monotonic()
            if start >= stop_at:
                break
            try:
                conn.request(
                    "POST", path, body=payload, headers={"Content-Type": "application/json"}
                )
                resp = conn.getresponse()
                data = resp.read()
                ok = resp.status == 200 and b'"valid": true' in data.replace(
                    b'"valid":true', b'"valid": true'
                )
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--algorithms", default="SM2-SM3,Ed25519")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--small", action="store_true", help="2,000 rows, 3 s per path")
    parser.add_argument(
        "--import-only", action="store_true", help="measure the bulk import only, not the API"
    )
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "import":
            child_import(int(args.child[1]), args.child[2])
        else:
            child_prepare(args.child[1])
        return
    rows, seconds = (2_000, 3.0) if args.small else (args.rows, args.seconds)

    print(f"Bulk import ({rows} rows, CSV, one file, all-or-nothing):")
    for algorithm in args.algorithms.split(","):
        with throwaway_database() as env:
            proc = subprocess.run(
                [PY, __file__, "--child", "import", str(rows), algorithm],
                env=env,
                capture_output=True,
                text=True,
            )
            if proc.returncode:
                sys.exit(proc.stderr[-3000:])
            out = proc.stdout.strip().splitlines()[-1]
        result = json.loads(out)
        rate = result["rows"] / result["seconds"]
        print(
            f"  {algorithm:<8} {rate:9.0f} rows/s ({result['seconds']:.1f} s)   raw sign {result['raw_sign_rate']:9.0f}/s"
            f"   import = {rate / result['raw_sign_rate']:.2f}× raw signing rate"
            f"   peak memory {result['peak_mb']:.0f} MB"
            f" (+{result['peak_mb'] - result['before_mb']:.0f} MB during the import)"
        )

    if args.import_only:
        return
    print("Verify API (2 gunicorn workers, 8 client threads):")
    with throwaway_database() as env:
        prepared = Path(env["TONGBAN_VAR_DIR"]) / "prepared.json"
        subprocess.run(
            [PY, __file__, "--child", "prepare", str(prepared)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        data = json.loads(prepared.read_text())
        from _server import manage

        manage(env, "collectstatic", "--noinput", "-v", "0")
        with serve(env, workers=2) as (port, _pid):
            baseline = load(port, "/api/v1/ping", seconds=seconds)
            offline = post_load(
                port,
                "/api/v1/licenses/verify",
                {"code": data["qr"]},
                concurrency=8,
                seconds=seconds,
                label="POST verify TB1 offline QR (SM2)",
            )
            ident = post_load(
                port,
                "/api/v1/licenses/verify",
                {"code": data["identifier"]},
                concurrency=8,
                seconds=seconds,
                label="POST verify identifier",
            )
        print("  " + baseline.line())
        print("  " + offline.line(baseline))
        print("  " + ident.line(baseline))


if __name__ == "__main__":
    main()
