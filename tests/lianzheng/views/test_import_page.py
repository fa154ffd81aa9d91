"""The import page as the office uses it: template, upload, preview, confirm."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from lianzheng.models import Person

pytestmark = pytest.mark.django_db

PAGE = "lianzheng_import:import"
CSV = (
    "姓名,单位,职务,职级,人员类别\n"
    "张新,办公室,科员,科员,局机关干部职工\n"
    "李四,办公室,科员,科员x,局机关干部职工\n"
)


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_office_previews_then_imports_only_the_valid_rows(client, cast, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(cast.clerk.user)
    template = client.get(reverse("lianzheng_import:template", args=["people"]))
    header = next(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert header == ("姓名", "单位", "职务", "职级", "人员类别")

    upload = SimpleUploadedFile("人员.csv", CSV.encode())
    preview = client.post(reverse(PAGE), {"sheet": "people", "file": upload})
    page = text(preview)
    assert "新增 1 条，更新 0 条，无变化 0 条，拒绝 1 条。" in page
    assert "职级：「科员x」不是可用的职级" in page
    assert not Person.objects.filter(name="张新").exists()
    confirm = dict(
        re.findall(r'name="(sheet|sha256|filename)" value="([^"]*)"', preview.content.decode())
    )

    refused = client.post(reverse(PAGE), confirm)
    assert "未保存任何内容" in text(refused)
    assert not Person.objects.filter(name="张新").exists()

    done = client.post(reverse(PAGE), {**confirm, "valid_only": "on"}, follow=True)
    assert Person.objects.filter(name="张新").exists()
    assert not Person.objects.filter(name="李四").exists()
    assert "人员.csv" in text(done)
    assert not list((tmp_path / "lianzheng" / "imports").iterdir())  # the pending file is gone


def test_a_wrong_file_is_refused_on_the_form(client, cast, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(cast.clerk.user)
    page = client.post(
        reverse(PAGE), {"sheet": "people", "file": SimpleUploadedFile("人员.pdf", b"%PDF")}
    )
    assert page.status_code == 200 and "只能导入 XLSX 或 CSV 文件" in text(page)


def test_those_who_do_not_keep_people_cannot_import(client, cast):
    client.force_login(cast.auditor)
    assert client.get(reverse(PAGE)).status_code == 403
    assert client.get(reverse("lianzheng_import:template", args=["people"])).status_code == 403
