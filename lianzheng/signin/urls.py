"""The two-factor pages, added to the admin's URLs (Wagtail requires admin access for them)."""

from django.urls import path

from lianzheng.signin import views


def admin_urlpatterns():
    return [
        path("two-factor/verify/", views.VerifyView.as_view(), name="lianzheng_2fa_verify"),
        path("two-factor/enrol/", views.EnrolView.as_view(), name="lianzheng_2fa_enrol"),
        path("two-factor/", views.ManageView.as_view(), name="lianzheng_2fa_manage"),
        path(
            "two-factor/backup-codes/",
            views.BackupCodesView.as_view(),
            name="lianzheng_2fa_backup_codes",
        ),
        path("two-factor/remove/", views.RemoveView.as_view(), name="lianzheng_2fa_remove"),
    ]
