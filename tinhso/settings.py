"""Django settings for Tỉnh số. Everything comes from the environment, with safe demo defaults."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from tinhso.config import Env
from tinhso.core.production import SANDBOX_HASH_SECRET, SANDBOX_PATH

env = Env()
BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.text("TINHSO_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database, job queue and files live here

INSECURE_SECRET_KEY = "tinhso-demo-only-secret-key-not-for-production"
TINHSO_ENV = env.choice("TINHSO_ENV", "development", ("development", "test", "production"))
SECRET_KEY = env.text("SECRET_KEY", INSECURE_SECRET_KEY)
DEBUG = env.flag("DEBUG", TINHSO_ENV == "development")
ALLOWED_HOSTS = env.items("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.items("CSRF_TRUSTED_ORIGINS", [])
# Demo mode creates the demo accounts (password demo1234); production refuses to start with it.
TINHSO_DEMO = env.flag("TINHSO_DEMO", False)

# The province this deployment serves: its code on the national portal (Hnn) and its statistical code.
TINHSO_PROVINCE = env.text("TINHSO_PROVINCE", "H12")
KNOWN_PROVINCE_CODES = {"H12": "96", "H26": "01", "H27": "42", "H57": "46"}
TINHSO_PROVINCE_GSO_CODE = env.text("TINHSO_PROVINCE_GSO_CODE", KNOWN_PROVINCE_CODES.get(TINHSO_PROVINCE, ""))
if not TINHSO_PROVINCE_GSO_CODE:
    raise ImproperlyConfigured(
        f"TINHSO_PROVINCE={TINHSO_PROVINCE!r} has no known statistical code: "
        "set TINHSO_PROVINCE_GSO_CODE too (for example 96 for Cà Mau)."
    )
TINHSO_OFFICE_HOURS = env.office_hours("TINHSO_OFFICE_HOURS", "07:30-11:30,13:30-17:00")
TINHSO_POPULATION_REGISTRY = env.text(
    "TINHSO_POPULATION_REGISTRY", "tinhso.core.population.LocalPopulationRegistry"
)
# Event-log checkpoints: taken this often (what a checkpoint does not cover yet is at most this old), MAC'd
# with a key the database does not hold (generated into var/ when unset, except in production), and the
# newest one's digest kept in a file outside the database too.
TINHSO_CHECKPOINT_MINUTES = env.number("TINHSO_CHECKPOINT_MINUTES", 5, minimum=1)
TINHSO_LOG_KEY = env.text("TINHSO_LOG_KEY", "")
TINHSO_LOG_ANCHOR = Path(env.text("TINHSO_LOG_ANCHOR", str(VAR_DIR / "log-anchor.json")))
TINHSO_API_TOKEN_HOURS = env.number("TINHSO_API_TOKEN_HOURS", 12, minimum=1)
# Maps draw the platform's own data; a deployment with its own tile server adds it underneath ({z}/{x}/{y}).
TINHSO_TILE_URL = env.text("TINHSO_TILE_URL", "")
# Payments (tinhso.payments). Outside production the defaults point at the local sandbox gateway, which plays
# VNPay's side with this secret; production refuses them (tinhso.core.production).
SANDBOX_GATEWAY_URL = "http://127.0.0.1:8000" + SANDBOX_PATH
TINHSO_VNPAY_URL = env.text("TINHSO_VNPAY_URL", SANDBOX_GATEWAY_URL).rstrip("/")
TINHSO_VNPAY_TMN_CODE = env.text("TINHSO_VNPAY_TMN_CODE", "TINHSO01")
TINHSO_VNPAY_HASH_SECRET = env.text("TINHSO_VNPAY_HASH_SECRET", SANDBOX_HASH_SECRET)
TINHSO_DVCQG_PAY_URL = env.text("TINHSO_DVCQG_PAY_URL", SANDBOX_GATEWAY_URL + "/dvcqg").rstrip("/")
TINHSO_DVCQG_PARTNER_CODE = env.text("TINHSO_DVCQG_PARTNER_CODE", "H12")
TINHSO_DVCQG_HASH_KEY = env.text("TINHSO_DVCQG_HASH_KEY", SANDBOX_HASH_SECRET)
TINHSO_VIETQR_BANK_BIN = env.text("TINHSO_VIETQR_BANK_BIN", "970405")  # Agribank
TINHSO_VIETQR_ACCOUNT = env.text("TINHSO_VIETQR_ACCOUNT", "7600201009999")
TINHSO_VIETQR_ACCOUNT_NAME = env.text("TINHSO_VIETQR_ACCOUNT_NAME", "VAN PHONG UBND TINH")
TINHSO_PAYMENT_ORDER_HOURS = env.number("TINHSO_PAYMENT_ORDER_HOURS", 72, minimum=1)
# Where the providers' daily transaction files and the bank's statements are dropped, one folder per day.
TINHSO_RECONCILIATION_INBOX = env.text("TINHSO_RECONCILIATION_INBOX", str(VAR_DIR / "reconciliation"))
TINHSO_TILE_ATTRIBUTION = env.text("TINHSO_TILE_ATTRIBUTION", "")

# Where the platform is reached from outside: the QR codes of signed documents open its verification page.
TINHSO_PUBLIC_URL = env.text("TINHSO_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Signing (tinhso.signing.profiles). The defaults are the demo CA that `tinhso signing init-demo-ca` writes
# and the timestamp authority the platform serves itself outside production; production names its own key
# (PKCS#12, PEM or a PKCS#11 token), a licensed TSA and the national trust roots.
TINHSO_SIGNING_DEMO_DIR = Path(env.text("TINHSO_SIGNING_DEMO_DIR", str(VAR_DIR / "signing")))
TINHSO_SIGNING_PROFILES = {
    "default": {
        "kind": env.choice("TINHSO_SIGNING_KIND", "pkcs12", ("pkcs12", "pem", "pkcs11")),
        "key": env.text("TINHSO_SIGNING_KEY", str(TINHSO_SIGNING_DEMO_DIR / "signer.p12")),
        "cert": env.text("TINHSO_SIGNING_CERT", ""),
        "passphrase": env.text("TINHSO_SIGNING_PASSPHRASE", "demo-signing"),
        "chain": tuple(env.items("TINHSO_SIGNING_CHAIN", [])),
        "tsa_url": env.text("TINHSO_SIGNING_TSA_URL", f"{TINHSO_PUBLIC_URL}/ky-so/tsa"),
        "pkcs11_token": env.text("TINHSO_SIGNING_PKCS11_TOKEN", ""),
        "pkcs11_key_label": env.text("TINHSO_SIGNING_PKCS11_KEY_LABEL", ""),
    }
}
TINHSO_SIGNING_TRUST_ROOTS = env.items(
    "TINHSO_SIGNING_TRUST_ROOTS", [str(TINHSO_SIGNING_DEMO_DIR / "root.crt")]
)
TINHSO_SIGNING_CRLS = env.items("TINHSO_SIGNING_CRLS", [str(TINHSO_SIGNING_DEMO_DIR / "root.crl")])
TINHSO_SIGNING_FETCH_REVOCATION = env.flag("TINHSO_SIGNING_FETCH_REVOCATION", TINHSO_ENV == "production")
# The demo's timestamp authority and CRL at /ky-so/: never served in production.
TINHSO_SIGNING_LOCAL_TSA = TINHSO_ENV != "production"
# Electronic receipts (tinhso.receipts): who issues them (the platform, or a licensed provider's adapter
# implementing tinhso.receipts.issuers.ReceiptIssuer) and the collecting units' tax code.
TINHSO_RECEIPT_ISSUER = env.text("TINHSO_RECEIPT_ISSUER", "tinhso.receipts.issuers.PlatformIssuer")
TINHSO_RECEIPT_TAX_CODE = env.text("TINHSO_RECEIPT_TAX_CODE", "2000000000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "tinhso.core",
    "tinhso.web",
    "tinhso.notifications",
    "tinhso.fieldreports",
    "tinhso.catalog",
    "tinhso.dossiers",
    "tinhso.ioc",
    "tinhso.reporting",
    "oauth2_provider",
    "tinhso.integration",
    "tinhso.generator",
    "tinhso.payments",
    # After the generator: its demo publishes the platform's own datasets from the generated history.
    "tinhso.opendata",
    "tinhso.signing",
    "tinhso.receipts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tinhso.core.routers.replica_pages",
    "tinhso.integration.exchange.ExchangeLogMiddleware",
    "tinhso.web.machine_edge.MachineEdge",
    "tinhso.web.pages.security_headers",
    "tinhso.payments.middleware.gateway_callbacks",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "tinhso.web.middleware.refuse_nul_characters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tinhso.core.middleware.SessionDevice",
    "tinhso.ioc.middleware.kept_dashboard",
    "tinhso.core.middleware.second_factor_gate",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tinhso.web.pages.PageErrors",
]

ROOT_URLCONF = "tinhso.urls"
WSGI_APPLICATION = "tinhso.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tinhso.web.context_processors.platform",
                "tinhso.notifications.context_processors.unread_notifications",
            ],
            # Dates, money and numbers written one way everywhere (tinhso.core.formats).
            "builtins": ["tinhso.web.templatetags.formats", "tinhso.web.templatetags.links"],
        },
    },
]

DATABASE_URL = env.text("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tinhso.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL={DATABASE_URL!r} is not a database URL: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work beside the writer; IMMEDIATE takes the write lock up front, so two
        # writers queue instead of failing half-way with "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": env.text("TINHSO_TEST_SQLITE", "") or None}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.flag(
    "TINHSO_DB_PREPARED", True
):
    # Server-side parameters let psycopg prepare a statement a connection runs repeatedly: PostgreSQL then
    # skips planning it, most of an IOC counter query's cost (docs/benchmarks.md). Off behind a pooler that
    # hands one connection to many clients per transaction (PgBouncer's transaction mode).
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}
if TINHSO_ENV == "test":
    # A live-server thread closes its connection after each request: a keep-alive client (ckanapi, sdmx1, a
    # browser) would otherwise keep it open until the test database is dropped under it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The queue's covering indexes name columns only PostgreSQL keeps in the index; SQLite's plain index serves alike.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
# A streaming replica of the primary (issue 25; tinhso.core.routers): the operations centre, exports, open data,
# SDMX and verify-log read there; writes, and a browser's reads just after its write, go to the primary.
DATABASE_REPLICA_URL = env.text("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True
    )
    DATABASES["replica"]["OPTIONS"] = DATABASES["default"].get("OPTIONS", {})
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests that use the real replica point it there
    DATABASE_ROUTERS = ["tinhso.core.routers.ReplicaRouter"]
TINHSO_REPLICA_PATHS = (
    "/dieu-hanh/",
    "/api/v1/ioc/",
    "/du-lieu-mo/",
    "/api/3/action/",
    "/api/action/",
    "/sdmx/",
)
TINHSO_READ_OWN_WRITES_SECONDS = env.number("TINHSO_READ_OWN_WRITES_SECONDS", 10, minimum=1)

# Per process. "pages" keeps rendered IOC dashboards (100–200 KB each) that leaders watching the same view
# share: at most 100 of them a process, whatever views are asked for.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": 100},
    },
    # Kept public report pages, one per report read: apart, so readers browsing many reports never push the
    # operations centre's renders out of "pages".
    "report_pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "report_pages",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}

REDIS_URL = env.text("REDIS_URL", "")
# Shared by every worker process: counts of sign-in attempts and anonymous filings (tinhso.core.throttle).
# Redis at scale; a folder of this machine for the demo; each test process its own memory.
if REDIS_URL:
    _shared = ("tinhso.core.rediscache.RedisCache", REDIS_URL)  # Django's, a client per pool kept
elif TINHSO_ENV == "test":
    _shared = ("django.core.cache.backends.locmem.LocMemCache", "shared")
else:
    _shared = ("django.core.cache.backends.filebased.FileBasedCache", str(VAR_DIR / "shared-cache"))
CACHES["shared"] = {"BACKEND": _shared[0], "LOCATION": _shared[1], "KEY_PREFIX": "tinhso"}
if REDIS_URL:
    # The IOC's kept renders and map points, shared by every web machine: one render per rollup state
    # (their keys name it) for the whole province instead of one per process.
    CACHES["pages"] = {"BACKEND": _shared[0], "LOCATION": REDIS_URL, "KEY_PREFIX": "tinhso-pages"}
    CACHES["report_pages"] = {
        "BACKEND": _shared[0],
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "tinhso-report-pages",
    }
# The header the reverse proxy sets to the client's address (e.g. X-Real-IP); empty: REMOTE_ADDR.
TINHSO_CLIENT_IP_HEADER = env.text("TINHSO_CLIENT_IP_HEADER", "")
HUEY = {
    "name": "tinhso",
    "immediate": env.flag("TINHSO_JOBS_IMMEDIATE", False),
    "consumer": {"workers": env.number("TINHSO_JOB_WORKERS", 2, minimum=1), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY |= {"huey_class": "huey.RedisHuey", "url": REDIS_URL}
else:
    HUEY |= {"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "jobs.sqlite3")}

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["tinhso.core.auth.UsernameOrCitizenIdBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Administrators and leaders must pass a TOTP second factor (tinhso.core.second_factor); any official may.
TINHSO_REQUIRE_SECOND_FACTOR = env.flag("TINHSO_REQUIRE_SECOND_FACTOR", True)
OTP_TOTP_ISSUER = "Tỉnh số"
LOGIN_URL = "core:citizen-login"
LOGIN_REDIRECT_URL = "web:start"  # each role's own start page (tinhso.web.navigation)
LOGOUT_REDIRECT_URL = "web:home"

# Django's database sessions, read by one statement written once (tinhso.core.sessions).
SESSION_ENGINE = "tinhso.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "tinhso.web.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if TINHSO_ENV == "production":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env.number("SECURE_HSTS_SECONDS", 31536000)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The integration platform: OAuth 2.0 client credentials with short-lived tokens whose scopes are the
# partner's grants (tinhso.integration.oauth); the national portal's adapter and where it is.
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.number("TINHSO_PARTNER_TOKEN_SECONDS", 300, minimum=30),
    "SCOPES_BACKEND_CLASS": "tinhso.integration.oauth.GrantedScopes",
    "OAUTH2_VALIDATOR_CLASS": "tinhso.integration.oauth.PartnerValidator",
}
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"  # named, so migrations can refer to it
TINHSO_PORTAL_ADAPTER = env.text("TINHSO_PORTAL_ADAPTER", "tinhso.integration.portal.DvcqgAdapter")
# Empty: the local fake of the national portal served by the platform itself (demo, tests).
TINHSO_PORTAL_URL = env.text("TINHSO_PORTAL_URL", "")
TINHSO_PORTAL_USERNAME = env.text("TINHSO_PORTAL_USERNAME", "tinhso")
TINHSO_PORTAL_PASSWORD = env.text(
    "TINHSO_PORTAL_PASSWORD", "" if TINHSO_ENV == "production" else "demo-portal"
)
TINHSO_PORTAL_UNIT = env.text("TINHSO_PORTAL_UNIT", "000.00.00.H12")
TINHSO_PORTAL_TIMEOUT_SECONDS = env.number("TINHSO_PORTAL_TIMEOUT_SECONDS", 10, minimum=1)
# The local fakes of the national portal and of a partner's webhook receiver, under /gia-lap/ (demo, trials).
TINHSO_FAKES = env.flag("TINHSO_FAKES", TINHSO_ENV != "production")
TINHSO_WEBHOOK_TIMEOUT_SECONDS = env.number("TINHSO_WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
# Exchange-log entries older than this are removed by the daily job (the chain stays verifiable from a signed
# digest); 2 years by default, the storage time Decree 53/2022 sets for data kept under the Cybersecurity Law.
TINHSO_EXCHANGE_LOG_RETENTION_DAYS = env.number("TINHSO_EXCHANGE_LOG_RETENTION_DAYS", 730, minimum=1)

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "tinhso" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.text("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.text("MEDIA_ROOT", str(VAR_DIR / "media")))
# Dossier documents, results and photo originals: outside MEDIA_ROOT, answered only by views that check the
# caller (empty: "private-media" beside MEDIA_ROOT).
PRIVATE_MEDIA_ROOT = env.text("PRIVATE_MEDIA_ROOT", "")
# Public media (field-report photos, stripped of their metadata) live under these folders of MEDIA_ROOT. The
# platform serves them itself outside production (the demo runs with DEBUG off); in production the web
# server in front serves them, and every other file only through the views that check the caller.
PUBLIC_MEDIA_FOLDERS = ("fieldreports",)
TINHSO_SERVE_PUBLIC_MEDIA = env.flag("TINHSO_SERVE_PUBLIC_MEDIA", TINHSO_ENV != "production")
# Static files straight from the apps' folders outside production, so the demo needs no collectstatic.
WHITENOISE_USE_FINDERS = TINHSO_ENV != "production"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "tinhso.core.files.PrivateFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if TINHSO_ENV == "production"
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
    # fontTools reports every glyph subset it makes for a signature stamp at INFO; pyHanko warns on every
    # signature that it may not fetch revocation data, which the signing profile hands it on purpose.
    "loggers": {
        "fontTools": {"level": "WARNING"},
        "pyhanko.sign.signers.pdf_signer": {"level": "ERROR"},
    },
}

# Messages beyond the inbox (tinhso.notifications.channels). E-mail through SMTP when EMAIL_HOST is set, else
# printed to the console; SMS, Zalo and web push only when their gateway is configured.
TINHSO_SITE_URL = env.text("TINHSO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")  # links in messages
EMAIL_HOST = env.text("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env.number("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env.text("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.text("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.flag("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env.flag("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.number("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", "Tỉnh số <thongbao@tinhso.example>")
TINHSO_MAIL_DOMAIN = DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">") or "tinhso.example"
TINHSO_GATEWAY_TIMEOUT = env.number("TINHSO_GATEWAY_TIMEOUT", 10, minimum=1)
TINHSO_SMS_GATEWAY = env.choice("TINHSO_SMS_GATEWAY", "", ("", "viettel", "json"))
TINHSO_SMS_URL = env.text("TINHSO_SMS_URL", "")
TINHSO_SMS_USER = env.text("TINHSO_SMS_USER", "")
TINHSO_SMS_PASSWORD = env.text("TINHSO_SMS_PASSWORD", "")
TINHSO_SMS_CPCODE = env.text("TINHSO_SMS_CPCODE", "")
TINHSO_SMS_BRANDNAME = env.text("TINHSO_SMS_BRANDNAME", "TINHSO")
TINHSO_ZALO_URL = env.text("TINHSO_ZALO_URL", "https://business.openapi.zalo.me/message/template")
TINHSO_ZALO_ACCESS_TOKEN = env.text("TINHSO_ZALO_ACCESS_TOKEN", "")
# Approved ZNS templates: "dossier.accepted=231001,*=231000" (* for every other message).
TINHSO_ZALO_TEMPLATES = dict(
    item.split("=", 1) for item in env.items("TINHSO_ZALO_TEMPLATES", []) if "=" in item
)
TINHSO_VAPID_PRIVATE_KEY = env.text("TINHSO_VAPID_PRIVATE_KEY", "")  # base64url, as `vapid --gen` writes
TINHSO_VAPID_PUBLIC_KEY = env.text("TINHSO_VAPID_PUBLIC_KEY", "")  # the application server key browsers get
TINHSO_VAPID_SUBJECT = env.text("TINHSO_VAPID_SUBJECT", "mailto:thongbao@tinhso.example")
# Messages a channel's gateway takes per minute, so a rule that finds many people does not flood it.
TINHSO_SEND_RATES = {
    channel: env.number(f"TINHSO_SEND_RATE_{channel.upper()}", default, minimum=1)
    for channel, default in (("email", 600), ("sms", 300), ("zalo", 300), ("push", 1200))
}

if TINHSO_ENV == "production":
    from tinhso.core.production import insecure_settings

    _problems = insecure_settings(globals())
    if _problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(_problems))
