"""The add-on's entries in Wagtail's audit log (shown in each object's history)."""

from django.utils.translation import gettext_lazy as _


def register(actions) -> None:
    actions.register_action("lianzheng.transition", _("Case transition"), _("Case transition"))
