"""Auditors' views: the global audit log, comparison of two versions of a case, the chain.

Everything here reads; the only row written is the record of a verification run, an access log
like the record of each showing of confidential information.
"""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import AdminDateInput

from lianzheng.audit import checkpoints
from lianzheng.audit.verification import verify
from lianzheng.choices import Role, Transition
from lianzheng.fields import int_param
from lianzheng.history import user_display
from lianzheng.models import ChainVerification, Checkpoint, JobKind, TalkCase
from lianzheng.permissions import user_can_ask, user_can_view_cases, user_roles
from lianzheng.selectors.audit import (
    LogFilters,
    audit_log,
    case_versions,
    chain_status,
    compare_parts,
    compare_versions,
    model_choices,
)
from lianzheng.services.audit import record_verification
from lianzheng.services.checkpoints import certificate, checkpoint_make, witnesses
from lianzheng.services.confidential import user_can_see_confidential
from lianzheng.services.evidence import package_filename
from lianzheng.services.jobs import JobRefused, job_request
from lianzheng.views.cases import Forbidden, as_403, case_url
from lianzheng.views.exports import csv_cell, xlsx_cell, xlsx_value
from lianzheng.views.jobs import job_url, remember_pending
from lianzheng.workflow.steps import STEPS

AUDIT_READERS = frozenset(
    {Role.AUDITOR, Role.DISCIPLINE_OFFICER, Role.DEPUTY_HEAD_DISCIPLINE, Role.PRINCIPAL_HEAD}
)
EXPORT_LIMIT = 50_000


def changes_cell(changes) -> str:
    """「字段：旧值 → 新值」, a line a field; what the log does not show, said so."""
    if changes is None:
        return gettext("not shown: confidential information (第七条（四）)")
    return "\n".join(
        gettext("%(field)s: %(old)s → %(new)s")
        % {"field": label, "old": old or "—", "new": new or "—"}
        for label, old, new in changes
    )


def user_can_read_audit(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or bool(user_roles(user) & AUDIT_READERS)


class NamedUserChoiceField(forms.ModelChoiceField):
    """Users by their names, as the log names them (#17), not by their logins."""

    def label_from_instance(self, obj):
        return user_display(obj)


class LogFilterForm(forms.Form):
    user = NamedUserChoiceField(
        label=_("user"),
        required=False,
        queryset=get_user_model().objects.select_related("person").order_by("username"),
    )
    since = forms.DateField(label=_("from"), required=False, widget=AdminDateInput)
    until = forms.DateField(label=_("until"), required=False, widget=AdminDateInput)
    case = forms.CharField(label=_("case number"), required=False, max_length=40)
    transition = forms.ChoiceField(label=_("transition"), required=False)
    model = forms.ChoiceField(label=_("record of"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transition"].choices = [("", "—")] + [
            (step.name, step.label) for step in STEPS
        ]
        self.fields["model"].choices = [("", "—"), *model_choices()]

    def clean_case(self):
        """The case by its full number, or by its sequence ("15" or "15号") when only one
        case has it; several years' cases with that sequence are named, for the user to pick
        the full number, as the case listing's search finds them by part of the number too."""
        wanted = "".join(self.cleaned_data.get("case", "").split())
        if not wanted:
            return None
        case = TalkCase.objects.filter(number=wanted).first()
        if case is not None:
            return case
        sequence = int_param(wanted.removesuffix("号"))
        matches = []
        if sequence is not None:
            matches = list(TalkCase.objects.filter(sequence=sequence).order_by("-year")[:5])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise forms.ValidationError(
                _("Several cases have this number: %(numbers)s. Enter the full number.")
                % {"numbers": "、".join(c.number for c in matches)}
            )
        raise forms.ValidationError(_("No case has the number %(number)s.") % {"number": wanted})

    def filters(self) -> LogFilters:
        data = self.cleaned_data if self.is_valid() else {}
        case_id = data["case"].pk if data.get("case") else None
        return LogFilters(
            user_id=data["user"].pk if data.get("user") else None,
            since=data.get("since"),
            until=data.get("until"),
            case_id=case_id,
            transition=data.get("transition") or "",
            model=data.get("model") or "",
        )


class TitledPage(WagtailAdminTemplateMixin):
    """An audit page whose header names it: Wagtail's mixin alone gives the breadcrumbs 「首页」
    only, which the header shows as the page's title. A page about one case (``self.case``)
    names the listing and the case on the way."""

    def get_breadcrumbs_items(self):
        items = list(super().get_breadcrumbs_items())
        case = getattr(self, "case", None)
        if case is not None:
            items += [
                {"url": case_url("list"), "label": TalkCase._meta.verbose_name_plural},
                {"url": case_url("inspect", case.pk), "label": str(case)},
            ]
        return [*items, {"url": "", "label": self.get_page_title()}]


class AuditLogView(TitledPage, TemplateView):
    template_name = "lianzheng/admin/audit/log.html"
    page_title = _("Audit log")
    header_icon = "history"

    def dispatch(self, request, *args, **kwargs):
        if not user_can_read_audit(request.user):
            raise Forbidden
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        self.form = LogFilterForm(request.GET or None)
        if self.form.is_bound and not self.form.is_valid():
            # A filter that cannot be applied shows its error and no rows: the whole log
            # under a filter the reader believes in would mislead, and so would its export.
            self.entries = []
            return super().get(request, *args, **kwargs)
        filters = self.form.filters() if self.form.is_bound else LogFilters()
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            return self.export(audit_log(filters, limit=EXPORT_LIMIT), export)
        self.entries = audit_log(filters, limit=50, before_seq=int_param(request.GET.get("before")))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("before", None)
        older = None
        if len(self.entries) == 50:
            query["before"] = self.entries[-1]["seq"]
            older = "?" + query.urlencode()
        context.update(
            form=self.form,
            entries=self.entries,
            older_url=older,
            status=chain_status(),
            verify_url=reverse("lianzheng_audit:verify"),
            export_query=self.request.GET.urlencode(),
        )
        return context

    COLUMNS = (
        ("seq", _("sequence")),
        ("when", _("time")),
        ("who", _("user")),
        ("model", _("record of")),
        ("object", _("object")),
        ("type", _("type of change")),
        ("transition", _("transition")),
        ("from", _("state before")),
        ("to", _("state after")),
        ("changes", _("fields changed")),
        ("reason", _("reason")),
        ("articles", _("articles cited")),
        ("hash", _("hash")),
    )

    def export(self, entries, kind):
        rows = [[self._cell(key, e[key]) for key, _label in self.COLUMNS] for e in entries]
        headings = [str(label) for _key, label in self.COLUMNS]
        if kind == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(headings)
            writer.writerows([[csv_cell(value) for value in row] for row in rows])
            response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv")
            response["Content-Disposition"] = 'attachment; filename="lianzheng-audit-log.csv"'
            return response

        book = Workbook(write_only=True)
        sheet = book.create_sheet("audit log")
        sheet.append(headings)
        for row in rows:
            sheet.append([xlsx_cell(WriteOnlyCell(sheet, xlsx_value(value))) for value in row])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="lianzheng-audit-log.xlsx"'
        return response

    @staticmethod
    def _cell(key, value):
        if key == "changes":
            return changes_cell(value)
        if hasattr(value, "tzinfo") and value is not None:
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
        return "" if value is None else str(value)


class VerifyView(TitledPage, TemplateView):
    """Verify the chain and show the result, recorded like any verification.

    Verifying writes a record, so it is a POST (the "verify now" buttons are forms): a GET
    only shows the page with its button, or, after the POST's redirect, the run it made. A
    link would have recorded a verification for every crawler, prefetch or reload."""

    template_name = "lianzheng/admin/audit/verify.html"
    page_title = _("Verify the audit chain")
    header_icon = "lock"

    def dispatch(self, request, *args, **kwargs):
        if not user_can_read_audit(request.user):
            raise Forbidden
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        record = record_verification(checkpoints.verify_full(verify), user=request.user)
        return redirect(f"{reverse('lianzheng_audit:verify')}?run={record.pk}")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = int_param(self.request.GET.get("run"))
        record = ChainVerification.objects.filter(pk=run).first() if run else None
        context.update(record=record, log_url=reverse("lianzheng_audit:log"))
        return context


class CheckpointsView(TitledPage, TemplateView):
    """The signed checkpoints, each as JSON and as a one-page PDF certificate, and a button
    that verifies the rows since the newest and signs a new one (a POST: it writes)."""

    template_name = "lianzheng/admin/audit/checkpoints.html"
    page_title = _("Signed checkpoints")
    header_icon = "lock"

    def dispatch(self, request, *args, **kwargs):
        if not user_can_read_audit(request.user):
            raise Forbidden
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            made = checkpoint_make(user=request.user)
        except (checkpoints.KeyMissing, checkpoints.ChainBroken) as exc:
            messages.error(request, str(exc))
            return redirect("lianzheng_audit:checkpoints")
        signed = made.checkpoint
        messages.success(
            request,
            gettext("Checkpoint #%(id)s signed: %(rows)s rows, root %(root)s.")
            % {"id": signed.pk, "rows": signed.tree_size, "root": signed.root},
        )
        if made.sent_to:
            messages.info(
                request,
                gettext("A copy was e-mailed to the witnesses: %(addresses)s.")
                % {"addresses": "、".join(made.sent_to)},
            )
        elif made.send_error:
            # The mail library's own words (English) are in the log, not in the message.
            messages.error(
                request,
                gettext(
                    "The checkpoint is signed, but e-mailing it to the witnesses failed (the "
                    "server's log has the details). Download its JSON below and hand it to them."
                ),
            )
        else:
            messages.warning(
                request,
                gettext(
                    "No witness has a copy: no witness address is set. Download its JSON "
                    "below and hand it to the discipline inspection office."
                ),
            )
        return redirect("lianzheng_audit:checkpoints")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            checkpoints=Checkpoint.objects.defer("entries")[:100],
            verify_url=reverse("lianzheng_audit:verify"),
            witnesses=witnesses(),
        )
        return context


def checkpoint_download(request, pk: int, kind: str):
    """A checkpoint's JSON (what the witnesses keep) or its PDF certificate."""
    if not user_can_read_audit(request.user):
        raise Forbidden
    checkpoint = get_object_or_404(Checkpoint.objects.defer("entries"), pk=pk)
    if kind == "json":
        data, content_type = checkpoints.json_bytes(checkpoint), "application/json"
    elif kind == "pdf":
        data, content_type = certificate(checkpoint), "application/pdf"
    else:
        raise Http404
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="lianzheng-checkpoint-{checkpoint.tree_size}.{kind}"'
    )
    return response


class CasePackageView(TitledPage, TemplateView):
    """A case's evidence package (案卷) for the office and the auditors: a page that says what
    it holds and how to check it, and a POST that returns the ZIP (making one may sign a
    checkpoint, and including the whistleblower report is a logged showing)."""

    template_name = "lianzheng/admin/audit/package.html"
    page_title = _("Evidence package")
    header_icon = "download"

    def dispatch(self, request, *args, **kwargs):
        if not user_can_ask(request.user, "package"):
            raise Forbidden
        self.case = get_object_or_404(TalkCase, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.case)

    def post(self, request, *args, **kwargs):
        """The package is made in the background (every document and proof of the case): the
        button leads to the job's page with its progress bar (views.jobs)."""
        include = request.POST.get("confidential") == "1"
        try:
            job, _new = job_request(
                user=request.user,
                kind=JobKind.PACKAGE,
                case=self.case,
                include_confidential=include,
            )
        except JobRefused as exc:
            messages.error(request, str(exc))
            return redirect("lianzheng_audit:package", self.case.pk)
        remember_pending(request)
        return redirect(job_url(job))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            case=self.case,
            may_include_confidential=user_can_see_confidential(self.request.user),
            case_page=case_url("inspect", self.case.pk),
            package_name=package_filename(self.case),
        )
        return context


class CaseCompareView(TitledPage, TemplateView):
    """Any two versions of a case, field by field, in the fields' Chinese labels, and what
    was added, removed and changed among its parts between them."""

    template_name = "lianzheng/admin/audit/compare.html"
    page_title = _("Compare versions")
    header_icon = "history"

    def dispatch(self, request, *args, **kwargs):
        if not user_can_view_cases(request.user):
            raise Forbidden
        self.case = get_object_or_404(TalkCase, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.case)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        versions = case_versions(self.case)
        for v in versions:
            # The step's name (提交审批, 同意…), not its code (submit, consent…).
            v.step_label = Transition(v.history_transition).label if v.history_transition else ""
        by_id = {v.history_id: v for v in versions}
        a = by_id.get(int_param(self.request.GET.get("a")), versions[0])
        b = by_id.get(int_param(self.request.GET.get("b")), versions[-1])
        context.update(
            case=self.case,
            versions=versions,
            a=a.history_id,
            b=b.history_id,
            rows=compare_versions(self.case, a, b),
            parts=compare_parts(self.case, a, b),
            case_page=case_url("inspect", self.case.pk),
        )
        return context


class AuditViewSet(ViewSet):
    name = "lianzheng_audit"
    url_prefix = "lianzheng/audit"
    icon = "history"
    menu_label = _("Audit log")
    menu_order = 210
    add_to_admin_menu = True

    def get_urlpatterns(self):
        return [
            path("", as_403(AuditLogView.as_view()), name="log"),
            path("verify/", as_403(VerifyView.as_view()), name="verify"),
            path("checkpoints/", as_403(CheckpointsView.as_view()), name="checkpoints"),
            path(
                "checkpoints/<int:pk>/<str:kind>/",
                as_403(checkpoint_download),
                name="checkpoint_download",
            ),
            path("case/<int:pk>/package/", as_403(CasePackageView.as_view()), name="package"),
            path("case/<int:pk>/compare/", as_403(CaseCompareView.as_view()), name="compare"),
        ]

    def get_menu_item(self, order=None):
        class AuditMenuItem(MenuItem):
            def is_shown(self, request):
                return user_can_read_audit(request.user)

        return AuditMenuItem(
            self.menu_label,
            reverse("lianzheng_audit:log"),
            icon_name=self.icon,
            order=order or self.menu_order,
        )
