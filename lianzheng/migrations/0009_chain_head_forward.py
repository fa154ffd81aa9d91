"""The chain head may only move forward (version 1 of lianzheng.audit.triggers).

A head moved back hands out sequence numbers already used in other history tables, and each
table's unique constraint sees only its own rows: the chain would fork without an error.
"""

from django.db import migrations


def install(apps, schema_editor):
    from lianzheng.audit.triggers import head_forward_v1

    head_forward_v1(schema_editor.connection)


def uninstall(apps, schema_editor):
    from lianzheng.audit.triggers import remove_head_forward_v1

    remove_head_forward_v1(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("lianzheng", "0008_merge_0007_rectification_supervision_0007_reminders")]

    operations = [migrations.RunPython(install, uninstall)]
