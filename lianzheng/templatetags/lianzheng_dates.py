"""``{{ value|written }}``, ``{{ value|written:"weekday" }}``: dates in the reader's language
(lianzheng.dates)."""

from django import template

from lianzheng.dates import written as _written

register = template.Library()


@register.filter
def written(value, kind="day"):
    return _written(value, kind)
