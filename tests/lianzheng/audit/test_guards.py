"""History is append-only at the database: neither the ORM nor raw SQL can change or delete it."""

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction

from lianzheng.audit import guards
from lianzheng.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def history_row(profile):
    unit = Unit.objects.get(code="aba-housing")
    unit.name = "阿坝县住房和城乡建设局（改）"
    unit.save()
    return unit.history.first()


def test_every_history_table_and_audit_log_is_guarded(profile):
    state = guards.installed()
    assert len(state) >= 20
    assert all(state.values()), [t for t, ok in state.items() if not ok]


def test_orm_update_of_a_history_row_is_refused(history_row):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        type(history_row).objects.filter(pk=history_row.pk).update(name="改写")
    history_row.refresh_from_db()
    assert history_row.name == "阿坝县住房和城乡建设局（改）"


def test_orm_delete_of_a_history_row_is_refused(history_row):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        type(history_row).objects.filter(pk=history_row.pk).delete()
    assert type(history_row).objects.filter(pk=history_row.pk).exists()


def test_raw_sql_update_and_delete_are_refused(history_row):
    table = type(history_row)._meta.db_table
    for sql in (f'UPDATE "{table}" SET name = %s', f'DELETE FROM "{table}" WHERE %s = %s'):
        params = ["改写"] if sql.startswith("UPDATE") else [1, 1]
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
    assert type(history_row).objects.count() > 1


def test_saving_a_history_row_again_is_refused(history_row):
    history_row.history_change_reason = "补写的理由"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        history_row.save()


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(history_row):
    table = type(history_row)._meta.db_table
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f'TRUNCATE "{table}"')
    assert type(history_row).objects.exists()


@pytest.mark.postgres
def test_a_replica_session_cannot_switch_the_triggers_off(history_row):
    """Triggers fire ALWAYS: session_replication_role=replica disables ordinary triggers."""
    table = type(history_row)._meta.db_table
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(f'DELETE FROM "{table}"')


def test_deleting_a_user_leaves_history_untouched(profile):
    user = get_user_model().objects.create_user("temp", password="x-long-password-1")
    unit = Unit.objects.get(code="aba-urban")
    unit._history_user = user
    unit.name = "阿坝县城市管理局（临时改名）"
    unit.save()
    row = unit.history.first()
    before = (row.history_user_id, row.history_user_display, row.chain_hash)
    user.delete()
    row.refresh_from_db()
    assert (row.history_user_id, row.history_user_display, row.chain_hash) == before
    assert before[0] is not None and "temp" in before[1]


def test_production_grants_revoke_rewriting_history(profile):
    sql = guards.production_grants_sql()
    for table in guards.guarded_tables():
        assert f'REVOKE UPDATE, DELETE, TRUNCATE ON "{table}" FROM lianzheng_app;' in sql
