"""The client's address for the failed-sign-in count: X-Forwarded-For only as far as configured."""

import pytest
from django.test import RequestFactory, override_settings

from lianzheng.signin.clientip import client_ip


def request(remote="127.0.0.1", forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_proxies_the_header_is_not_believed():
    assert client_ip(request("192.0.2.1", "203.0.113.5")) == "192.0.2.1"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "not-an-address", "127.0.0.1"),
        (2, "203.0.113.5", "127.0.0.1"),
        (1, "", "127.0.0.1"),
    ],
)
def test_with_proxies_the_address_our_outermost_proxy_saw(count, forwarded, expected):
    with override_settings(LIANZHENG_TRUSTED_PROXY_COUNT=count):
        assert client_ip(request("127.0.0.1", forwarded)) == expected
