"""Appends each case-API call to its log after the request's transaction has ended.

Django's ATOMIC_REQUESTS wraps the view alone, and DRF rolls it back on any refusal (a wrong
token, a 404, too many calls): a log row written inside it would vanish with exactly the calls
an auditor most wants to see. Middleware runs outside that transaction.
"""

from __future__ import annotations

from lianzheng.services.api_consumers import api_call_log


class ApiCallLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        call = getattr(response, "lianzheng_api_call", None)
        if call is not None:
            api_call_log(**call)
        return response
