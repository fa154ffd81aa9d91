"""Registration only: the viewsets live in lianzheng.viewsets."""

from wagtail.snippets.models import register_snippet

from lianzheng.viewsets import LianzhengViewSetGroup

register_snippet(LianzhengViewSetGroup)
