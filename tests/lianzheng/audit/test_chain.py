"""The hash chain: every history row linked, alterations found, kept heads checked."""

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from simple_history.utils import bulk_create_with_history

from lianzheng.audit import chain, guards
from lianzheng.choices import CaseState, UnitKind
from lianzheng.models import ChainHead, ChainVerification, Unit
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db


def all_rows():
    rows = []
    for model in chain.chained_models():
        rows += list(model.objects.values_list("chain_seq", "chain_prev", "chain_hash"))
    return sorted(rows)


def tamper(model, history_id, **changes):
    """Change a row behind the application's back: triggers dropped, raw UPDATE, triggers back."""
    table = model._meta.db_table
    guards.uninstall(connection, [table])
    try:
        sets = ", ".join(f'"{k}" = %s' for k in changes)
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{table}" SET {sets} WHERE history_id = %s',
                [*changes.values(), history_id],
            )
    finally:
        guards.install(connection, [table])


def test_every_history_row_is_linked_in_one_unbroken_chain(cast):
    advance(cast, new_case(cast), CaseState.HELD)
    rows = all_rows()
    assert [seq for seq, _p, _h in rows] == list(range(1, len(rows) + 1))
    assert rows[0][1] == chain.GENESIS
    assert all(rows[i][1] == rows[i - 1][2] for i in range(1, len(rows)))
    head = ChainHead.current()
    assert (head.seq, head.hash) == (rows[-1][0], rows[-1][2])
    verdict = chain.verify()
    assert verdict.ok and verdict.checked == len(rows)


def test_bulk_writes_join_the_chain(profile):
    units = [Unit(code=f"bulk-{i}", name=f"批量{i}", kind=UnitKind.SECTION) for i in range(5)]
    bulk_create_with_history(units, Unit)
    assert chain.verify().ok
    assert Unit.history.filter(code__startswith="bulk-", chain_hash="").count() == 0


def test_one_changed_byte_is_found_at_exactly_that_row(cast):
    case = advance(cast, new_case(cast), CaseState.APPROVED)
    target = case.history.get(history_transition="consent")
    tamper(
        type(target), target.history_id, history_change_reason=target.history_change_reason + "。"
    )
    verdict = chain.verify()
    assert not verdict.ok
    assert verdict.broken.seq == target.chain_seq
    assert verdict.broken.table == "lianzheng.historicaltalkcase"
    assert verdict.broken.history_id == target.history_id
    assert "altered" in verdict.broken.reason
    with pytest.raises(CommandError, match=f"BROKEN at sequence {target.chain_seq}"):
        call_command("lianzheng_audit", "verify", stdout=io.StringIO())
    assert ChainVerification.objects.filter(ok=False).exists()


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link(cast):
    """A forger who recomputes the altered row's hash still cannot fix its successor."""
    case = advance(cast, new_case(cast), CaseState.APPROVED)
    target = case.history.get(history_transition="submit")
    model = type(target)
    shape = chain.shape_of(model)
    values = list(model.objects.filter(pk=target.pk).values_list(*shape.columns).get())
    values[shape.columns.index("history_change_reason")] = "伪造的理由"
    forged = chain.link_hash(target.chain_prev, shape.canonical(values))
    tamper(model, target.history_id, history_change_reason="伪造的理由", chain_hash=forged)
    verdict = chain.verify()
    assert verdict.broken.seq == target.chain_seq + 1
    assert "previous row's hash" in verdict.broken.reason


def test_a_kept_head_reveals_a_change_before_it(cast):
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    out = io.StringIO()
    call_command("lianzheng_audit", "head", stdout=out)
    kept = out.getvalue().strip()
    seq = int(kept.split(":")[0])
    advance(cast, case, CaseState.NOTIFIED)  # later rows, all valid
    out = io.StringIO()
    call_command("lianzheng_audit", "verify", "--since-head", kept, stdout=out)
    assert "OK" in out.getvalue()

    early = case.history.get(history_type="+")
    assert early.chain_seq < seq
    shape = chain.shape_of(type(early))
    # Rewrite the early row and re-hash everything after it up to the end: every link after
    # the kept head is valid again, but the kept head no longer matches.
    tamper(type(early), early.history_id, purpose="改写的目的")
    rehash_from(early.chain_seq)
    assert chain.verify().ok  # the chain alone is consistent again...
    verdict = chain.verify_since_head(*[int(kept.split(":")[0]), kept.split(":")[1]])
    assert not verdict.ok and "kept head" in verdict.broken.reason  # ...the kept head is not
    assert shape


def rehash_from(seq):
    """A thorough forger's work: recompute every link from ``seq`` onwards, head included."""
    rows = []
    for model in chain.chained_models():
        shape = chain.shape_of(model)
        for row in model.objects.filter(chain_seq__gte=seq).values_list(
            "chain_seq", "history_id", *shape.columns
        ):
            rows.append((row[0], model, shape, row[1], list(row[2:])))
    rows.sort(key=lambda r: r[0])
    prev = (
        chain.GENESIS
        if seq == 1
        else next(
            m.objects.get(chain_seq=seq - 1).chain_hash
            for m in chain.chained_models()
            if m.objects.filter(chain_seq=seq - 1).exists()
        )
    )
    for _seq, model, shape, history_id, values in rows:
        digest = chain.link_hash(prev, shape.canonical(values))
        tamper(model, history_id, chain_prev=prev, chain_hash=digest)
        prev = digest
    ChainHead.objects.filter(pk=1).update(hash=prev)


def test_verify_a_range_and_the_head_command(cast):
    advance(cast, new_case(cast), CaseState.SUBMITTED)
    out = io.StringIO()
    call_command("lianzheng_audit", "verify", "--range", "1:5", stdout=out)
    assert "OK: 5 rows checked" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("lianzheng_audit", "verify", "--since-head", "bad", stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_one_unbroken_chain(profile):
    units = list(Unit.objects.order_by("pk")[:8])
    barrier = threading.Barrier(len(units))
    errors = []

    def rename(unit_id):
        try:
            barrier.wait(timeout=10)
            for i in range(5):
                unit = Unit.objects.get(pk=unit_id)
                unit.name = f"{unit.name[:20]}·{i}"
                unit.save()
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rename, args=(u.pk,)) for u in units]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    verdict = chain.verify()
    assert verdict.ok, verdict.broken
    assert Unit.history.filter(name__contains="·4").count() == len(units)


@pytest.mark.django_db(transaction=True)
def test_a_failed_history_write_leaves_the_row_unchanged(profile, monkeypatch):
    """Outside any transaction of the caller's, the save and its history row still commit
    together: when linking the history row fails, the unit keeps its old name."""
    unit = Unit.objects.get(code="aba-utility")
    rows_before = unit.history.count()

    def broken_link(rows):
        raise RuntimeError("disk full while writing history")

    monkeypatch.setattr(chain, "link", broken_link)
    unit.name = "不应保存的名称"
    with pytest.raises(RuntimeError):
        unit.save()
    monkeypatch.undo()
    unit.refresh_from_db()
    assert unit.name == "阿坝县公用事业服务中心"
    assert unit.history.count() == rows_before
    assert chain.verify().ok
