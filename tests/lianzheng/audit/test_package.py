"""A case's evidence package (案卷) checked as an inspector would: unpacked on a machine with
Python and ``cryptography`` only, its verify.py says what held; one byte changed in any member
and it names that member (or the row in it). Whistleblower data stays out unless one of R7.4's
readers asks for it, and then the showing is logged."""

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import cryptography
import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import CommandError, call_command
from django.urls import reverse

from lianzheng.audit import checkpoints, offline_verify
from lianzheng.models import ConfidentialAccess, ConfidentialReport, GeneratedDocument, TalkCase
from lianzheng.services.evidence import PackageRefused, package_case
from tests.pdfcheck import page_texts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_site")]

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")  # what verify.py reads for its language


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    """A way to run a script with the standard library and ``cryptography`` alone: the base
    interpreter, isolated (-I) and without site-packages (-S), with one folder on its path that
    holds links to cryptography and what it loads (cffi), nothing else. Its locale is English
    (LANG=en_US.UTF-8) unless ``env`` gives the locale variables to set instead: verify.py
    speaks Chinese otherwise, and the tests above match its English."""
    folder = tmp_path_factory.mktemp("only-cryptography")
    site = Path(cryptography.__file__).parent.parent
    for name in ("cryptography", "cffi", "pycparser"):
        (folder / name).symlink_to(site / name)
    for backend in site.glob("_cffi_backend*"):
        (folder / backend.name).symlink_to(backend)
    python = getattr(sys, "_base_executable", sys.executable)

    def run(script: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        boot = (
            "import sys, runpy; "
            f"sys.path.insert(0, {str(folder)!r}); "
            f"sys.argv = [{str(script)!r}, *{list(args)!r}]; "
            f"runpy.run_path({str(script)!r}, run_name='__main__')"
        )
        environment = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
        environment.update({"LANG": "en_US.UTF-8"} if env is None else env)
        return subprocess.run(
            [python, "-I", "-S", "-c", boot],
            capture_output=True,
            encoding="utf-8",
            env=environment,
            timeout=120,
        )

    run.python, run.folder = python, folder
    return run


def demo_case() -> TalkCase:
    """The demo's case under rectification with a whistleblower report and four documents."""
    return TalkCase.objects.filter(confidential__isnull=False, state="rectifying").first()


def user(name):
    return get_user_model().objects.get(username=name)


def test_the_bare_python_cannot_import_django_or_the_add_on(bare_python, tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import importlib.util as u\n"
        "print([m for m in ('django', 'lianzheng', 'cryptography') if u.find_spec(m)])\n"
    )
    result = bare_python(probe)
    assert result.stdout.strip() == "['cryptography']", result.stderr


def test_a_package_holds_what_it_lists_and_verifies_offline(bare_python, tmp_path):
    case = demo_case()
    made = package_case(case, user=user("office"))
    archive = zipfile.ZipFile(io.BytesIO(made.data))
    names = archive.namelist()
    assert names[:3] == ["verify.py", "案卷目录.pdf", "manifest.json"]
    documents = [n for n in names if n.startswith("documents/")]
    assert len(documents) == GeneratedDocument.objects.filter(case=case).count() >= 4
    rows = json.loads(archive.read("history/history.json"))["rows"]
    assert rows and all(r["table"] != "lianzheng.historicalconfidentialreport" for r in rows)
    report = ConfidentialReport.objects.get(case=case)
    text = archive.read("history/history.json").decode()
    assert report.whistleblower not in text and report.contact not in text
    manifest = json.loads(archive.read("manifest.json"))
    assert set(manifest["files"]) == set(names) - {"manifest.json"}
    # the 案卷目录 prints every other item with its SHA-256
    listed = "".join("".join(page_texts(archive.read("案卷目录.pdf"))).split())
    assert "案卷目录" in listed and case.number in listed
    for name in set(names) - {"案卷目录.pdf", "manifest.json"}:
        assert hashlib.sha256(archive.read(name)).hexdigest() in listed, name
    # the verify.py inside carries the encoding and the Merkle code, not an import of them
    script = archive.read("verify.py").decode()
    assert "from lianzheng" not in script and "def canonical_v1" in script
    assert "def verify_inclusion" in script

    folder = tmp_path / "unpacked"
    archive.extractall(folder)
    zipped = tmp_path / "case.zip"
    zipped.write_bytes(made.data)
    for target in (zipped, folder):
        result = bare_python(folder / "verify.py", str(target))
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"OK: case {case.number}: {len(rows)} history rows")
        assert f"{len(documents)} documents match" in result.stdout


def flipped(data: bytes, name: str) -> bytes:
    """The package with one byte of member ``name`` changed (its middle byte, one bit)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == name:
                middle = len(content) // 2
                content = content[:middle] + bytes([content[middle] ^ 1]) + content[middle + 1 :]
            target.writestr(info.filename, content)
    return out.getvalue()


def test_one_byte_changed_in_any_member_is_named(bare_python, tmp_path):
    made = package_case(demo_case(), user=user("auditor"))
    names = zipfile.ZipFile(io.BytesIO(made.data)).namelist()
    script = tmp_path / "verify.py"  # the inspector's trusted copy, from the intact package
    script.write_bytes(zipfile.ZipFile(io.BytesIO(made.data)).read("verify.py"))
    for name in names:
        package = tmp_path / "changed.zip"
        package.write_bytes(flipped(made.data, name))
        result = bare_python(script, str(package))
        assert result.returncode == 1, (name, result.stdout, result.stderr)
        assert result.stderr.startswith(f"MISMATCH: {name}"), (name, result.stderr)


def test_a_changed_history_value_names_its_row(bare_python, tmp_path):
    made = package_case(demo_case(), user=user("office"))
    folder = tmp_path / "unpacked"
    zipfile.ZipFile(io.BytesIO(made.data)).extractall(folder)
    history = json.loads((folder / "history/history.json").read_text())
    row = history["rows"][3]
    key = next(k for k, v in row["columns"].items() if isinstance(v, str) and v)
    row["columns"][key] += "改"
    (folder / "history/history.json").write_text(json.dumps(history, ensure_ascii=False))
    result = bare_python(folder / "verify.py", str(folder))
    assert result.returncode == 1
    assert (
        f"history/history.json row 4 (seq {row['seq']}, {row['table']} "
        f"history_id={row['history_id']})" in result.stderr
    )
    assert "the row was changed" in result.stderr


def test_a_package_made_with_recomputed_hashes_fails_on_the_proof(bare_python, tmp_path):
    """A forger who edits a row and recomputes its hash in the package cannot prove it."""
    made = package_case(demo_case(), user=user("office"))
    folder = tmp_path / "unpacked"
    zipfile.ZipFile(io.BytesIO(made.data)).extractall(folder)
    history = json.loads((folder / "history/history.json").read_text())
    row = history["rows"][0]
    row["columns"]["purpose"] = "另一个目的"
    row["hash"] = offline_verify.row_hash(row)
    (folder / "history/history.json").write_text(json.dumps(history, ensure_ascii=False))
    result = bare_python(folder / "verify.py", str(folder))
    assert result.returncode == 1
    assert f"proofs/inclusion.json proof for seq {row['seq']}" in result.stderr


def test_the_package_makes_a_fresh_checkpoint_when_the_newest_does_not_cover_the_case():
    case = demo_case()
    before = checkpoints.newest()
    made = package_case(case, user=user("office"))
    newest = checkpoints.newest()
    assert made.checkpoint_id == newest.pk
    assert before is None or newest.tree_size >= before.tree_size
    again = package_case(case, user=user("office"))
    assert again.checkpoint_id == newest.pk  # already covered: no new one


def test_only_r74_readers_may_include_the_whistleblower_report_and_it_is_logged():
    case = demo_case()
    assert ConfidentialReport.objects.filter(case=case).exists()
    with pytest.raises(PackageRefused, match="第七条（四）"):
        package_case(case, user=user("office"), include_confidential=True)
    with pytest.raises(PackageRefused):
        package_case(case, user=user("auditor"), include_confidential=True)
    logged = ConfidentialAccess.objects.filter(case=case, purpose="evidence package")
    assert not logged.exists()
    made = package_case(case, user=user("discipline"), include_confidential=True)
    rows = json.loads(zipfile.ZipFile(io.BytesIO(made.data)).read("history/history.json"))
    assert any(r["table"] == "lianzheng.historicalconfidentialreport" for r in rows["rows"])
    assert logged.get().user_id == user("discipline").pk


def test_the_command_writes_the_package(tmp_path):
    case = demo_case()
    target = tmp_path / "case.zip"
    out = io.StringIO()
    call_command("lianzheng_audit", "package", case.number, "--output", str(target), stdout=out)
    assert f"Wrote {target}" in out.getvalue()
    manifest = json.loads(zipfile.ZipFile(target).read("manifest.json"))
    assert manifest["case"] == case.number and manifest["confidential_included"] is False
    with pytest.raises(CommandError, match="no case has the number"):
        call_command("lianzheng_audit", "package", "无此案", "--output", str(target))


def test_a_document_file_changed_on_disk_refuses_the_package():
    from django.core.files.storage import default_storage

    case = demo_case()
    document = GeneratedDocument.objects.filter(case=case).first()
    path = Path(default_storage.path(document.file.name))
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"%")
        with pytest.raises(PackageRefused, match="与其SHA-256不符"):
            package_case(case, user=user("office"))
    finally:
        path.write_bytes(original)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == document.sha256


# -- the pages -----------------------------------------------------------------------------------


def made_in_the_background(client, url, capture, data=None):
    """Post the package form, let the worker make the job (at once, when the request's
    transaction commits), and download the ZIP the job's page offers."""
    with capture(execute=True):
        response = client.post(url, data or {})
    assert response.status_code == 302 and "/lianzheng/jobs/" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "已完成" in page
    download = response["Location"] + "download/"
    assert download in page
    return client.get(download)


@pytest.mark.parametrize("username", ["office", "auditor"])
def test_the_office_and_auditors_download_the_package_from_the_case_page(
    client, username, django_capture_on_commit_callbacks
):
    case = demo_case()
    client.force_login(user(username))
    page = client.get(reverse("wagtailsnippets_lianzheng_talkcase:inspect", args=[case.pk]))
    url = reverse("lianzheng_audit:package", args=[case.pk])
    assert url in page.content.decode()
    form = client.get(url)
    assert form.status_code == 200
    assert ('name="confidential"' in form.content.decode()) is False
    response = made_in_the_background(client, url, django_capture_on_commit_callbacks)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert zipfile.ZipFile(io.BytesIO(response.content)).read("verify.py")


def test_the_discipline_officer_may_choose_to_include_the_report(
    client, django_capture_on_commit_callbacks
):
    case = demo_case()
    client.force_login(user("discipline"))
    url = reverse("lianzheng_audit:package", args=[case.pk])
    assert 'name="confidential"' in client.get(url).content.decode()
    response = made_in_the_background(
        client, url, django_capture_on_commit_callbacks, {"confidential": "1"}
    )
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("manifest.json"))
    assert manifest["confidential_included"] is True
    assert ConfidentialAccess.objects.filter(case=case, purpose="evidence package").exists()


@pytest.mark.parametrize("username", ["leader", "personnel", "deputy_personnel"])
def test_others_get_no_package(client, username):
    case = demo_case()
    client.force_login(user(username))
    page = client.get(reverse("wagtailsnippets_lianzheng_talkcase:inspect", args=[case.pk]))
    url = reverse("lianzheng_audit:package", args=[case.pk])
    assert url not in page.content.decode()
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403


def test_auditors_sign_a_checkpoint_and_download_its_json_and_certificate(client):
    client.force_login(user("auditor"))
    url = reverse("lianzheng_audit:checkpoints")
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, follow=True)
    made = checkpoints.newest()
    assert made.root in response.content.decode()
    json_url = reverse("lianzheng_audit:checkpoint_download", args=[made.pk, "json"])
    pdf_url = reverse("lianzheng_audit:checkpoint_download", args=[made.pk, "pdf"])
    assert json.loads(client.get(json_url).content)["root"] == made.root
    assert client.get(pdf_url).content.startswith(b"%PDF")
    client.force_login(user("office"))
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert client.get(json_url).status_code == 403


def test_a_document_swapped_with_the_manifest_rewritten_is_still_named(bare_python, tmp_path):
    """The manifest is for damage; the documents are held to the signed history rows."""
    made = package_case(demo_case(), user=user("office"))
    folder = tmp_path / "unpacked"
    zipfile.ZipFile(io.BytesIO(made.data)).extractall(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    swapped, removed = sorted(manifest["documents"])[:2]
    (folder / swapped).write_bytes(b"%PDF-1.4 another document")
    (folder / removed).unlink()
    for name in (swapped, removed):
        manifest["files"].pop(name)
        manifest["documents"].pop(name)
    manifest["files"][swapped] = hashlib.sha256((folder / swapped).read_bytes()).hexdigest()
    manifest["self_sha256"] = offline_verify.manifest_digest(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
    result = bare_python(folder / "verify.py", str(folder))
    assert result.returncode == 1
    assert result.stderr.startswith(f"MISMATCH: {swapped}: its SHA-256 is not one")
    (folder / swapped).unlink()
    manifest["files"].pop(swapped)
    manifest["self_sha256"] = offline_verify.manifest_digest(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
    result = bare_python(folder / "verify.py", str(folder))
    assert result.returncode == 1
    assert "is missing from documents/" in result.stderr
    assert result.stderr.startswith("MISMATCH: history/history.json seq ")


def test_with_no_witness_set_the_checkpoints_page_says_nobody_gets_a_copy(client, settings):
    settings.LIANZHENG_CHECKPOINT_WITNESSES = []
    client.force_login(user("auditor"))
    url = reverse("lianzheng_audit:checkpoints")
    assert "检查点不会发送给任何人" in client.get(url).content.decode()
    page = client.post(url, follow=True).content.decode()
    assert "没有见证人收到副本" in page
    assert not mail.outbox


def test_a_checkpoint_goes_to_the_witnesses_in_chinese_and_the_page_says_to_whom(client, settings):
    settings.LIANZHENG_CHECKPOINT_WITNESSES = ["jiwei@example.org"]
    client.force_login(user("auditor"))
    url = reverse("lianzheng_audit:checkpoints")
    assert "jiwei@example.org" in client.get(url).content.decode()
    page = client.post(url, follow=True).content.decode()
    assert "已将副本通过电子邮件发送给见证人：jiwei@example.org" in page
    (message,) = mail.outbox
    assert message.subject.startswith("审计链签名检查点")
    assert "Please" not in message.body and checkpoints.newest().root in message.body


def test_a_mail_server_that_refuses_leaves_the_checkpoint_signed_and_says_so(
    client, settings, monkeypatch
):
    settings.LIANZHENG_CHECKPOINT_WITNESSES = ["jiwei@example.org"]

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    client.force_login(user("auditor"))
    before = checkpoints.newest()
    page = client.post(reverse("lianzheng_audit:checkpoints"), follow=True)
    assert page.status_code == 200
    made = checkpoints.newest()
    assert made is not None and made != before
    assert "发送给见证人的电子邮件失败" in page.content.decode()
    assert "Connection refused" not in page.content.decode()  # the library's English: the log


# -- verify.py speaks one language: Chinese, or English when asked -------------------------------

# What may stand in Latin letters in the Chinese output: file names, hashes and standards' names.
NAMES_AND_HEX = re.compile(
    r"[A-Za-z0-9_./-]+\.(?:json|csv|pem|pdf|py)|[0-9a-f]{16,}|SHA|RFC|JSON|CSV|Ed25519"
)
HAN = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")  # with CJK punctuation


def a_package_and_a_changed_copy(tmp_path):
    """The demo case's package as a ZIP, and unpacked with the fourth history row changed."""
    made = package_case(demo_case(), user=user("office"))
    zipped = tmp_path / "case.zip"
    zipped.write_bytes(made.data)
    folder = tmp_path / "changed"
    zipfile.ZipFile(zipped).extractall(folder)
    history = json.loads((folder / "history/history.json").read_text())
    row = history["rows"][3]
    key = next(k for k, v in row["columns"].items() if isinstance(v, str) and v)
    row["columns"][key] += "改"
    (folder / "history/history.json").write_text(json.dumps(history, ensure_ascii=False))
    return zipped, folder, row


def test_verify_speaks_chinese_by_default(bare_python, tmp_path):
    case = demo_case()
    zipped, folder, row = a_package_and_a_changed_copy(tmp_path)
    script = folder / "verify.py"
    result = bare_python(script, str(zipped), env={})  # no locale set at all
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"核验通过：案件 {case.number}：") and not result.stderr
    assert "history.csv 与 history.json 一致" in result.stdout
    assert re.findall(r"[A-Za-z]{3,}", NAMES_AND_HEX.sub(" ", result.stdout)) == []

    result = bare_python(script, str(folder), env={"LANG": "zh_CN.UTF-8"})
    assert result.returncode == 1 and not result.stdout
    assert result.stderr == (
        f"不符：history/history.json 第4行（序号 {row['seq']}，{row['table']} "
        f"history_id={row['history_id']}）：其各列算出的哈希与记录的哈希不同——该行被改动过\n"
    )


def test_verify_speaks_english_when_asked(bare_python, tmp_path):
    case = demo_case()
    zipped, folder, row = a_package_and_a_changed_copy(tmp_path)
    script = folder / "verify.py"
    result = bare_python(script, str(zipped), "--lang", "en", env={"LANG": "zh_CN.UTF-8"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"OK: case {case.number}: ")
    assert not HAN.search(result.stdout.replace(case.number, ""))

    result = bare_python(script, str(folder), env={"LANG": "en_US.UTF-8"})
    assert result.returncode == 1 and not result.stdout
    assert result.stderr == (
        f"MISMATCH: history/history.json row 4 (seq {row['seq']}, {row['table']} "
        f"history_id={row['history_id']}): its columns do not give its recorded hash: "
        "the row was changed\n"
    )


def test_verify_takes_its_language_from_the_option_then_the_locale(monkeypatch, capsys):
    """In process (no package needed): the choice, the usage and the usage errors."""
    assert set(offline_verify.MESSAGES["zh"]) == set(offline_verify.MESSAGES["en"])
    choose = offline_verify.environment_language
    assert choose({}) == choose({"LANG": "C.UTF-8"}) == choose({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert choose({"LC_ALL": "", "LC_MESSAGES": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert choose({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}) == "zh"
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    assert offline_verify.main([]) == 2
    usage = capsys.readouterr().err
    assert usage.startswith("verify.py：离线核验") and "Usage" not in usage
    assert offline_verify.main(["--help", "--lang", "en"]) == 2
    assert capsys.readouterr().err == offline_verify.__doc__ + "\n"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert offline_verify.main(["--lang=zh", "case.zip", "--public-key"]) == 2
    assert capsys.readouterr().err == "--public-key 之后须给出密钥标识或公钥的十六进制值\n"
    assert offline_verify.main(["case.zip", "--lang", "fr"]) == 2
    assert capsys.readouterr().err == "--lang needs zh or en\n"
    assert offline_verify.main(["no-such.zip", "--lang", "zh"]) == 1
    assert capsys.readouterr().err == (
        "不符：no-such.zip：无法作为 ZIP 文件或文件夹读取（找不到该文件或文件夹）\n"
    )
