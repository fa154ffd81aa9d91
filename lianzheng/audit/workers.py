"""How a worker process starts (chain verification over ranges, and tests' second process).

A worker is a fresh interpreter ("spawn"): it imports this module to find its initializer before
Django is set up, so nothing here may import a model; the tasks it runs next come after."""

from __future__ import annotations

import os

import django
from django.db import connections


def start_worker(settings_module: str, databases: dict) -> None:
    """A forked worker would inherit this process's open database connections, and libpq closes
    an inherited connection on the server too when its copy is freed, breaking the parent's (or
    another thread's) session. A spawned one sets up Django with this process's settings and
    database names (a test run renames them)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    django.setup()
    for alias, settings_dict in databases.items():
        connections[alias].settings_dict.update(settings_dict)
