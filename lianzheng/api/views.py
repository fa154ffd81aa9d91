"""The case API: read-only, for the discipline-inspection bodies, each call logged.

Every answer — refusals included — goes through ``LoggedAPIView.finalize_response``, which
describes the call; ``lianzheng.api.middleware`` appends it to ``ApiCall`` (append-only at the
database) before the answer leaves.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from rest_framework import pagination, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from lianzheng.api import openapi
from lianzheng.api.auth import ConsumerRateThrottle, ConsumerTokenAuthentication, IsConsumer
from lianzheng.api.serializers import CaseListSerializer, CaseSerializer
from lianzheng.choices import CaseState
from lianzheng.models import ApiConsumer, CaseSubject, TalkCase
from lianzheng.signin.clientip import client_ip


class LoggedAPIView(APIView):
    authentication_classes = [ConsumerTokenAuthentication]
    permission_classes = [IsConsumer]
    throttle_classes = [ConsumerRateThrottle]
    renderer_classes = [JSONRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        consumer = getattr(request, "_auth", None)
        # Written by ApiCallLogMiddleware once the request's transaction has ended: a refusal
        # rolls that transaction back (DRF marks it so), and the log must survive it.
        response.lianzheng_api_call = {
            "consumer": consumer if isinstance(consumer, ApiConsumer) else None,
            "method": request.method,
            "path": request.path,
            "query": request.META.get("QUERY_STRING", ""),
            "status": response.status_code,
            "client": client_ip(request) or "",
        }
        return response


SINCE_FORMAT = "an ISO 8601 date and time with its offset, e.g. 2026-12-01T00:00:00+08:00"


class CasePagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CaseViewSet(LoggedAPIView, viewsets.ReadOnlyModelViewSet):
    """Numbered cases (drafts are the office's own until submitted), newest change first."""

    pagination_class = CasePagination

    def get_queryset(self):
        subjects = Prefetch(
            "subjects",
            queryset=CaseSubject.objects.select_related("person__unit").order_by(
                "sort_order", "pk"
            ),
        )
        cases = (
            TalkCase.objects.exclude(state=CaseState.DRAFT)
            .exclude(number="")
            .exclude(number__isnull=True)
            .order_by("-updated_at", "-pk")
        )
        if self.action == "list":
            return self.filtered(cases).prefetch_related(subjects)
        return cases.select_related("proposed_by", "consented_by").prefetch_related(
            subjects,
            "grounds",
            "participants__person__unit",
            "notices__subject__person",
            "records__subject__person",
            "postponements__subject__person",
            "rectification_items__subject__person",
            "rectification_items__checks",
            "documents__person",
        )

    def filtered(self, cases):
        params = self.request.query_params
        if state := params.get("state"):
            if state not in CaseState.values:
                raise ValidationError(
                    {"state": f"unknown state; one of {', '.join(CaseState.values)}"}
                )
            cases = cases.filter(state=state)
        if since := params.get("updated_since"):
            try:
                moment = parse_datetime(since)
            except ValueError:
                moment = None
            if moment is None or moment.tzinfo is None:
                raise ValidationError({"updated_since": SINCE_FORMAT})
            cases = cases.filter(updated_at__gte=moment)
        if number := params.get("number"):
            cases = cases.filter(number=number)
        return cases

    def get_serializer_class(self):
        return CaseListSerializer if self.action == "list" else CaseSerializer

    @action(detail=True)
    def history(self, request, pk=None):
        """The case's own history rows, oldest first, with their place in the hash chain."""
        case = self.get_object()
        rows = case.history.order_by("history_date", "history_id")
        return Response(
            [
                {
                    "at": row.history_date.isoformat(),
                    "by": row.history_user_display,
                    "type": row.history_type,
                    "transition": row.history_transition,
                    "state_from": row.history_state_from,
                    "state_to": row.history_state_to,
                    "reason": row.history_change_reason or "",
                    "articles": row.history_articles.split(),
                    "chain_seq": row.chain_seq,
                    "chain_hash": row.chain_hash,
                }
                for row in rows
            ]
        )


class OpenAPIView(LoggedAPIView):
    """The description, readable without a token so a consumer can prepare before he has one."""

    authentication_classes = []
    permission_classes = []

    def get(self, request):
        return Response(
            openapi.description(request.build_absolute_uri(reverse("lianzheng_api:root")))
        )
