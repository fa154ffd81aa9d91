"""Append-only triggers on every history table and audit log of this point.

The tables are those of the migration state, not of the running code, and the SQL is version 1
of ``lianzheng.audit.triggers``: migrations that add history models later install it on theirs.
"""

from django.db import migrations

LOGS = ("confidentialaccess", "chainverification")


def tables(apps):
    names = [
        m._meta.db_table
        for m in apps.get_app_config("lianzheng").get_models()
        if m._meta.db_table.startswith("lianzheng_historical")
    ]
    return sorted(names) + [apps.get_model("lianzheng", n)._meta.db_table for n in LOGS]


def install(apps, schema_editor):
    from lianzheng.audit.triggers import append_only_v1

    append_only_v1(schema_editor.connection, tables(apps))


def uninstall(apps, schema_editor):
    from lianzheng.audit.triggers import remove_append_only_v1

    remove_append_only_v1(schema_editor.connection, tables(apps))


class Migration(migrations.Migration):
    dependencies = [("lianzheng", "0004_audit_chain")]

    operations = [migrations.RunPython(install, uninstall)]
