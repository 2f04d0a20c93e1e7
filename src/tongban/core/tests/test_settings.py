"""Production mode is chosen by the environment alone (README 'Production')."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def _pem(kind: str) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if kind == "rsa"
        else ec.generate_private_key(ec.SECP256R1())
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


# Production needs OIDC signing keys like every other secret (oidc.W001/W002 otherwise).
OIDC_KEYS = {"TONGBAN_OIDC_RSA_PRIVATE_KEY": _pem("rsa"), "TONGBAN_OIDC_EC_PRIVATE_KEY": _pem("ec")}


def _manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TONGBAN_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT / "src"),
            "DJANGO_SETTINGS_MODULE": "tongban.config.settings.base",
            "DJANGO_SECRET_KEY": "p" * 20 + "roduction-like-secret-key-with-enough-entropy-XyZ123",
            "TONGBAN_DATA_KEYS": "p1:MTIzNDU2Nzg5MGFiY2RlZg==",
            "TONGBAN_BLIND_INDEX_KEY": "dGVzdC1ibGluZC1pbmRleC1rZXktMzJieXRlcyEhISE=",
            "DATABASE_URL": "sqlite:///:memory:",
            **OIDC_KEYS,
        }
    )
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_deploy_check_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_is_off_unless_set():
    result = _manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_missing_secret_is_a_clear_startup_error():
    result = _manage("check", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_database_url_switches_to_postgresql():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])",
        DATABASE_URL="postgres://tongban:secret@db.internal:5432/tongban",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "django.db.backends.postgresql"
