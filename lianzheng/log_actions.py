"""The add-on's entries in Wagtail's audit log (shown in each object's history)."""

from django.utils.translation import gettext_lazy as _

TRANSITION = "lianzheng.transition"


def register(actions) -> None:
    actions.register_action(TRANSITION, _("Case transition"), _("Case transition"))
