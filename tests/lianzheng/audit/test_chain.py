"""The hash chain: every history row linked, alterations found, kept heads checked."""

import io
import threading
from functools import partial

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from simple_history.utils import bulk_create_with_history

from lianzheng import history
from lianzheng.audit import chain, fast, guards, verification
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
    verdict = verification.verify()
    assert verdict.ok and verdict.checked == len(rows)


def test_bulk_writes_join_the_chain(profile):
    units = [Unit(code=f"bulk-{i}", name=f"批量{i}", kind=UnitKind.SECTION) for i in range(5)]
    bulk_create_with_history(units, Unit)
    assert verification.verify().ok
    assert Unit.history.filter(code__startswith="bulk-", chain_hash="").count() == 0


def test_one_changed_byte_is_found_at_exactly_that_row(cast):
    case = advance(cast, new_case(cast), CaseState.APPROVED)
    target = case.history.get(history_transition="consent")
    tamper(
        type(target), target.history_id, history_change_reason=target.history_change_reason + "。"
    )
    verdict = verification.verify()
    assert not verdict.ok
    assert verdict.broken.seq == target.chain_seq
    assert verdict.broken.table == "lianzheng.historicaltalkcase"
    assert verdict.broken.history_id == target.history_id
    assert "altered" in verdict.broken.reason
    for by_definition in ([], ["--reference"]):
        with pytest.raises(CommandError, match=f"BROKEN at sequence {target.chain_seq}"):
            call_command("lianzheng_audit", "verify", *by_definition, stdout=io.StringIO())
    assert ChainVerification.objects.filter(ok=False).exists()


def judged_row(model, history_id) -> list:
    """A history row as the judges read it: (seq, prev, hash, history_id, encoding, *columns)."""
    shape = chain.shape_of(model)
    return list(
        model.objects.filter(pk=history_id)
        .values_list(
            "chain_seq", "chain_prev", "chain_hash", "history_id", "chain_encoding", *shape.columns
        )
        .get()
    )


def forge(target):
    """A forger's rewrite: another reason, and the row's own hash recomputed to match it."""
    model = type(target)
    shape = chain.shape_of(model)
    row = judged_row(model, target.pk)
    row[chain.PREFIX + shape.columns.index("history_change_reason")] = "伪造的理由"
    forged = chain.link_hash(target.chain_prev, shape.text(row))
    tamper(model, target.history_id, history_change_reason="伪造的理由", chain_hash=forged)


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link(cast):
    """A forger who recomputes the altered row's hash still cannot fix its successor."""
    case = advance(cast, new_case(cast), CaseState.APPROVED)
    target = case.history.get(history_transition="submit")
    forge(target)
    verdict = verification.verify()
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
    assert verification.verify().ok  # the chain alone is consistent again...
    verdict = verification.verify_since_head(*[int(kept.split(":")[0]), kept.split(":")[1]])
    assert not verdict.ok and "kept head" in verdict.broken.reason  # ...the kept head is not
    assert shape


def rehash_from(seq):
    """A thorough forger's work: recompute every link from ``seq`` onwards, head included."""
    rows = []
    for model in chain.chained_models():
        shape = chain.shape_of(model)
        for row in model.objects.filter(chain_seq__gte=seq).values_list(
            "chain_seq", "chain_prev", "chain_hash", "history_id", "chain_encoding", *shape.columns
        ):
            rows.append((row[0], model, shape, row[3], list(row)))
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
    for _seq, model, shape, history_id, row in rows:
        digest = chain.link_hash(prev, shape.text(row))
        tamper(model, history_id, chain_prev=prev, chain_hash=digest)
        prev = digest
    guards.uninstall_head_guard(connection)
    try:
        ChainHead.objects.filter(pk=1).update(hash=prev)
    finally:
        guards.install_head_guard(connection)


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
    verdict = verification.verify()
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

    monkeypatch.setattr(history, "link", broken_link)
    unit.name = "不应保存的名称"
    with pytest.raises(RuntimeError):
        unit.save()
    monkeypatch.undo()
    unit.refresh_from_db()
    assert unit.name == "阿坝县公用事业服务中心"
    assert unit.history.count() == rows_before
    assert verification.verify().ok


# -- the fast verification names the same broken link as the definition -----------------------

PATHS = {
    "reference": chain.verify_reference,
    "fast": verification.verify,
    # Ranges of four rows over two processes: the joins between ranges are exercised too.
    "parallel": partial(verification.verify, workers=2, chunk=4),
}


@pytest.fixture
def workers(monkeypatch):
    """Lets the parallel path start its workers for a test chain's few hundred rows, and
    records that it did (it stays in one process when it cannot), without changing what it
    does."""
    monkeypatch.setattr(fast, "PARALLEL_MIN_ROWS", 0)
    started = []
    real = fast.multiprocessing.get_context

    def get_context(method=None):
        started.append(method)
        return real(method)

    monkeypatch.setattr(fast.multiprocessing, "get_context", get_context)
    return started


def verdicts(**kwargs) -> dict:
    return {name: check(**kwargs) for name, check in PATHS.items()}


def since_head_verdicts(seq: int, hash_: str) -> dict:
    return {
        name: verification.verify_since_head(seq, hash_, check=check)
        for name, check in PATHS.items()
    }


def the_same(found: dict):
    """Every path's verdict is the reference's (rows checked, first and last, last hash and
    the broken link); returns it."""
    reference = found["reference"]
    assert {name: v for name, v in found.items() if v != reference} == {}
    return reference


def row_at(seq):
    for model in chain.chained_models():
        row = model.objects.filter(chain_seq=seq).first()
        if row is not None:
            return row
    raise AssertionError(seq)


def remove(row):
    table = row._meta.db_table
    guards.uninstall(connection, [table])
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{table}" WHERE history_id = %s', [row.history_id])
    finally:
        guards.install(connection, [table])


@pytest.mark.django_db(transaction=True)
def test_every_path_finds_an_intact_chain_whole_in_ranges_and_since_a_head(cast, workers):
    advance(cast, new_case(cast), CaseState.NOTIFIED)
    whole = the_same(verdicts())
    assert whole.ok and whole.checked == ChainHead.current().seq
    assert workers == ["spawn"]
    part = the_same(verdicts(start=5, end=whole.checked - 3))
    assert part.ok and part.checked == whole.checked - 7
    kept = row_at(whole.checked // 2)
    assert the_same(since_head_verdicts(kept.chain_seq, kept.chain_hash)).ok


@pytest.mark.django_db(transaction=True)
def test_every_path_names_the_row_with_one_byte_changed(cast, workers):
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    target = case.history.get(history_transition="consent")
    tamper(
        type(target), target.history_id, history_change_reason=target.history_change_reason + "。"
    )
    broken = the_same(verdicts()).broken
    assert (broken.seq, broken.table, broken.history_id) == (
        target.chain_seq,
        "lianzheng.historicaltalkcase",
        target.history_id,
    )
    assert "altered" in broken.reason and workers


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["middle", "last"])
def test_every_path_names_a_deleted_row(cast, workers, where):
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    if where == "middle":
        target = case.history.get(history_transition="consent")
    else:
        target = row_at(ChainHead.current().seq)
    remove(target)
    broken = the_same(verdicts()).broken
    if where == "middle":
        assert broken.seq == target.chain_seq and "a row was removed" in broken.reason
    else:
        assert (broken.seq, broken.table) == (target.chain_seq, "head")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["a case row", "the end of the first range"])
def test_every_path_names_the_row_after_a_forged_hash(cast, workers, where):
    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    if where == "a case row":
        target = case.history.get(history_transition="submit")
    else:  # the parallel path's first range ends here: the forgery sits on the join
        target = row_at(-(-ChainHead.current().seq // 2))
    forge(target)
    broken = the_same(verdicts()).broken
    assert broken.seq == target.chain_seq + 1
    assert "previous row's hash" in broken.reason


@pytest.mark.django_db(transaction=True)
def test_every_path_finds_a_row_before_a_kept_head_altered(cast, workers):
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    head = ChainHead.current()
    advance(cast, case, CaseState.NOTIFIED)
    early = case.history.get(history_type="+")
    tamper(type(early), early.history_id, purpose="改写的目的")
    rehash_from(early.chain_seq)
    assert the_same(verdicts()).ok  # the chain alone is consistent again
    broken = the_same(since_head_verdicts(head.seq, head.hash)).broken
    assert (broken.seq, broken.table) == (head.seq, "kept head")


@pytest.mark.django_db(transaction=True)
def test_every_path_names_a_row_written_outside_the_chain(cast, workers):
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    target = case.history.get(history_transition="submit")
    tamper(type(target), target.history_id, chain_seq=None)
    broken = the_same(verdicts()).broken
    # SQLite sorts a row without a number first, PostgreSQL last; this one is the last of its
    # table, so both meet it before the gap it left.
    assert (broken.seq, broken.history_id) == (0, target.history_id)
    assert "no place in the chain" in broken.reason
