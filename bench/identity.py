"""Identity benchmark: password sign-ins, refresh-token grants and userinfo calls per second,
each beside the bare JSON view (/api/v1/ping) measured in the same run, served by gunicorn with
production settings (Argon2id as configured in config/settings/identity.py, RS256 ID tokens
with an RSA 3072 key) against SQLite.

    ./dev.sh bench identity [--seconds 8] [--concurrency 4] [--workers 2]

- sign-in: the real form (POST /accounts/login/, username + password + CSRF) of a citizen
  account, each POST a new session (302 = signed in);
- refresh: grant_type=refresh_token by a confidential client (client_secret_basic); rotation on,
  so every thread walks its own chain, each response's refresh token feeding the next request;
  every response carries a new signed ID token;
- userinfo: GET /o/userinfo/ with a bearer access token (scopes openid profile tongban.realname).

Keycloak's published sizing is 15 password logins/s and 120 refresh-token grants/s per vCPU;
the figures here are for the whole machine (server, its SQLite and the load generator share the
cores), then divided by the number of cores.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import PY, ROOT, LoadResult, load, production_server

PHONE = "13800138000"
PASSWORD = "Bench-Passw0rd-2024"
CALLBACK = "https://rp.bench.example.cn/callback"
KEYCLOAK = {"sign-in": 15.0, "refresh": 120.0}


def _private_key_pem(kind: str) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=3072)
        if kind == "rsa"
        else ec.generate_private_key(ec.SECP256R1())
    )
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _django(env: dict[str, str], code: str) -> str:
    result = subprocess.run(
        [PY, str(ROOT / "manage.py"), "shell", "-c", code],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def prepare(env: dict[str, str]) -> dict[str, str]:
    """A citizen with a password (hashed by the production hasher) and a confidential client."""
    _django(
        env,
        "from django.utils import timezone\n"
        "from tongban.identity.models import User\n"
        f"u = User(username='bench-citizen', real_name='张三', kind='citizen')\n"
        f"u.phone = '{PHONE}'\n"
        "u.id_number = '11010519491231002X'\n"
        "u.assurance_level = 2\n"
        "u.phone_verified_at = timezone.now()\n"
        f"u.set_password('{PASSWORD}')\n"
        "u.save()\n",
    )
    out = subprocess.run(
        [
            PY,
            str(ROOT / "manage.py"),
            "oidc",
            "client",
            "create",
            "--name",
            "压测平台",
            "--redirect-uri",
            CALLBACK,
            "--scopes",
            "openid",
            "profile",
            "tongban.realname",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


# --- A minimal browser over http.client ---------------------------------------------------------


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("radio", "checkbox"):
            self.fields[a["name"] or ""] = a.get("value") or ""


class Browser:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, str] | None = None,
        headers: dict | None = None,
    ) -> http.client.HTTPResponse:
        all_headers = {"Accept-Language": "zh-hans", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, data, all_headers)
            response = self.conn.getresponse()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.conn.request(method, path, data, all_headers)
            response = self.conn.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response


def sign_in_form(browser: Browser) -> dict[str, str]:
    """The login form's fields (CSRF token included), for POSTing again and again."""
    page = browser.request("GET", "/accounts/login/")
    parser = _Inputs()
    parser.feed(page.body.decode())  # type: ignore[attr-defined]
    return {**parser.fields, "username": PHONE, "password": PASSWORD}


def issue_tokens(port: int, client: dict[str, str]) -> dict[str, str]:
    """One full authorization code flow with PKCE (sign-in form, consent, token exchange)."""
    browser = Browser(port)
    form = sign_in_form(browser)
    signed = browser.request("POST", "/accounts/login/", form, {"Referer": "http://127.0.0.1/"})
    assert signed.status == 302, signed.status
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client["client_id"],
            "redirect_uri": CALLBACK,
            "scope": "openid profile tongban.realname",
            "state": "s",
            "nonce": "n",
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
    )
    page = browser.request("GET", f"/o/authorize/?{query}")
    if page.status == 200:  # consent screen (the first time only)
        parser = _Inputs()
        parser.feed(page.body.decode())  # type: ignore[attr-defined]
        page = browser.request("POST", "/o/authorize/", {**parser.fields, "allow": "1"})
    assert page.status == 302, page.status
    code = parse_qs(urlsplit(page.getheader("Location")).query)["code"][0]
    return token_request(
        port,
        client,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
    )


def _basic(client: dict[str, str]) -> str:
    raw = f"{client['client_id']}:{client['client_secret']}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def token_request(port: int, client: dict[str, str], body: dict[str, str]) -> dict[str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        "/o/token/",
        urlencode(body),
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": _basic(client)},
    )
    response = conn.getresponse()
    data = json.loads(response.read())
    conn.close()
    assert response.status == 200, data
    return data


# --- Closed-loop load with per-thread state -------------------------------------------------------


def closed_loop(
    name: str,
    make_worker: Callable[[int], Callable[[], bool]],
    *,
    concurrency: int,
    seconds: float,
    warmup: float = 1.0,
) -> LoadResult:
    """Like _server.load, for requests that are not plain GETs: `make_worker(i)` returns the
    callable thread i runs in a loop (True = success)."""
    workers = [make_worker(i) for i in range(concurrency)]
    start = time.monotonic()
    measure_from, stop_at = start + warmup, start + warmup + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"ok": 0, "err": 0}

    def run(work: Callable[[], bool]) -> None:
        while True:
            t0 = time.monotonic()
            if t0 >= stop_at:
                return
            try:
                ok = work()
            except (OSError, AssertionError, KeyError, ValueError, http.client.HTTPException):
                ok = False
            t1 = time.monotonic()
            if t0 >= measure_from:
                with lock:
                    latencies.append((t1 - t0) * 1000)
                    counts["ok" if ok else "err"] += 1

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return LoadResult(name, counts["ok"], counts["err"], seconds, latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    cores = os.cpu_count() or 1

    os.environ["TONGBAN_OIDC_RSA_PRIVATE_KEY"] = _private_key_pem("rsa")
    os.environ["TONGBAN_OIDC_EC_PRIVATE_KEY"] = _private_key_pem("ec")
    os.environ.setdefault("TONGBAN_SECURE_COOKIES", "0")

    with production_server(workers=args.workers) as (port, env):
        client = prepare(env)
        print(
            f"gunicorn, {args.workers} sync workers, SQLite, production settings; "
            f"{args.concurrency} client threads, {args.seconds:.0f} s per figure; {cores} cores"
        )

        def sign_in_worker(_i: int) -> Callable[[], bool]:
            browser = Browser(port)
            form = sign_in_form(browser)
            csrf_cookie = {"csrftoken": browser.cookies["csrftoken"]}

            def work() -> bool:
                browser.cookies = dict(csrf_cookie)  # every POST starts a new session
                response = browser.request(
                    "POST", "/accounts/login/", form, {"Referer": "http://127.0.0.1/"}
                )
                return response.status == 302 and "sessionid" in browser.cookies

            return work

        chains = [issue_tokens(port, client) for _ in range(args.concurrency)]

        def refresh_worker(i: int) -> Callable[[], bool]:
            state = {"token": chains[i]["refresh_token"]}

            def work() -> bool:
                data = token_request(
                    port, client, {"grant_type": "refresh_token", "refresh_token": state["token"]}
                )
                state["token"] = data["refresh_token"]
                return bool(data.get("id_token"))

            return work

        access = issue_tokens(port, client)["access_token"]

        def userinfo_worker(_i: int) -> Callable[[], bool]:
            conn = {"c": http.client.HTTPConnection("127.0.0.1", port, timeout=30)}

            def work() -> bool:
                try:
                    conn["c"].request(
                        "GET", "/o/userinfo/", headers={"Authorization": f"Bearer {access}"}
                    )
                    response = conn["c"].getresponse()
                except (OSError, http.client.HTTPException):
                    conn["c"].close()
                    conn["c"] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    raise
                body = response.read()
                return response.status == 200 and b'"sub"' in body

            return work

        results: dict[str, LoadResult] = {}
        runs = [
            ("sign-in", "POST /accounts/login/ (Argon2id)", sign_in_worker),
            ("refresh", "POST /o/token/ refresh_token", refresh_worker),
            ("userinfo", "GET /o/userinfo/", userinfo_worker),
        ]
        for key, label, factory in runs:
            baseline = load(
                port, "/api/v1/ping", concurrency=args.concurrency, seconds=args.seconds
            )
            print(baseline.line())
            result = closed_loop(label, factory, concurrency=args.concurrency, seconds=args.seconds)
            results[key] = result
            print(result.line(baseline))

        argon = re.search(
            r"argon2\$argon2id\$v=19\$(m=\d+,t=\d+,p=\d+)",
            _django(
                env,
                "from tongban.identity.models import User\n"
                "print(User.objects.get(username='bench-citizen').password)",
            ),
        )
        print()
        print(f"Argon2id parameters in use: {argon.group(1) if argon else '?'}")
        print(f"{'':<12}{'whole machine':>16}{'per core':>12}{'Keycloak/vCPU':>16}{'ratio':>8}")
        for key in ("sign-in", "refresh", "userinfo"):
            rps = results[key].rps
            per_core = rps / cores
            target = KEYCLOAK.get(key)
            ratio = f"{per_core / target:6.1f}×" if target else "     —"
            print(
                f"{key:<12}{rps:>12.1f} /s{per_core:>9.1f} /s"
                f"{(f'{target:.0f} /s' if target else '—'):>16}{ratio:>8}"
            )


if __name__ == "__main__":
    main()
