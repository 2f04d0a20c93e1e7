"""Identity settings: password hashing, sign-in protection, SMS sender, base registries and
in-person verifiers (owned by identity). Star-imported at the end of base.py."""

from tongban.config.env import env_bool, env_int, env_list, env_str

# --- Passwords ------------------------------------------------------------------------------------
# Argon2id first: new passwords and every sign-in with an older hash (PBKDF2 from before) end up
# as Argon2id. Cost: m = 19 MiB, t = 2, p = 1 — the OWASP minimum for Argon2id. On this class of
# machine (2 cores, shared) one hash takes about 29 ms on one core, i.e. ~34 hashes/s per core,
# which leaves room for the rest of a sign-in above Keycloak's 15 password logins/s per vCPU
# while costing an attacker 19 MiB per guess. p = 1 because a sign-in is one request on one
# core: more lanes would not make the server faster under load. Raise the cost through the
# environment when the hardware allows; hashes upgrade on the next sign-in.
TONGBAN_ARGON2_TIME_COST = env_int("TONGBAN_ARGON2_TIME_COST", 2)
TONGBAN_ARGON2_MEMORY_KIB = env_int("TONGBAN_ARGON2_MEMORY_KIB", 19 * 1024)
TONGBAN_ARGON2_PARALLELISM = env_int("TONGBAN_ARGON2_PARALLELISM", 1)
PASSWORD_HASHERS = [
    "tongban.identity.hashers.TongbanArgon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Phone number, ID number or username, found through the blind indexes; refuses accounts that
# need a second factor (they sign in through /accounts/login/, never through bare authenticate()).
AUTHENTICATION_BACKENDS = ["tongban.identity.backends.IdentifierBackend"]

# --- Lockout and throttling (counted in the database: shared by every process) -----------------
TONGBAN_SIGNIN_MAX_FAILURES = env_int("TONGBAN_SIGNIN_MAX_FAILURES", 5)
TONGBAN_SIGNIN_FAILURE_WINDOW = env_int("TONGBAN_SIGNIN_FAILURE_WINDOW", 15 * 60)
TONGBAN_SIGNIN_LOCK_SECONDS = env_int("TONGBAN_SIGNIN_LOCK_SECONDS", 15 * 60)
TONGBAN_SIGNIN_IP_MAX_FAILURES = env_int("TONGBAN_SIGNIN_IP_MAX_FAILURES", 20)
TONGBAN_SIGNIN_IP_WINDOW = env_int("TONGBAN_SIGNIN_IP_WINDOW", 10 * 60)
# Between the password (or SMS code) and the second factor: how long the half-done sign-in waits.
TONGBAN_SIGNIN_PENDING_SECONDS = env_int("TONGBAN_SIGNIN_PENDING_SECONDS", 5 * 60)
# Staff sign in on shared window PCs: their session cookie ends when the browser closes (the
# server-side session still ends after SESSION_COOKIE_AGE). Citizens keep a cookie for
# SESSION_COOKIE_AGE on their own devices.
TONGBAN_STAFF_SESSION_AT_BROWSER_CLOSE = env_bool("TONGBAN_STAFF_SESSION_AT_BROWSER_CLOSE", True)
# Real-name and enterprise verification attempts per account per day.
TONGBAN_VERIFY_MAX_FAILURES_PER_DAY = env_int("TONGBAN_VERIFY_MAX_FAILURES_PER_DAY", 5)

# --- SMS one-time codes -----------------------------------------------------------------------------
# "console" (log), "file" (var/sms-outbox.log), "memory" (tests) or the dotted path of an
# SmsSender subclass. Empty: "console" when DEBUG, otherwise an ImproperlyConfigured error on
# first use (tongban/identity/sms.py).
TONGBAN_SMS_BACKEND = env_str("TONGBAN_SMS_BACKEND", "")
TONGBAN_SMS_OUTBOX = env_str("TONGBAN_SMS_OUTBOX", "")
TONGBAN_OTP_TTL_SECONDS = env_int("TONGBAN_OTP_TTL_SECONDS", 5 * 60)
TONGBAN_OTP_MAX_ATTEMPTS = env_int("TONGBAN_OTP_MAX_ATTEMPTS", 5)
TONGBAN_OTP_PHONE_INTERVAL_SECONDS = env_int("TONGBAN_OTP_PHONE_INTERVAL_SECONDS", 60)
TONGBAN_OTP_PHONE_PER_DAY = env_int("TONGBAN_OTP_PHONE_PER_DAY", 10)
TONGBAN_OTP_IP_PER_HOUR = env_int("TONGBAN_OTP_IP_PER_HOUR", 30)

# --- Base registries and in-person verification ------------------------------------------------
TONGBAN_PERSON_REGISTRY = env_str(
    "TONGBAN_PERSON_REGISTRY", "tongban.identity.registries.EmbeddedPersonRegistry"
)
TONGBAN_LEGAL_PERSON_REGISTRY = env_str(
    "TONGBAN_LEGAL_PERSON_REGISTRY", "tongban.identity.registries.EmbeddedLegalPersonRegistry"
)
TONGBAN_IN_PERSON_VERIFIERS = env_list(
    "TONGBAN_IN_PERSON_VERIFIERS", ["tongban.identity.verifiers.WindowIdCardVerifier"]
)
# The development face verifier approves everything: it must be switched on by name.
TONGBAN_ALLOW_DEVELOPMENT_VERIFIER = env_bool("TONGBAN_ALLOW_DEVELOPMENT_VERIFIER", False)
