from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LianzhengConfig(AppConfig):
    name = "lianzheng"
    verbose_name = _("Integrity talks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from lianzheng.search import signals

        signals.connect()
