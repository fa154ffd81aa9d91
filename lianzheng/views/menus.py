"""The admin's menus, in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext
from wagtail.utils.version import get_main_version


def help_menu_in_reader_language(request, menu_items) -> None:
    """``construct_help_menu``: Wagtail 7.4 writes 「Wagtail 7.4 的新功能」 once, in the language
    of the first request the process serves, so an English reader could read it in Chinese and
    a Chinese one in English (#17). Written again here for each request."""
    version = get_main_version(include_patch=False)
    for item in menu_items:
        if item.name.startswith("whats-new-in-wagtail-"):
            item.label = gettext("What's new in Wagtail %(version)s") % {"version": version}


__all__ = ["help_menu_in_reader_language"]
