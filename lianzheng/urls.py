"""The add-on's URLs outside the admin: a signed-in person's own integrity file."""

from django.urls import path

from lianzheng.views.my_file import MyDocumentView, MyIntegrityFileView

urlpatterns = [
    path("integrity-file/", MyIntegrityFileView.as_view(), name="lianzheng_my_file"),
    path("documents/<int:document_id>/", MyDocumentView.as_view(), name="lianzheng_my_document"),
]
