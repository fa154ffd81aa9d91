"""Registration only: viewsets live in lianzheng.viewsets, log actions in lianzheng.log_actions."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet

from lianzheng import log_actions
from lianzheng.viewsets import LianzhengViewSetGroup

register_snippet(LianzhengViewSetGroup)
hooks.register("register_log_actions", log_actions.register)
