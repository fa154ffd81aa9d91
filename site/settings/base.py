"""Settings shared by every environment; dev, production and test refine them."""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

# The repository root: site/settings/base.py -> site/ -> root. Templates and the SQLite file live
# there because the site runs from a checkout; only the add-on is meant to be installed elsewhere.
BASE_DIR = Path(os.environ.get("LIANZHENG_BASE_DIR", Path(__file__).resolve().parents[2]))
PROJECT_DIR = Path(__file__).resolve().parents[1]

INSTALLED_APPS = [
    "home",
    "lianzheng",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.api.v2",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "simple_history",
    "rest_framework",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # First: a database fault anywhere below (sign-in, page editor…) becomes our fault page.
    "lianzheng.views.faults.DatabaseFaultPageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "lianzheng.signin.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lianzheng.signin.sessions.IdleSessionMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "lianzheng.signin.middleware.SecondFactorMiddleware",
    # After messages and sign-in: a background generation that finished is announced.
    "lianzheng.views.jobs.JobNoticeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "lianzheng.api.middleware.ApiCallLogMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: it turns a lockout noted during sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lianzheng_site.urls"
WSGI_APPLICATION = "lianzheng_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# SQLite next to the checkout unless DATABASE_URL names another database (PostgreSQL in
# production). Every request runs in one transaction so a failing view leaves nothing half-saved.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the planner costs the listing's searches and the dashboard's overdue
    # count above jit_above_cost, and compiling them took 100-250 ms of a 50 ms scan at
    # 100,000 cases (bench/bench_load.py). Short queries like ours never repay it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default holds an office (issue 18): many people at once, each request one
    # transaction. SQLite's default "deferred" transaction reads under a shared lock and asks for
    # the write lock only at its first write; when another request is already writing, SQLite
    # cannot wait there without deadlocking, so it fails at once with "database is locked" and
    # the busy timeout never applies. IMMEDIATE takes the write lock at BEGIN, where waiting is
    # safe: requests that write queue up for up to `timeout` seconds (the busy timeout) instead
    # of failing. WAL lets reads outside a transaction go on beside the one writer, and
    # synchronous=NORMAL is WAL's durable-enough setting (a power cut can lose the last commit,
    # never corrupt the file). On an in-memory database WAL is a no-op.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sign-in security (README.md, "Sign-in security"). Passwords: at least 12 characters, not a
# common or all-digit one, not like the user's name, and three of the four kinds of character
# (等保 2.0 asks for complexity). The admin's forms check them; code that sets a password does not.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "lianzheng.signin.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "lianzheng.signin.passwords.CharacterClassValidator",
        "OPTIONS": {"min_classes": 3},
    },
]

# django-axes counts failed sign-ins per login name *and* client address: five in a row lock
# that pair for 15 minutes (each further try restarts the wait), so a guesser elsewhere cannot
# lock a leader out of his own office, and a whole office behind one NAT address is not locked
# for one person's typos. A successful sign-in clears the count. Unlock early with
# `manage.py axes_reset_username LOGIN` (or `axes_reset` for everyone).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Every failure is kept: axes would delete a login name's oldest failures past this many, and in
# production the application's role may not delete from the log (`lianzheng_audit grants`).
AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT = 10**12
AXES_LOCKOUT_CALLABLE = "lianzheng.signin.lockout.lockout_response"
# The client's address: REMOTE_ADDR, unless TRUSTED_PROXY_COUNT says how many proxies of ours
# stand in front (then the address the outermost of them saw, from X-Forwarded-For).
AXES_CLIENT_IP_CALLABLE = "lianzheng.signin.clientip.client_ip"
LIANZHENG_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Sessions end after SESSION_IDLE_MINUTES without a request (lianzheng/signin/sessions.py
# renews a signed-in session as its person works) and when the browser closes, unless
# "remember me" was ticked at sign-in.
SESSION_COOKIE_AGE = 60 * int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Two-factor sign-in (django-otp, TOTP apps with backup codes): anyone may enrol from the
# admin's account page; the roles listed here must (production lists the leaders and the
# discipline officer; development and the demo leave it optional).
LIANZHENG_2FA_REQUIRED_ROLES: tuple[str, ...] = ()
OTP_TOTP_ISSUER = "廉政约谈"
LIANZHENG_2FA_BACKUP_CODES = 10

# Content-Security-Policy (django-csp) for every page. Nothing is loaded from another site.
# The admin needs more than the public pages; see lianzheng/signin/csp.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        # Wagtail's live preview shows the page in a same-origin frame.
        "frame-ancestors": ["'self'"],
    }
}
# Added to the policy for the admin's pages only (lianzheng/signin/csp.py).
LIANZHENG_ADMIN_CSP_ALLOWANCES = {
    # Wagtail 7.4 starts its date and time pickers, choosers (of people, pages, …) and inline
    # panels with small inline <script> elements written into the page (e.g.
    # wagtailadmin/widgets/date_input.html, wagtail/admin/widgets/chooser.py), which a policy
    # without 'unsafe-inline' blocks: the transition forms and the page editor would not work.
    "script-src": ["'unsafe-inline'"],
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# The bureau works in Beijing time and the rules judge dates in it: no account offers a choice
# among the world's ~600 zones (which read 「America/Argentina/…」 in a Chinese screen, #17).
WAGTAIL_USER_TIME_ZONES = [TIME_ZONE]

STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")

# Media goes wherever MEDIA_STORAGE_BACKEND says (any Django storage class, e.g. an S3 backend
# with its options as JSON in MEDIA_STORAGE_OPTIONS); the local file system by default.
STORAGES = {
    "default": {
        "BACKEND": os.environ.get(
            "MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": json.loads(os.environ.get("MEDIA_STORAGE_OPTIONS", "{}")),
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

WAGTAIL_SITE_NAME = _("Integrity talks")
# The admin asks no outside server for Wagtail's release news: nothing leaves the bureau.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Nor does it show Gravatar pictures: for anyone with an email address the admin asked
# www.gravatar.com for an image named by a hash of that address (which the CSP then blocked).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# Wagtail's database search backend (SQLite FTS5 / PostgreSQL full text) asked in character
# pairs, which the pages' and the cases' index fields write: Chinese has no spaces between words
# (lianzheng.search; README, search). For Elasticsearch/OpenSearch see README.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "lianzheng.search.backend"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "odt", "ods", "txt", "jpg", "png"]

# django-simple-history: reasons are free text (the default is 100 characters), and history keeps
# the user as a plain id so that deleting a user never rewrites a history row.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGIN_URL = "wagtailadmin_login"

# A form's text may be pasted by mistake at a megabyte (10,000 characters is the limit of a text
# field, which the form then names); URL-encoded, a megabyte of Chinese is over 3 MB. Django's
# 2.5 MB default would answer such a paste with a bare 400, not the form and its message.
# Evidence files are uploads and do not count towards this.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Demo logins are for trying the system on a laptop; production turns this off.
LIANZHENG_ALLOW_DEMO = True

# The public regulation page shows a figure only when it counts at least this many cases, so no
# person can be identified from it.
LIANZHENG_PUBLIC_MIN_COUNT = int(os.environ.get("LIANZHENG_PUBLIC_MIN_COUNT", "5"))

# Fonts for generated documents, by role (song, fangsong, xiaobiaosong, hei, kai): a path, or
# "path#index" for a face in a .ttc. Unset roles use Debian's free fonts (see
# lianzheng/documents/fonts.py). e.g. LIANZHENG_PDF_FONTS='{"fangsong": "/srv/fonts/fs.ttf"}'
LIANZHENG_PDF_FONTS = json.loads(os.environ.get("LIANZHENG_PDF_FONTS", "{}"))

# Background jobs (django-tasks, which Wagtail uses too): run at once, in the process that
# enqueues them, unless a settings module says otherwise; production queues them in the database.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Reminders (lianzheng.selectors.reminders): how many working days before a rectification
# deadline the office and the subject are reminded, and how long a talk lasts in the .ics file.
LIANZHENG_REMINDER_NEAR_DAYS = int(os.environ.get("LIANZHENG_REMINDER_NEAR_DAYS", "3"))
LIANZHENG_TALK_MINUTES = int(os.environ.get("LIANZHENG_TALK_MINUTES", "60"))

# Signed checkpoints of the audit chain (lianzheng/audit/checkpoints.py; README, "Signed
# checkpoints"). The Ed25519 signing key lives outside the database: its PEM text in
# LIANZHENG_CHECKPOINT_KEY, or a file (mode 0600) named by LIANZHENG_CHECKPOINT_KEY_FILE, made by
# `manage.py lianzheng_audit keygen`. Public keys (hex) of earlier keys, so that checkpoints
# signed before a rotation still verify: LIANZHENG_CHECKPOINT_PUBLIC_KEYS, comma-separated.
# Witnesses get each checkpoint's JSON by email: LIANZHENG_CHECKPOINT_WITNESSES, comma-separated.
LIANZHENG_CHECKPOINT_KEY = os.environ.get("LIANZHENG_CHECKPOINT_KEY", "")
LIANZHENG_CHECKPOINT_KEY_FILE = os.environ.get("LIANZHENG_CHECKPOINT_KEY_FILE", "")
LIANZHENG_CHECKPOINT_PUBLIC_KEYS = [
    k for k in os.environ.get("LIANZHENG_CHECKPOINT_PUBLIC_KEYS", "").split(",") if k.strip()
]
LIANZHENG_CHECKPOINT_WITNESSES = [
    a.strip() for a in os.environ.get("LIANZHENG_CHECKPOINT_WITNESSES", "").split(",") if a.strip()
]
# A development key, made on first use (`lianzheng_setup --demo`), never committed
# (.gitignore). Production settings set it to None: there, no configured key, no checkpoint.
LIANZHENG_CHECKPOINT_DEV_KEY_FILE = BASE_DIR / ".dev-keys" / "checkpoint.key"

# Data out (lianzheng.api): Wagtail's page API is public and read-only, so it takes no
# credentials at all (DRF's default Basic authentication would be a second sign-in door that
# skips the second factor); the case API names its own token authentication. JSON only: no
# browsable API pages outside the admin's look and its CSP. Rate per consumer token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}
LIANZHENG_API_RATE = os.environ.get("LIANZHENG_API_RATE", "120/min")
