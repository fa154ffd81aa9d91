"""The person's own integrity file, for a subject who has a login but no role in the admin.

Shown on the public site behind sign-in: the same entries the office sees (which never include
the confidential report, R7.4) and the documents addressed to him. Nobody else's file is reachable
here: the person is the one linked to the signed-in user, never a parameter.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views import View
from wagtail.admin.localization import get_localized_response

from lianzheng.models import GeneratedDocument, Person
from lianzheng.selectors.people import integrity_file, integrity_file_versions
from lianzheng.views.documents import pdf_response


def _own_person(request) -> Person:
    person = Person.objects.filter(user=request.user).select_related("unit").first()
    if person is None:
        raise Http404("no person is linked to this login")
    return person


@method_decorator(login_required, name="dispatch")
class MyIntegrityFileView(View):
    """In the language the person chose for his account, as the admin is (#17); the public
    pages' switch is for visitors."""

    def dispatch(self, request, *args, **kwargs):
        return get_localized_response(super().dispatch, request, *args, **kwargs)

    def get(self, request):
        person = _own_person(request)
        return TemplateResponse(
            request,
            "lianzheng/my_integrity_file.html",
            {
                "person": person,
                "entries": integrity_file(person),
                "files": integrity_file_versions(person),
            },
        )


@method_decorator(login_required, name="dispatch")
class MyDocumentView(View):
    """A document addressed to the signed-in person, or a version of his own file."""

    def get(self, request, document_id):
        person = _own_person(request)
        document = get_object_or_404(
            GeneratedDocument, pk=document_id, person=person, for_subject=True
        )
        return pdf_response(request, document, reader_is_subject=True)
