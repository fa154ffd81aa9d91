"""URL routes: the Wagtail admin at /admin/, documents, and Wagtail's page tree for the rest.

There is deliberately no Django admin: every change to a case goes through the Wagtail admin and
its services, so no second door can write around the rules.
"""

from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lianzheng.views.search import public_search

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/", include("lianzheng.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("my/", include("lianzheng.urls")),
    path("search/", public_search, name="search"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Only Wagtail's images are served straight from MEDIA_ROOT in development. Generated
    # documents and evidence (media/lianzheng/) are served by the case views, which check who
    # asks and the file's SHA-256; the production web server must not serve that folder either.
    for folder in ("original_images/", "images/"):
        urlpatterns += static(
            settings.MEDIA_URL + folder, document_root=f"{settings.MEDIA_ROOT}/{folder}"
        )

urlpatterns += [path("", include(wagtail_urls))]
