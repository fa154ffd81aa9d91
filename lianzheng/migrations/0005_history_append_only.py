"""Append-only triggers on every history table and audit log (lianzheng.audit.guards).

Migrations that add history models later must run ``install`` again; a test checks that every
guarded table has its triggers.
"""

from django.db import migrations


def install(apps, schema_editor):
    from lianzheng.audit import guards

    guards.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from lianzheng.audit import guards

    guards.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("lianzheng", "0004_audit_chain")]

    operations = [migrations.RunPython(install, uninstall)]
