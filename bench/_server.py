"""Shared by bench scripts: start the production server on a throw-away SQLite database and
drive it with a closed-loop load generator on this machine (loopback only)."""

from __future__ import annotations

import base64
import http.client
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(ROOT / "src"),
            "DJANGO_SETTINGS_MODULE": "tongban.config.settings.base",
            "TONGBAN_VAR_DIR": str(var_dir),
            "TONGBAN_DEBUG": "0",
            "TONGBAN_SSL_REDIRECT": "0",
            "TONGBAN_SECURE_COOKIES": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "TONGBAN_DATA_KEYS": "b1:" + base64.b64encode(os.urandom(16)).decode(),
            "TONGBAN_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
            "TONGBAN_LOG_LEVEL": "WARNING",
        }
    )
    env.pop("DATABASE_URL", None)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [PY, str(ROOT / "manage.py"), *args], env=env, check=True, stdout=subprocess.DEVNULL
    )


@contextmanager
def production_server(
    workers: int = 2, prepare: tuple[tuple[str, ...], ...] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    var_dir = Path(tempfile.mkdtemp(prefix="tongban-bench-"))
    env = bench_env(var_dir)
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        for command in prepare:
            manage(env, *command)
        with serve(env, workers=workers) as (port, _pid):
            yield port, env
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


@contextmanager
def serve(env: dict[str, str], *, workers: int = 2) -> Iterator[tuple[int, int]]:
    """gunicorn on the database `env` points at (migrated, static files collected): its port and
    the master's process id (see `workers_cpu_seconds`)."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "tongban.config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=str(ROOT),
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/v1/ping")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("server did not start")
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def workers_cpu_seconds(master_pid: int) -> float:
    """CPU time used so far by a gunicorn master's worker processes (Linux /proc). Unlike
    latency it hardly moves when other work shares the machine."""
    total = 0
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    for pid in children:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:  # a worker restarting
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class LoadResult:
    path: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: float) -> float:
        data = sorted(self.latencies_ms)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, round(p / 100 * (len(data) - 1)))]

    def line(self, baseline: LoadResult | None = None) -> str:
        ratio = f"  {self.rps / baseline.rps:6.2f}× baseline rps" if baseline else ""
        return (
            f"{self.path:<40} {self.rps:8.1f} req/s  p50 {self.pct(50):6.2f} ms  "
            f"p99 {self.pct(99):6.2f} ms  errors {self.errors}{ratio}"
        )


def load(
    port: int,
    path: str | Callable[[], str],
    *,
    concurrency: int = 8,
    seconds: float = 8.0,
    warmup: float = 1.0,
    label: str = "",
) -> LoadResult:
    """Closed loop: each of `concurrency` threads sends the next request when the last answers.
    `path` may be a callable returning the path of each request (e.g. a random item's page),
    called before the clock starts for that request; `label` then names the result."""
    next_path = path if callable(path) else lambda: path
    stop_at = time.monotonic() + warmup + seconds
    measure_from = time.monotonic() + warmup
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"ok": 0, "err": 0}

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            target = next_path()
            start = time.monotonic()
            if start >= stop_at:
                break
            try:
                conn.request("GET", target, headers={"Accept-Language": "zh-hans"})
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
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
    name = label or (path if isinstance(path, str) else getattr(path, "__name__", "?"))
    return LoadResult(name, counts["ok"], counts["err"], seconds, latencies)


def median(values: list[float]) -> float:
    return statistics.median(values)


@contextmanager
def throwaway_database() -> Iterator[dict[str, str]]:
    """The environment of a migrated, throw-away SQLite database (production settings), for
    benchmarks that run Django in a child process rather than behind a server."""
    var_dir = Path(tempfile.mkdtemp(prefix="tongban-bench-"))
    env = bench_env(var_dir)
    # BENCH_DATABASE_URL=postgres://user@host:port/any-db runs the benchmark on a fresh PostgreSQL
    # database created beside that one and dropped afterwards.
    server_url = os.environ.get("BENCH_DATABASE_URL", "")
    database = f"tongban_bench_{secrets.token_hex(4)}" if server_url else ""
    if server_url:
        _postgres_admin(server_url, f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = server_url.rsplit("/", 1)[0] + "/" + database
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        yield env
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
        if server_url:
            _postgres_admin(server_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _postgres_admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)
