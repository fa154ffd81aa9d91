"""The Content-Security-Policy: strict for the public pages, with what Wagtail needs in the admin.

settings.CONTENT_SECURITY_POLICY is the policy of every page: only this site's own scripts,
styles, images, fonts and connections, no plugins, no foreign frames or form targets. Pages of
the admin add ``settings.LIANZHENG_ADMIN_CSP_ALLOWANCES`` (each allowance says why there);
nothing outside the admin gets them, so the public pages keep the strict policy.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.urls import reverse


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(reverse("wagtailadmin_home")):
            allowances = settings.LIANZHENG_ADMIN_CSP_ALLOWANCES
            parts.update = {**allowances, **(parts.update or {})}
        return parts
