"""Spreadsheets in: a preview of every row, nothing saved from a file with errors unless the
user chooses its valid rows, every saved row in history with the file's name and SHA-256."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from lianzheng.choices import AppointmentKind, Rank
from lianzheng.models import Appointment, Person
from lianzheng.refusals import TransitionRefused
from lianzheng.services.spreadsheet_import import import_apply, import_preview

pytestmark = pytest.mark.django_db

HEADER = "姓名,单位,职务,职级,人员类别\n"


def people_csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


def test_the_preview_names_each_rows_outcome_and_saves_nothing(profile, cast):
    content = people_csv(
        "张新,办公室,科员,科员,局机关干部职工",
        f"{cast.staff.name},{cast.staff.unit.name},{cast.staff.post},副科,局机关干部职工",
        f"{cast.staff2.name},{cast.staff2.unit.name},{cast.staff2.post},"
        f"{cast.staff2.get_rank_display()},{cast.staff2.get_category_display()}",
        "李四,不存在科,科员,科员x,局机关干部职工",
    )
    before = Person.objects.count()
    preview = import_preview(
        user=cast.clerk.user, sheet="people", filename="人员.csv", content=content
    )
    assert [(r.number, r.outcome) for r in preview.rows] == [
        (2, "new"),
        (3, "update"),
        (4, "skip"),
        (5, "invalid"),
    ]
    assert preview.rows[3].label == "李四、不存在科"
    assert dict(preview.rows[3].problems) == {
        "单位": "系统中没有单位「不存在科」：请填写单位名称或代码，或先导入单位",
        "职级": "「科员x」不是可用的职级；可填：县处级及以上、正科、副科、科员、办事员、职工",
    }
    assert Person.objects.count() == before
    assert preview.sha256 == hashlib.sha256(content).hexdigest()


def test_a_file_with_refused_rows_saves_nothing_unless_the_valid_rows_are_chosen(profile, cast):
    content = people_csv(
        "张新,办公室,科员,科员,局机关干部职工", "李四,办公室,科员,科员x,局机关干部职工"
    )
    with pytest.raises(TransitionRefused, match="文件中有 1 行不能导入，未保存任何内容"):
        import_apply(user=cast.clerk.user, sheet="people", filename="人员.csv", content=content)
    assert not Person.objects.filter(name__in=["张新", "李四"]).exists()

    import_apply(
        user=cast.clerk.user, sheet="people", filename="人员.csv", content=content, valid_only=True
    )
    new = Person.objects.get(name="张新")
    assert not Person.objects.filter(name="李四").exists()
    row = new.history.get()
    digest = hashlib.sha256(content).hexdigest()
    assert row.history_change_reason == f"导入 人员.csv（SHA-256 {digest}）"
    assert row.history_user_id == cast.clerk.user.pk


def test_an_xlsx_of_appointments_names_people_by_name_and_unit(profile, cast):
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["姓名", "所在单位", "任职类别", "新任职务", "新任职级", "任职单位", "生效日期", "任职文件"]
    )
    unit = cast.staff.unit.name
    sheet.append([cast.staff.name, unit, "提拔", "副主任", "副科", unit, "2027-01-04", "文1号"])
    sheet.append(["查无此人", unit, "提拔", "副主任", "副科", unit, "2027-01-04", ""])
    out = io.BytesIO()
    book.save(out)
    content = out.getvalue()
    preview = import_preview(user=None, sheet="appointments", filename="任职.xlsx", content=content)
    assert [r.outcome for r in preview.rows] == ["new", "invalid"]
    assert preview.rows[1].problems == (
        (("姓名", f"{unit}没有名为「查无此人」的人员：请先导入人员"),)
    )
    import_apply(
        user=None, sheet="appointments", filename="任职.xlsx", content=content, valid_only=True
    )
    appointment = Appointment.objects.get(person=cast.staff, effective_date="2027-01-04")
    assert (appointment.kind, appointment.rank) == (
        AppointmentKind.PROMOTION,
        Rank.DEPUTY_SECTION_CHIEF,
    )


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("人员.txt", b"x", "只能导入 XLSX 或 CSV 文件"),
        ("人员.xlsx", b"not a workbook", "无法读取该 XLSX 文件"),
        (
            "人员.csv",
            "姓名,单位\n张新,办公室\n".encode(),
            "第1行（表头）缺少列：职务、职级、人员类别",
        ),
        ("人员.csv", b"", "文件是空的"),
    ],
)
def test_a_file_that_is_not_the_template_is_refused_clearly(
    profile, cast, filename, content, message
):
    with pytest.raises(TransitionRefused, match=message):
        import_preview(user=cast.clerk.user, sheet="people", filename=filename, content=content)


def test_a_gb18030_csv_from_excel_is_read(profile, cast):
    content = people_csv("张新,办公室,科员,科员,局机关干部职工").decode().encode("gb18030")
    preview = import_preview(user=None, sheet="people", filename="人员.csv", content=content)
    assert [r.outcome for r in preview.rows] == ["new"]


def test_the_command_loads_a_file_and_dry_run_saves_nothing(profile, tmp_path, capsys):
    path = tmp_path / "人员.csv"
    path.write_bytes(
        people_csv("张新,办公室,科员,科员,局机关干部职工", "王五,办公室,,职工x,局机关干部职工")
    )
    call_command("lianzheng_import", "people", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "第3行 王五、办公室：职级：「职工x」不是可用的职级" in out and "1 would be added" in out
    assert not Person.objects.filter(name="张新").exists()
    with pytest.raises(CommandError, match="文件中有 1 行不能导入"):
        call_command("lianzheng_import", "people", str(path))
    call_command("lianzheng_import", "people", str(path), "--valid-only")
    assert (
        Person.objects.get(name="张新")
        .history.get()
        .history_change_reason.startswith("导入 人员.csv")
    )
