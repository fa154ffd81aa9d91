"""Registration only: viewsets, log actions and dashboard panels live in their own modules."""

from wagtail import hooks
from wagtail.admin.active_filters import register_filter_adapter_class
from wagtail.contrib.settings.registry import register_setting
from wagtail.snippets.models import register_snippet

from lianzheng import log_actions, panels
from lianzheng.models import DocumentSettings
from lianzheng.models.pages import SERVE_REGULATION_PDF
from lianzheng.signin import urls as signin_urls
from lianzheng.signin import views as signin_views
from lianzheng.views.api_consumers import ApiConsumerViewSet
from lianzheng.views.audit import AuditViewSet
from lianzheng.views.calendar import date_picker_marks
from lianzheng.views.filters import TickFilter, TickFilterAdapter
from lianzheng.views.jobs import JobViewSet
from lianzheng.views.menus import help_menu_in_reader_language
from lianzheng.views.regulation_pdf import regulation_pdf_response
from lianzheng.views.spreadsheet_import import ImportViewSet
from lianzheng.viewsets import CaseSearchArea, LianzhengViewSetGroup

register_snippet(LianzhengViewSetGroup)
register_setting(DocumentSettings, icon="doc-full")
register_filter_adapter_class(TickFilter, TickFilterAdapter)
hooks.register("register_log_actions", log_actions.register)
hooks.register("insert_global_admin_js", date_picker_marks)
hooks.register("construct_help_menu", help_menu_in_reader_language)
hooks.register("construct_homepage_panels", panels.add_panels)
hooks.register("register_admin_viewset", AuditViewSet)
hooks.register("register_admin_viewset", ApiConsumerViewSet)
hooks.register("register_admin_viewset", ImportViewSet)
hooks.register("register_admin_viewset", JobViewSet)
hooks.register("register_admin_urls", signin_urls.admin_urlpatterns)
hooks.register("register_account_menu_item", signin_views.account_menu_item)
hooks.register(SERVE_REGULATION_PDF, regulation_pdf_response)
hooks.register("register_admin_search_area", CaseSearchArea)
