"""Signed checkpoints: a forger who rewrites rows and recomputes every hash gets past the chain
walk, but not past a checkpoint, and plain ``verify`` names the first row he changed; routine
verification starts from the newest checkpoint; a consistency proof ties two checkpoints."""

import io
import json
import os
import stat

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from lianzheng.audit import chain, checkpoints, guards, merkle, verification
from lianzheng.choices import CaseState
from lianzheng.models import ChainHead, ChainVerification, Checkpoint, TalkCase
from lianzheng.tasks import checkpoint_task
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("lianzheng_audit", *args, stdout=out)
    return out.getvalue()


def row_at(seq: int):
    for model in chain.chained_models():
        row = model.objects.filter(chain_seq=seq).first()
        if row is not None:
            return model, row
    raise LookupError(seq)


def forge(seq: int, **changes) -> None:
    """What an attacker with write access does: change the row numbered ``seq`` behind the
    application's back, recompute its hash and every hash after it, and move the head's hash
    to match, so that the chain walks cleanly again."""
    guards.uninstall(connection)
    try:
        model, row = row_at(seq)
        table = model._meta.db_table
        sets = ", ".join(f'"{k}" = %s' for k in changes)
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{table}" SET {sets} WHERE history_id = %s',
                [*changes.values(), row.history_id],
            )
        prev = row.chain_prev
        head = ChainHead.current()
        for s in range(seq, head.seq + 1):
            model, row = row_at(s)
            shape = chain.shape_of(model)
            values = list(
                model._default_manager.filter(history_id=row.history_id)
                .values_list(
                    "chain_seq",
                    "chain_prev",
                    "chain_hash",
                    "history_id",
                    "chain_encoding",
                    *shape.columns,
                )
                .get()
            )
            digest = chain.link_hash(prev, shape.text(values))
            with connection.cursor() as cursor:
                cursor.execute(
                    f'UPDATE "{model._meta.db_table}" SET chain_prev = %s, chain_hash = %s '
                    "WHERE history_id = %s",
                    [prev, digest, row.history_id],
                )
            prev = digest
        ChainHead.objects.filter(pk=1).update(hash=prev)
    finally:
        guards.install(connection)


def behind_the_back(change) -> None:
    """Run ``change`` on the checkpoints with their append-only guard lifted, as someone who
    owns the tables could."""
    guards.uninstall(connection, ["lianzheng_checkpoint"])
    try:
        change()
    finally:
        guards.install(connection, ["lianzheng_checkpoint"])


@pytest.fixture
def case(cast):
    return advance(cast, new_case(cast), CaseState.APPROVED)


def test_a_checkpoint_signs_size_head_and_the_merkle_root_of_every_row(case):
    made = checkpoints.make_checkpoint(made_by="test")
    head = ChainHead.current()
    hashes = [bytes.fromhex(h) for _s, h, _t, _i in checkpoints.entries(0)]
    assert (made.tree_size, made.head_hash) == (head.seq, head.hash)
    assert made.root == merkle.root_of(hashes).hex()
    exported = checkpoints.as_json(made)
    assert checkpoints.signature_problem(exported) is None
    assert exported["public_key"] == checkpoints.raw_public(checkpoints.signing_key()).hex()
    # the stored copy of the chain hashes is the chain's, authenticated by the root
    assert checkpoints.stored_entries(made) == b"".join(hashes)


def test_verify_says_what_it_held_the_chain_against(case):
    assert "no signed checkpoint yet" in run("verify", "--workers", "1")
    made = checkpoints.make_checkpoint()
    out = run("verify", "--workers", "1")
    assert f"held against signed checkpoint #{made.pk} ({made.tree_size} rows" in out
    assert f"key {made.key_id}" in out


def test_a_forger_who_recomputes_every_hash_passes_the_walk_but_not_plain_verify(case):
    checkpoints.make_checkpoint()
    history = case.history.order_by("chain_seq").first()
    forge(history.chain_seq, purpose="改写的目的")
    assert verification.verify().ok  # the chain alone says nothing is wrong
    with pytest.raises(CommandError) as caught:
        run("verify", "--workers", "1")
    message = str(caught.value)
    assert f"BROKEN at sequence {history.chain_seq}" in message
    assert f"lianzheng.historicaltalkcase history_id={history.history_id}" in message
    assert "rewritten" in message
    assert ChainVerification.objects.first().ok is False
    # routine verification sees it too, and names the same row
    with pytest.raises(CommandError, match=f"BROKEN at sequence {history.chain_seq}"):
        run("verify", "--incremental")
    # and no new checkpoint blesses the forgery
    with pytest.raises(checkpoints.ChainBroken):
        checkpoints.make_checkpoint()


def test_a_forgery_after_the_checkpoint_is_a_broken_link_for_the_incremental_check(cast, case):
    checkpoints.make_checkpoint()
    later = advance(cast, case, CaseState.NOTIFIED)
    newest = later.history.order_by("-chain_seq").first()
    guards.uninstall(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                'UPDATE "lianzheng_historicaltalkcase" SET place = %s WHERE history_id = %s',
                ["别处", newest.history_id],
            )
    finally:
        guards.install(connection)
    verdict = checkpoints.verify_incremental()
    assert not verdict.ok and verdict.broken.seq == newest.chain_seq
    assert "altered" in verdict.broken.reason


def test_the_incremental_check_reads_only_the_rows_added_since_the_checkpoint(cast, case):
    made = checkpoints.make_checkpoint()
    advance(cast, case, CaseState.NOTIFIED)
    head = ChainHead.current()
    verdict = checkpoints.verify_incremental()
    assert verdict.ok
    assert verdict.checked == head.seq - made.tree_size > 0
    assert verdict.first_seq == made.tree_size + 1 and verdict.last_seq == head.seq
    out = run("verify", "--incremental")
    assert out.startswith(f"OK: {head.seq - made.tree_size} rows checked; head {head.seq}:")


def test_the_next_checkpoint_extends_the_frontier_and_proves_consistent(cast, case):
    first = checkpoints.make_checkpoint()
    advance(cast, case, CaseState.NOTIFIED)
    second = checkpoints.make_checkpoint()
    all_hashes = [bytes.fromhex(h) for _s, h, _t, _i in checkpoints.entries(0)]
    assert second.previous_size == first.tree_size
    assert second.root == merkle.root_of(all_hashes).hex()
    assert len(second.entries) == 32 * (second.tree_size - first.tree_size)
    out = run("consistency", str(first.pk), str(second.pk))
    assert f"OK: checkpoint #{second.pk} extends #{first.pk}" in out
    proof = json.loads(out[: out.rindex("}") + 1])["proof"]
    assert merkle.verify_consistency(
        first.tree_size,
        second.tree_size,
        bytes.fromhex(first.root),
        bytes.fromhex(second.root),
        [bytes.fromhex(p) for p in proof],
    )


def test_a_rewrite_between_two_checkpoints_breaks_their_consistency(cast, case):
    first = checkpoints.make_checkpoint()
    advance(cast, case, CaseState.NOTIFIED)
    second = checkpoints.make_checkpoint()
    forge(first.tree_size - 1, purpose="改写")
    with pytest.raises(CommandError, match="does not extend"):
        run("consistency", str(first.pk), str(second.pk))


def test_verify_against_a_checkpoint_file_kept_outside(tmp_path, case):
    made = checkpoints.make_checkpoint()
    kept = tmp_path / "checkpoint.json"
    kept.write_bytes(checkpoints.json_bytes(made))
    out = run("verify", "--checkpoint", str(kept), "--workers", "1")
    assert out.startswith("OK:") and f"held against the signed checkpoint in {kept}" in out
    # a witness's copy is checked even when the stored checkpoints are gone
    behind_the_back(lambda: Checkpoint.objects.all().delete())
    forge(3, name="改写")
    with pytest.raises(CommandError, match="no longer has the signed head hash"):
        run("verify", "--checkpoint", str(kept), "--workers", "1")


def test_a_checkpoint_file_altered_or_signed_with_another_key_is_refused(tmp_path, case):
    made = checkpoints.make_checkpoint()
    fields = checkpoints.as_json(made)
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps({**fields, "tree_size": fields["tree_size"] - 1}))
    with pytest.raises(CommandError, match="statement is not the one its fields make"):
        run("verify", "--checkpoint", str(altered), "--workers", "1")
    stranger = tmp_path / "stranger.key"
    behind_the_back(lambda: Checkpoint.objects.all().delete())  # a stranger's database
    with override_settings(LIANZHENG_CHECKPOINT_KEY_FILE=str(stranger)):
        checkpoints.write_key_file(stranger)
        foreign = checkpoints.as_json(checkpoints.make_checkpoint())
    other = tmp_path / "other.json"
    other.write_text(json.dumps(foreign))
    with pytest.raises(CommandError, match="not among the configured keys"):
        run("verify", "--checkpoint", str(other), "--workers", "1")


def test_a_stored_checkpoint_whose_signature_was_altered_breaks_verify(case):
    made = checkpoints.make_checkpoint()
    behind_the_back(lambda: Checkpoint.objects.filter(pk=made.pk).update(signature="00" * 64))
    with pytest.raises(CommandError, match=f"checkpoint #{made.pk}.*signature does not match"):
        run("verify", "--workers", "1")


def test_an_old_key_listed_as_public_still_verifies_its_checkpoints(tmp_path, case):
    old_key = tmp_path / "old.key"
    with override_settings(LIANZHENG_CHECKPOINT_KEY_FILE=str(old_key)):
        public = checkpoints.raw_public(checkpoints.write_key_file(old_key))
        checkpoints.make_checkpoint()
    new_key = tmp_path / "new.key"
    checkpoints.write_key_file(new_key)
    with override_settings(LIANZHENG_CHECKPOINT_KEY_FILE=str(new_key)):
        with pytest.raises(CommandError, match="not among the configured keys"):
            run("verify", "--workers", "1")
        with override_settings(LIANZHENG_CHECKPOINT_PUBLIC_KEYS=[public.hex()]):
            assert run("verify", "--workers", "1").startswith("OK:")


@override_settings(LIANZHENG_CHECKPOINT_DEV_KEY_FILE=None)
def test_without_a_configured_key_no_checkpoint_and_the_error_says_how(case):
    with pytest.raises(CommandError) as caught:
        run("checkpoint")
    assert "lianzheng_audit keygen" in str(caught.value)
    assert "LIANZHENG_CHECKPOINT_KEY_FILE" in str(caught.value)
    assert not Checkpoint.objects.exists()


def test_checkpoints_cannot_be_deleted_or_rewritten(case):
    from django.db import DatabaseError, transaction

    made = checkpoints.make_checkpoint()
    for change in (
        lambda: Checkpoint.objects.all().delete(),
        lambda: Checkpoint.objects.filter(pk=made.pk).update(root="0" * 64),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    assert Checkpoint.objects.get().root == made.root


def test_keygen_writes_a_private_file_and_prints_the_public_key(tmp_path):
    target = tmp_path / "keys" / "checkpoint.key"
    out = run("keygen", "--output", str(target))
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    with override_settings(LIANZHENG_CHECKPOINT_KEY_FILE=str(target)):
        public = checkpoints.raw_public(checkpoints.signing_key())
    assert public.hex() in out and merkle.key_id(public) in out
    with pytest.raises(CommandError, match="never overwritten"):
        run("keygen", "--output", str(target))


@override_settings(LIANZHENG_CHECKPOINT_WITNESSES=["jiwei@example.org"])
def test_the_daily_task_signs_and_sends_the_witnesses_the_json(case):
    result = checkpoint_task.enqueue().return_value
    made = Checkpoint.objects.get()
    assert result.startswith(f"checkpoint #{made.pk}")
    (message,) = mail.outbox
    assert message.to == ["jiwei@example.org"]
    assert made.root in message.body
    name, content, kind = message.attachments[0]
    assert name == f"lianzheng-checkpoint-{made.tree_size}.json"
    assert kind == "application/json" and json.loads(content)["root"] == made.root


def test_the_certificate_is_one_page_with_the_root(case):
    from lianzheng.services.checkpoints import certificate
    from tests.pdfcheck import page_texts

    made = checkpoints.make_checkpoint()
    pages = page_texts(certificate(made))
    assert len(pages) == 1
    text = "".join(pages[0].split())
    assert made.root in text and made.key_id in text and "审计链签名检查点证书" in text


def test_the_command_writes_json_and_pdf(tmp_path, case):
    out = run(
        "checkpoint",
        "--output",
        str(tmp_path / "cp.json"),
        "--pdf",
        str(tmp_path / "cp.pdf"),
        "--no-email",
    )
    made = Checkpoint.objects.get()
    assert f"Checkpoint #{made.pk}: {made.tree_size} rows" in out
    assert json.loads((tmp_path / "cp.json").read_text())["root"] == made.root
    assert (tmp_path / "cp.pdf").read_bytes().startswith(b"%PDF")
    assert TalkCase.objects.exists()
