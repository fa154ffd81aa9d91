"""/api/v2/ — Wagtail's API for the published regulation pages (public, read-only);
/api/cases/v1/ — the case API for the discipline-inspection bodies (a token each)."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet

from lianzheng.api.views import CaseViewSet, OpenAPIView

pages = WagtailAPIRouter("wagtailapi")
pages.register_endpoint("pages", PagesAPIViewSet)

cases = SimpleRouter()
cases.register("cases", CaseViewSet, basename="case")

case_api = (
    [
        path("", OpenAPIView.as_view(), name="root"),
        path("openapi.json", OpenAPIView.as_view(), name="openapi"),
        *cases.urls,
    ],
    "lianzheng_api",
)

urlpatterns = [
    path("v2/", pages.urls),
    path("cases/v1/", include(case_api)),
]
