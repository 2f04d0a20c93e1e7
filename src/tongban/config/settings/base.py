"""Settings for every environment, read from the environment (STYLE.md rule 24).

The embedded default is SQLite in WAL mode under var/; DATABASE_URL switches to PostgreSQL.
Nothing here is production-only: production differs by environment variables alone.
"""

from pathlib import Path

import dj_database_url

from tongban.config.env import env_bool, env_int, env_list, env_str

SRC_DIR = Path(__file__).resolve().parents[3]
BASE_DIR = SRC_DIR.parent
VAR_DIR = Path(env_str("TONGBAN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("TONGBAN_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("TONGBAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("TONGBAN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "ninja",
    "tongban.audit",
    "tongban.core",
    "tongban.identity",
    "oauth2_provider",
    "tongban.identity.oidc",
    "tongban.catalog",
    "tongban.cases",
    "tongban.licenses",
    "tongban.feedback",
    "tongban.sharing",
    "tongban.search",
    "tongban.api",
    "tongban.portal",
    "tongban.workbench",
    "tongban.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tongban.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tongban.identity.middleware.UserSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tongban.core.middleware.DisplayPreferencesMiddleware",
    "tongban.audit.context.AuditContextMiddleware",
    "tongban.core.boundary.CalendarGapMiddleware",
]

ROOT_URLCONF = "tongban.config.urls"
WSGI_APPLICATION = "tongban.config.wsgi.application"
ASGI_APPLICATION = "tongban.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "tongban" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "tongban.core.context_processors.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tongban.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background tasks (django.tasks + django-tasks-db) -----------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Cache ------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Identity -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "tongban" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static files: served locally, never from a CDN (government intranets) -----------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [SRC_DIR / "tongban" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_USE_FINDERS = DEBUG

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("TONGBAN_SESSION_SECONDS", 8 * 3600)
SESSION_COOKIE_SECURE = env_bool("TONGBAN_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("TONGBAN_SECURE_COOKIES", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("TONGBAN_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("TONGBAN_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("TONGBAN_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("TONGBAN_HSTS_PRELOAD", not DEBUG)
if env_bool("TONGBAN_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Personal data at rest: keyring for SM4-GCM ("id:base64key,..."; the first key encrypts, all
# decrypt, so keys rotate without downtime) and the HMAC-SM3 key of the blind index.
TONGBAN_DATA_KEYS = env_str("TONGBAN_DATA_KEYS")
TONGBAN_BLIND_INDEX_KEY = env_str("TONGBAN_BLIND_INDEX_KEY")

# --- Platform -----------------------------------------------------------------------------------
TONGBAN_PLATFORM_NAME = env_str("TONGBAN_PLATFORM_NAME", "四川政务服务网")
TONGBAN_HOME_REGION = env_str("TONGBAN_HOME_REGION", "510000")
TONGBAN_PLATFORM_OWNER = env_str("TONGBAN_PLATFORM_OWNER", "四川省人民政府办公厅")
TONGBAN_SITE_CODE = env_str("TONGBAN_SITE_CODE", "5100000000")
# Behind nginx: how many proxies append to X-Forwarded-For (the audit log records the client IP).
TONGBAN_TRUSTED_PROXY_COUNT = env_int("TONGBAN_TRUSTED_PROXY_COUNT", 0)
# `demo load` includes the demo service catalog (about 17k implementation items) unless off.
TONGBAN_DEMO_CATALOG = env_bool("TONGBAN_DEMO_CATALOG", True)
TONGBAN_WORKER_STALE_SECONDS = env_int("TONGBAN_WORKER_STALE_SECONDS", 120)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("TONGBAN_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Integrations and sub-systems with their own settings modules (STYLE.md rule 24).
from tongban.config.settings.identity import *  # noqa: E402,F403
from tongban.config.settings.oidc import *  # noqa: E402,F403
from tongban.config.settings.services import *  # noqa: E402,F403
