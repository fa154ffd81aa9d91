"""Settings for the pytest suite: fast hashing, throw-away media, any DATABASE_URL."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="lianzheng-test-media-")
STORAGES["default"] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run at once (base.py); the database backend's app is installed too, so that a test can
# switch TASKS to it and run the production worker (tests/lianzheng/test_tasks.py).
INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks_db"]  # noqa: F405
WAGTAILADMIN_BASE_URL = "http://testserver"

STATIC_ROOT = tempfile.mkdtemp(prefix="lianzheng-test-static-")
WHITENOISE_AUTOREFRESH = True

# The browser tests share the database with a live-server thread; SQLite's in-memory shared
# cache answers concurrent access with "table is locked" at once, a file waits its turn.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"lianzheng-test-{os.getpid()}.sqlite3")
    }

# Checkpoints in tests are signed with a throw-away key made on first use.
LIANZHENG_CHECKPOINT_DEV_KEY_FILE = Path(tempfile.gettempdir()) / "lianzheng-test-checkpoint.key"
