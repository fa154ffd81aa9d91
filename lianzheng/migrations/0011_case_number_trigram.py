"""A trigram index on the case number, on PostgreSQL: the listing's search finds a number by
any part of it (LIKE '%…%'), which a b-tree cannot serve; at 100,000 cases the scan cost
30–100 ms a search, the index about 5 ms (bench/README.md).

pg_trgm ships with PostgreSQL and is a trusted extension since PostgreSQL 13: the database's
owner may create it, no superuser needed. SQLite has no such index; its search scans, which
is fast enough for the embedded default's sizes.
"""

from django.db import migrations

INDEX = "lianzheng_talkcase_number_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON lianzheng_talkcase USING gin (number gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("lianzheng", "0010_document_settings")]

    operations = [migrations.RunPython(create, drop)]
