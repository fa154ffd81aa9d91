"""The page of a background generation (services.jobs): its progress bar while it runs, the
download when it is done, the reason when it failed; and the notice, on whatever admin page the
requester opens next, that it finished.

Only the person who asked sees a job: a package may hold the whistleblower report he chose to
include, and his integrity-file request is his own work in progress.
"""

from __future__ import annotations

from urllib.parse import quote

from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from lianzheng.models import GenerationJob, JobKind, JobState
from lianzheng.services.jobs import JobRefused, fail_if_lost, job_read, jobs_to_announce
from lianzheng.views.cases import as_403, case_url
from lianzheng.views.faults import language_of

PENDING = "lianzheng_jobs_pending"


def job_url(job: GenerationJob) -> str:
    return reverse("lianzheng_jobs:job", args=[job.pk])


def remember_pending(request) -> None:
    """The requester is told on his next admin page when it finished (JobNoticeMiddleware)."""
    request.session[PENDING] = True


def result_url(job: GenerationJob) -> str:
    """Where the finished job's file is downloaded."""
    if job.state != JobState.DONE:
        return ""
    if job.kind == JobKind.INTEGRITY_FILE and job.document_id:
        return reverse(
            "wagtailsnippets_lianzheng_person:document", args=[job.person_id, job.document_id]
        )
    if job.kind == JobKind.PACKAGE and job.file:
        return reverse("lianzheng_jobs:download", args=[job.pk])
    return ""


def back_url(job: GenerationJob) -> str:
    if job.kind == JobKind.INTEGRITY_FILE:
        return reverse("wagtailsnippets_lianzheng_person:inspect", args=[job.person_id])
    return case_url("inspect", job.case_id)


def subject_of(job: GenerationJob) -> str:
    return job.person.name if job.kind == JobKind.INTEGRITY_FILE else str(job.case)


def own_job(request, pk: int) -> GenerationJob:
    job = get_object_or_404(GenerationJob.objects.select_related("person", "case"), pk=pk)
    if job.requested_by_id != request.user.pk:
        raise Http404
    return job


def status(job: GenerationJob) -> dict:
    return {
        "state": job.state,
        "finished": job.finished,
        "progress": job.progress,
        "stage": job.get_stage_display(),
        "state_label": job.get_state_display(),
        "message": job.message,
        "download": result_url(job),
    }


class JobView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "lianzheng/admin/job.html"
    header_icon = "cogs"

    def dispatch(self, request, *args, **kwargs):
        self.job = own_job(request, kwargs["pk"])
        fail_if_lost(self.job)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("%(kind)s of %(subject)s") % {
            "kind": self.job.get_kind_display(),
            "subject": subject_of(self.job),
        }

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": back_url(self.job), "label": subject_of(self.job)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.job.finished and self.job.seen_at is None:
            # Read here, it needs no notice on the next page.
            GenerationJob.objects.filter(pk=self.job.pk).update(seen_at=timezone.now())
        context.update(
            job=self.job,
            status=status(self.job),
            status_url=reverse("lianzheng_jobs:status", args=[self.job.pk]),
            back_url=back_url(self.job),
        )
        return context


class JobStatusView(View):
    """The job's state as JSON, for the progress bar's polling: every second while a page is
    open, so outside ATOMIC_REQUESTS (on SQLite each request's transaction would take the
    write lock)."""

    @classmethod
    def as_view(cls, **initkwargs):
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def get(self, request, pk):
        job = own_job(request, pk)
        fail_if_lost(job)
        if job.finished and job.seen_at is None:
            GenerationJob.objects.filter(pk=job.pk).update(seen_at=timezone.now())
        response = JsonResponse(status(job))
        response["Cache-Control"] = "no-store"
        return response


class JobDownloadView(View):
    def get(self, request, pk):
        job = own_job(request, pk)
        try:
            data = job_read(job, user=request.user)
        except JobRefused as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(job_url(job))
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = (
            f"attachment; filename=\"job-{job.pk}.zip\"; filename*=UTF-8''{quote(job.filename)}"
        )
        response["X-Content-SHA256"] = job.sha256
        response["Cache-Control"] = "private, no-store"
        return response


class JobNoticeMiddleware:
    """On the requester's next admin page after a background generation finished: a message
    saying so, with its download. Costs nothing unless the session has a job pending."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.get(PENDING)
            and request.method == "GET"
            and request.user.is_authenticated
            and request.path.startswith(reverse("wagtailadmin_home"))
            and "/lianzheng/jobs/" not in request.path
        ):
            self.announce(request)
        return self.get_response(request)

    def announce(self, request):
        # Outside the view, the request's language is the browser's; the user's is his
        # profile's, as the job's own message is.
        with translation.override(language_of(request)):
            self._announce(request)

    def _announce(self, request):
        for job in jobs_to_announce(request.user):
            what = {"kind": job.get_kind_display(), "subject": subject_of(job)}
            if job.state == JobState.DONE:
                messages.success(
                    request,
                    _("The %(kind)s of %(subject)s is ready.") % what,
                    buttons=[messages.button(result_url(job) or job_url(job), _("Download"))],
                )
            else:
                messages.error(
                    request,
                    _("The %(kind)s of %(subject)s could not be made: %(reason)s")
                    % {**what, "reason": job.message},
                    buttons=[messages.button(job_url(job), _("Details"))],
                )
        if not GenerationJob.objects.filter(
            requested_by=request.user, state__in=(JobState.QUEUED, JobState.RUNNING)
        ).exists():
            request.session.pop(PENDING, None)


class JobViewSet(ViewSet):
    name = "lianzheng_jobs"
    url_prefix = "lianzheng/jobs"
    icon = "cogs"
    menu_label = gettext_lazy("Background generations")

    def get_urlpatterns(self):
        return [
            path("<int:pk>/", as_403(JobView.as_view()), name="job"),
            path("<int:pk>/status/", as_403(JobStatusView.as_view()), name="status"),
            path("<int:pk>/download/", as_403(JobDownloadView.as_view()), name="download"),
        ]
