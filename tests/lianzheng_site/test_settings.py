"""Settings: the regulation's locale and clock, and a production mode that refuses to run unsafe."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        env=clean,
        cwd=ROOT,
        timeout=120,
    )


def test_locale_and_clock_of_the_bureau():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert ("en", "English") in settings.LANGUAGES
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.DATABASES["default"]["ATOMIC_REQUESTS"] is True


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="lianzheng_site.settings.production",
        ALLOWED_HOSTS="example.gov.cn",
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_placeholder_secret_key():
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="lianzheng_site.settings.production",
        SECRET_KEY="django-insecure-" + "x" * 60,
        ALLOWED_HOSTS="example.gov.cn",
    )
    assert result.returncode != 0
    assert "not a real secret" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="lianzheng_site.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_passes_the_deployment_checklist():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="lianzheng_site.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="lianzheng.example.gov.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_production_takes_smtp_from_the_environment_and_queues_tasks_in_the_database():
    script = (
        "from django.conf import settings as s; import json; print(json.dumps(["
        "s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD,"
        " s.EMAIL_USE_TLS, s.EMAIL_TIMEOUT, s.DEFAULT_FROM_EMAIL, s.TASKS['default']['BACKEND'],"
        " 'django_tasks_db' in s.INSTALLED_APPS, s.WAGTAILADMIN_BASE_URL]))"
    )
    result = run_manage(
        "shell",
        "-c",
        script,
        DJANGO_SETTINGS_MODULE="lianzheng_site.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="lianzheng.example.gov.cn",
        EMAIL_HOST="smtp.example.gov.cn",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="lianzheng",
        EMAIL_HOST_PASSWORD="s3cret",
        EMAIL_USE_TLS="1",
        EMAIL_TIMEOUT="20",
        DEFAULT_FROM_EMAIL="廉政约谈 <lianzheng@example.gov.cn>",
        WAGTAILADMIN_BASE_URL="https://lianzheng.example.gov.cn",
    )
    assert result.returncode == 0, result.stderr
    import json

    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.gov.cn",
        587,
        "lianzheng",
        "s3cret",
        True,
        20,
        "廉政约谈 <lianzheng@example.gov.cn>",
        "django_tasks_db.DatabaseBackend",
        True,
        "https://lianzheng.example.gov.cn",
    ]


def test_tests_and_development_run_tasks_at_once():
    assert settings.TASKS["default"]["BACKEND"] == (
        "django_tasks.backends.immediate.ImmediateBackend"
    )
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
    assert settings.LIANZHENG_REMINDER_NEAR_DAYS == 3


def test_production_passes_the_deployment_checklist_behind_the_documented_proxy():
    """README.md's production environment, sign-in security included: not one warning."""
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="lianzheng_site.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="lianzheng.example.gov.cn",
        CSRF_TRUSTED_ORIGINS="https://lianzheng.example.gov.cn",
        TRUSTED_PROXY_COUNT="1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (2 silenced)." in result.stdout


def test_production_sign_in_security():
    script = (
        "from django.conf import settings as s; import json; print(json.dumps(["
        "s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_AGE,"
        " 'lianzheng.signin.sessions.IdleSessionMiddleware' in s.MIDDLEWARE,"
        " s.SESSION_EXPIRE_AT_BROWSER_CLOSE, sorted(s.LIANZHENG_2FA_REQUIRED_ROLES),"
        " s.LIANZHENG_TRUSTED_PROXY_COUNT, s.AXES_FAILURE_LIMIT,"
        " s.CONTENT_SECURITY_POLICY['DIRECTIVES'].get('upgrade-insecure-requests')]))"
    )
    result = run_manage(
        "shell",
        "-c",
        script,
        DJANGO_SETTINGS_MODULE="lianzheng_site.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="lianzheng.example.gov.cn",
        TRUSTED_PROXY_COUNT="1",
    )
    assert result.returncode == 0, result.stderr
    import json

    from lianzheng.choices import Role
    from lianzheng.permissions import LEADERS

    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        True,
        True,
        True,
        60 * 60 * 24 * 365,
        30 * 60,
        True,
        True,
        sorted(LEADERS | {Role.DISCIPLINE_OFFICER}),
        1,
        5,
        True,
    ]


def test_development_and_tests_keep_two_factor_sign_in_optional():
    assert settings.LIANZHENG_2FA_REQUIRED_ROLES == ()
    assert settings.LIANZHENG_TRUSTED_PROXY_COUNT == 0
