"""Test settings: only what makes tests fast and deterministic (STYLE.md rule 24)."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
# Fixed test keys: 16-byte SM4 keys, base64. Never used outside the test suite.
os.environ.setdefault(
    "TONGBAN_DATA_KEYS", "k2:MTIzNDU2Nzg5MGFiY2RlZg==,k1:ZmVkY2JhMDk4NzY1NDMyMQ=="
)
os.environ.setdefault("TONGBAN_BLIND_INDEX_KEY", "dGVzdC1ibGluZC1pbmRleC1rZXktMzJieXRlcyEhISE=")
os.environ.setdefault("TONGBAN_DEBUG", "0")
os.environ.setdefault("TONGBAN_SSL_REDIRECT", "0")

from tongban.config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The foundation demo tests need no 17k-item catalog; catalog demo tests switch it on for two counties.
TONGBAN_DEMO_CATALOG = False
