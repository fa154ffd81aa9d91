"""Generating and downloading documents in the admin: a case's, and a person's integrity file.

Downloads obey the case permissions (whoever may open cases); generating is the office's and
the attending officers' (``permissions.ACTION_ROLES["document"]``). A refused generation says
why on the page it came from and stores nothing; a stored file that fails its hash is refused.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from wagtail.snippets.views.snippets import InspectView

from lianzheng.models import (
    GeneratedDocument,
    JobKind,
    Person,
    Postponement,
    RectificationCheck,
    TalkCase,
)
from lianzheng.permissions import user_can_ask, user_can_view_cases
from lianzheng.refusals import TransitionRefused, describe
from lianzheng.selectors.people import integrity_file, integrity_file_versions
from lianzheng.services.documents import (
    DocumentUnavailable,
    document_generate,
    document_read,
    documents_generate_all,
)
from lianzheng.services.errors import OperationFailed
from lianzheng.services.jobs import job_request
from lianzheng.views.cases import Forbidden, case_url
from lianzheng.views.faults import ServiceOwnsTheWrite, expected_faults
from lianzheng.views.jobs import job_url, remember_pending
from lianzheng.views.snippets import ReadableInspectMixin

PERSON_URLS = "wagtailsnippets_lianzheng_person"


def person_url(name: str, *args) -> str:
    return reverse(f"{PERSON_URLS}:{name}", args=args)


def pdf_response(
    request, document: GeneratedDocument, *, reader_is_subject: bool = False
) -> HttpResponse:
    """The stored PDF, checked against its hash. ``reader_is_subject``: the person the document
    is addressed to reads it (the caller has checked that), not staff under case permissions."""
    try:
        data = document_read(user=request.user, document=document, as_subject=reader_is_subject)
    except DocumentUnavailable as exc:
        return TemplateResponse(
            request,
            "lianzheng/admin/document_refused.html",
            {"page_title": _("Document refused"), "message": str(exc), "document": document},
            status=exc.status,
        )
    response = HttpResponse(data, content_type="application/pdf")
    # RFC 5987: the Chinese file name for browsers, an ASCII one for the rest.
    response["Content-Disposition"] = (
        f'inline; filename="document-{document.pk}-v{document.version}.pdf"; '
        f"filename*=UTF-8''{quote(document.filename)}"
    )
    response["X-Content-SHA256"] = document.sha256
    response["Cache-Control"] = "private, no-store"
    return response


class GenerateMixin(ServiceOwnsTheWrite):
    """POST only: generate, then back to the page the button was on with what happened."""

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        if not user_can_view_cases(request.user) or not user_can_ask(request.user, "document"):
            raise Forbidden
        return super().dispatch(request, *args, **kwargs)

    def generate(self, request, back: str, **target) -> HttpResponseRedirect:
        try:
            with expected_faults():
                document = document_generate(user=request.user, **target)
        except TransitionRefused as exc:
            for refusal in exc.refusals:
                messages.error(request, describe(refusal))
            return HttpResponseRedirect(back)
        except OperationFailed as fault:
            messages.error(request, str(fault))
            return HttpResponseRedirect(back)
        if getattr(document, "repeated", False):
            messages.info(
                request,
                _("%(name)s was generated a moment ago; it was not generated again.")
                % {"name": document.filename},
            )
        else:
            messages.success(
                request,
                _("Generated %(name)s (SHA-256 %(sha)s…).")
                % {"name": document.filename, "sha": document.sha256[:16]},
            )
        return HttpResponseRedirect(back)


class CaseDocumentGenerateView(GenerateMixin, View):
    def post(self, request, pk):
        case = get_object_or_404(TalkCase, pk=pk)
        kind = request.POST.get("kind", "")
        person = None
        if request.POST.get("person"):
            person = Person.objects.filter(pk=_int(request.POST["person"])).first()
            if person is None:
                messages.error(request, _("No such person."))
                return HttpResponseRedirect(case_url("inspect", pk) + "#lz-documents")
        return self.generate(
            request, case_url("inspect", pk) + "#lz-documents", kind=kind, case=case, person=person
        )


class CaseDocumentGenerateAllView(GenerateMixin, View):
    """Every subject's document of one kind at once (a collective talk's notices)."""

    def post(self, request, pk):
        case = get_object_or_404(TalkCase, pk=pk)
        back = case_url("inspect", pk) + "#lz-documents"
        try:
            with expected_faults():
                made, refusals = documents_generate_all(
                    user=request.user, case=case, kind=request.POST.get("kind", "")
                )
        except OperationFailed as fault:
            messages.error(request, str(fault))
            return HttpResponseRedirect(back)
        fresh = [d for d in made if not getattr(d, "repeated", False)]
        if fresh:
            messages.success(
                request,
                _("Generated %(count)s documents: %(names)s.")
                % {"count": len(fresh), "names": "、".join(d.filename for d in fresh)},
            )
        elif made:
            messages.info(request, _("They were generated a moment ago; none was generated again."))
        for refusal in refusals:
            messages.error(request, describe(refusal))
        return HttpResponseRedirect(back)


class CaseDocumentDownloadView(View):
    def get(self, request, pk, document_id):
        if not user_can_view_cases(request.user):
            raise Forbidden
        document = get_object_or_404(GeneratedDocument, pk=document_id, case_id=pk)
        return pdf_response(request, document)


class IntegrityFileGenerateView(GenerateMixin, View):
    """An integrity file runs in the background (a person's every case, tens of pages): the
    button leads to the job's page with its progress bar (views.jobs)."""

    def post(self, request, pk):
        person = get_object_or_404(Person, pk=pk)
        job, _new = job_request(user=request.user, kind=JobKind.INTEGRITY_FILE, person=person)
        remember_pending(request)
        return HttpResponseRedirect(job_url(job))


class PersonDocumentDownloadView(View):
    def get(self, request, pk, document_id):
        if not user_can_view_cases(request.user):
            raise Forbidden
        document = get_object_or_404(
            GeneratedDocument, pk=document_id, person_id=pk, case__isnull=True
        )
        return pdf_response(request, document)


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class PersonInspectView(ReadableInspectMixin, InspectView):
    """A person's page, with the versions of his integrity file and the button to make one."""

    template_name = "lianzheng/admin/person_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.object
        user = self.request.user
        files, entries = [], []
        may_view = user_can_view_cases(user)
        if may_view:
            files = [
                {"document": d, "url": person_url("document", person.pk, d.pk)}
                for d in integrity_file_versions(person)
            ]
            entries = integrity_file(person)
        context.update(
            files=files,
            entries=entries,
            may_view_file=may_view,
            may_generate=user_can_view_cases(user) and user_can_ask(user, "document"),
            generate_url=person_url("integrity_file", person.pk),
        )
        return context


class RecordedFileView(View):
    """A file the office attached (evidence of a check, the scan of an application), for
    whoever may open the case; refused if it no longer matches the SHA-256 recorded when it was
    attached. Subclasses say which row and field hold it."""

    field = ""
    download_prefix = ""

    def recorded(self, case_id: int, row_id: int):
        """The row holding the file, or 404 (each subclass names its model)."""
        raise NotImplementedError

    def get(self, request, pk, row_id):
        if not user_can_view_cases(request.user):
            raise Forbidden
        row = self.recorded(pk, row_id)
        stored = getattr(row, self.field)
        if not stored:
            raise Http404
        try:
            with default_storage.open(stored.name, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return self.refused(
                _(
                    "The file is missing and cannot be served; restore the media folder from "
                    "the backup."
                ),
                status=410,
            )
        if hashlib.sha256(data).hexdigest() != getattr(row, f"{self.field}_sha256"):
            return self.refused(
                _(
                    "The file does not match the SHA-256 recorded when it was attached; it is "
                    "not served."
                ),
                status=409,
            )
        response = HttpResponse(data, content_type="application/octet-stream")
        response["Content-Disposition"] = (
            f'attachment; filename="{self.download_prefix}-{row.pk}"; '
            f"filename*=UTF-8''{quote(getattr(row, f'{self.field}_name'))}"
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def refused(self, message, *, status):
        return TemplateResponse(
            self.request,
            "lianzheng/admin/document_refused.html",
            {"page_title": _("Document refused"), "message": message},
            status=status,
        )


class EvidenceDownloadView(RecordedFileView):
    field = "evidence"
    download_prefix = "evidence"

    def recorded(self, case_id, row_id):
        return get_object_or_404(RectificationCheck, pk=row_id, item__case_id=case_id)


class ScanDownloadView(RecordedFileView):
    field = "scan"
    download_prefix = "application"

    def recorded(self, case_id, row_id):
        return get_object_or_404(Postponement, pk=row_id, case_id=case_id)
