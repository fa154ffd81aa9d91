"""Suite-wide fixtures and the CI contract: in CI a skipped test counts as a failure.

PostgreSQL-only tests are *deselected* on SQLite (they do not exist for that run) rather than
skipped, and SQLite-only tests on PostgreSQL, so the rule "a skip is a failure in CI" can hold
without exceptions.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Property tests: a bounded number of examples each (tests that need more or fewer say so), no
# per-example deadline (an admin request under load is slow, not wrong), and in CI the same
# examples on every run, so that a red build is reproducible and not a roll of the dice.
hypothesis_settings.register_profile("dev", max_examples=30, deadline=None)
hypothesis_settings.register_profile(
    "ci", max_examples=30, deadline=None, derandomize=True, database=None, print_blob=True
)
hypothesis_settings.register_profile("quick", max_examples=8, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev"))


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def pytest_collection_modifyitems(config, items):
    # The tiers: a test that touches the database, by marker or through its fixtures, is
    # marked ``database``; ``make test-fast`` runs the others.
    for item in items:
        if item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.database)
    on_postgres = connection.vendor == "postgresql"
    if os.environ.get("LIANZHENG_REQUIRE_POSTGRES") == "1" and not on_postgres:
        raise pytest.UsageError(
            "LIANZHENG_REQUIRE_POSTGRES=1 but DATABASE_URL does not name a PostgreSQL database."
        )
    other = "sqlite" if on_postgres else "postgres"
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker(other) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"Skipped in CI, which counts as a failure: {reason}"


# What the bad-input tests tried, per form: counted in each process that ran them (the workers
# of ``pytest -n``), added up here.
HOSTILE_SEEN: dict[str, Counter] = {"tried": Counter(), "accepted": Counter()}


def _hostile_counts() -> dict[str, dict[str, int]]:
    import sys

    hostile = sys.modules.get("tests.hostile")
    if hostile is None:
        return {"tried": {}, "accepted": {}}
    return {"tried": dict(hostile.TRIED), "accepted": dict(hostile.ACCEPTED)}


def pytest_sessionfinish(session):
    counts = _hostile_counts()
    if hasattr(session.config, "workeroutput"):  # a worker of pytest-xdist: tell the controller
        session.config.workeroutput["hostile"] = counts
    else:
        for key in HOSTILE_SEEN:
            HOSTILE_SEEN[key].update(counts[key])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    counts = getattr(node, "workeroutput", {}).get("hostile", {})
    for key in HOSTILE_SEEN:
        HOSTILE_SEEN[key].update(counts.get(key, {}))


def pytest_terminal_summary(terminalreporter):
    """How many inputs the bad-input tests tried, per form (tests/hostile.py counts them)."""
    tried, accepted = HOSTILE_SEEN["tried"], HOSTILE_SEEN["accepted"]
    if not tried:
        return
    terminalreporter.section("bad input tried")
    for name, n in sorted(tried.items()):
        terminalreporter.write_line(f"{name}: {n} ({accepted[name]} accepted)")
    terminalreporter.write_line(f"{len(tried)} forms, {sum(tried.values())} inputs in all")


def pytest_report_header(config):
    return f"database: {connection.vendor} ({connection.settings_dict.get('NAME')}); CI={IN_CI}"


@pytest.fixture(scope="session", autouse=True)
def _flush_around_append_only_history():
    """Transactional tests end with a flush, which the append-only triggers refuse (as they
    should). For the test database only, lift the triggers around the flush and put them
    back, so each test still starts with history guarded."""
    from django.core.management.commands import flush

    original = flush.Command.handle

    def handle(self, *args, **options):
        from django.db import connections

        from lianzheng.audit import guards

        connection = connections[options.get("database") or "default"]
        guards.uninstall(connection)
        try:
            return original(self, *args, **options)
        finally:
            guards.install(connection)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database with the install profile (groups, units, site tree, regulation,
    grounds) set up once for the session: each test runs in a transaction rolled back to it.
    Tests that flush (``transaction=True``) run last, and put the profile back when they
    need it (``profile``)."""
    from lianzheng.services.setup import setup_all

    with django_db_blocker.unblock():
        setup_all()


@pytest.fixture
def profile(db):
    """The install profile without demo data: the session's, or set up again after a flush."""
    from lianzheng.models import RegulationPage
    from lianzheng.services.setup import setup_all

    if not RegulationPage.objects.exists():
        setup_all()


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """``setup_all(demo=True)`` once for a module whose tests all start from the demo site
    (``pytestmark = pytest.mark.usefixtures("demo_site")``): set up inside a transaction that
    stays open for the module, so each test's own transaction is a savepoint in it, rolled back
    to the demo site after the test, and the whole is rolled back after the module. Such a
    module has no ``transaction=True`` test."""
    from django.db import transaction

    from lianzheng.services.setup import setup_all

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield setup_all(demo=True)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def installed(request, profile):
    """The site as ``make run`` leaves it: groups, units, site tree, regulation, demo logins
    (the module's ``demo_site`` when it has one)."""
    from lianzheng.services.setup import setup_all

    if "demo_site" in request.fixturenames:
        return request.getfixturevalue("demo_site")
    return setup_all(demo=True)


@pytest.fixture
def regulation_page(installed):
    from lianzheng.models import RegulationPage

    return RegulationPage.objects.get()


@pytest.fixture
def login_as(client):
    """Sign the test client in as the demo login of a role (or 'admin')."""
    from django.contrib.auth import get_user_model

    def _login(username: str):
        user = get_user_model().objects.get(username=username)
        client.force_login(user)
        return user

    return _login


@pytest.fixture
def another_process():
    """Runs a module-level function in a second process on the test database, as another
    server process would (a fresh interpreter set up like this one). The test must commit what
    the other process should see: mark it ``django_db(transaction=True)``."""
    import multiprocessing

    from django.conf import settings
    from django.db import DEFAULT_DB_ALIAS, connections

    from lianzheng.audit.workers import start_worker

    def run(func, *args):
        databases = {DEFAULT_DB_ALIAS: dict(connections[DEFAULT_DB_ALIAS].settings_dict)}
        with multiprocessing.get_context("spawn").Pool(
            1, initializer=start_worker, initargs=(settings.SETTINGS_MODULE, databases)
        ) as pool:
            return pool.apply(func, args)

    return run
