"""Spreadsheets in, in the admin: choose what to import and the file, read the preview of every
row, then confirm (lianzheng.services.spreadsheet_import does the work)."""

from __future__ import annotations

import hashlib
import io
from pathlib import PurePath
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from openpyxl import Workbook
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from lianzheng.refusals import TransitionRefused, describe
from lianzheng.services.spreadsheet_import import (
    import_apply,
    import_preview,
    user_can_import,
)
from lianzheng.spreadsheets.resources import SHEETS
from lianzheng.views.cases import Forbidden, as_403

PREFIX = "lianzheng_import"
# Uploaded files wait here between the preview and the confirmation, under their SHA-256.
PENDING = "lianzheng/imports/"
SHEET_CHOICES = [
    ("people", _("people")),
    ("units", _("units")),
    ("appointments", _("appointments")),
    ("roles", _("role assignments")),
]


class UploadForm(forms.Form):
    sheet = forms.ChoiceField(label=_("what the file holds"), choices=SHEET_CHOICES)
    file = forms.FileField(label=_("file (XLSX or CSV)"))


def _pending_name(sha256: str, filename: str) -> str:
    return f"{PENDING}{sha256}{PurePath(filename).suffix.lower()[:5]}"


def user_can_import_any(user) -> bool:
    return any(user_can_import(user, sheet) for sheet in SHEETS)


class ImportView(WagtailAdminTemplateMixin, View):
    template_name = "lianzheng/admin/import/import.html"
    page_title = _("Import a spreadsheet")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not user_can_import_any(request.user):
            raise Forbidden
        return super().dispatch(request, *args, **kwargs)

    def render(self, **context):
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                **self.get_context_data(),
                "templates": [
                    (label, reverse(f"{PREFIX}:template", args=[sheet]))
                    for sheet, label in SHEET_CHOICES
                ],
                **context,
            },
        )

    def get(self, request):
        return self.render(form=UploadForm())

    def post(self, request):
        if "sha256" in request.POST:
            return self.confirm(request)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form=form)
        upload = form.cleaned_data["file"]
        sheet = form.cleaned_data["sheet"]
        content = upload.read()
        try:
            preview = import_preview(
                user=request.user, sheet=sheet, filename=upload.name, content=content
            )
        except PermissionDenied:
            raise Forbidden from None
        except TransitionRefused as error:
            for refusal in error.refusals:
                form.add_error("file", describe(refusal))
            return self.render(form=form)
        name = _pending_name(preview.sha256, upload.name)
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(content))
        return self.render(form=None, preview=preview)

    def confirm(self, request):
        sheet = request.POST.get("sheet", "")
        sha256 = request.POST.get("sha256", "")
        filename = PurePath(request.POST.get("filename", "")).name
        name = _pending_name(sha256, filename)
        try:
            with default_storage.open(name, "rb") as handle:
                content = handle.read()
        except (FileNotFoundError, OSError):
            content = b""
        if not content or hashlib.sha256(content).hexdigest() != sha256 or sheet not in SHEETS:
            messages.error(request, _("The previewed file is no longer here; upload it again."))
            return redirect(f"{PREFIX}:import")
        try:
            done = import_apply(
                user=request.user,
                sheet=sheet,
                filename=filename,
                content=content,
                valid_only=request.POST.get("valid_only") == "on",
            )
        except PermissionDenied:
            raise Forbidden from None
        except TransitionRefused as error:
            for refusal in error.refusals:
                messages.error(request, describe(refusal))
            preview = import_preview(
                user=request.user, sheet=sheet, filename=filename, content=content
            )
            return self.render(form=None, preview=preview)
        default_storage.delete(name)
        counts = done.counts
        messages.success(
            request,
            _(
                "Imported %(file)s: %(new)s added, %(update)s updated, %(skip)s unchanged, "
                "%(refused)s refused rows left out."
            )
            % {"file": filename, **counts},
        )
        return redirect(f"{PREFIX}:import")


class TemplateDownloadView(View):
    """An XLSX with the sheet's columns and one example row, to fill in and upload."""

    def get(self, request, sheet):
        if sheet not in SHEETS or not user_can_import(request.user, sheet):
            raise Forbidden
        resource = SHEETS[sheet]
        book = Workbook()
        page = book.active
        page.title = resource.title
        page.append([f.column_name for f in resource().get_import_fields()])
        page.append(resource.example())
        for column in page.columns:
            page.column_dimensions[column[0].column_letter].width = 18
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = f"{resource.title}导入模板.xlsx"
        response["Content-Disposition"] = (
            f"attachment; filename=\"{sheet}-template.xlsx\"; filename*=UTF-8''{quote(filename)}"
        )
        return response


class ImportViewSet(ViewSet):
    name = PREFIX
    url_prefix = "lianzheng/import"
    icon = "upload"
    menu_label = _("Import a spreadsheet")
    add_to_settings_menu = True

    def get_urlpatterns(self):
        return [
            path("", as_403(ImportView.as_view()), name="import"),
            path("template/<str:sheet>/", as_403(TemplateDownloadView.as_view()), name="template"),
        ]

    def get_menu_item(self, order=None):
        class ImportMenuItem(MenuItem):
            def is_shown(self, request):
                return user_can_import_any(request.user)

        return ImportMenuItem(
            self.menu_label, reverse(f"{PREFIX}:import"), icon_name=self.icon, order=order or 800
        )
