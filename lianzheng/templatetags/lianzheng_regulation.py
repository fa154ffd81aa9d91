"""What the regulation page shows beside its text, read by the page's template rather than by
its model: the rules and figures beside each article, and the case workflow drawn from the
workflow's steps."""

from __future__ import annotations

from django import template

from lianzheng.diagram import render_svg, transition_rows
from lianzheng.selectors.public import public_record

register = template.Library()


@register.simple_tag(takes_context=True)
def regulation_record(context, page):
    """The page's public record for the year the reader chose (``?year=``)."""
    request = context.get("request")
    return public_record(page, request.GET.get("year") if request else None)


@register.simple_tag
def articles_beside(page, record):
    """Each article of the page with what stands beside it (or None)."""
    return [
        (block, record.articles.get(block.value["number"]))
        for block in page.body
        if block.block_type == "article"
    ]


@register.inclusion_tag("lianzheng/includes/workflow.html")
def workflow_figure():
    return {"workflow_svg": render_svg(), "workflow_rows": transition_rows()}


@register.filter
def cited(codes):
    """Rule codes as history records them (「R6.1 R12.1」 or a tuple) as (code, the article in
    the reader's language, its anchor on the regulation page): a bare code told an auditor
    nothing of the regulation."""
    from django.utils.translation import get_language

    from lianzheng.rules.table import RULES

    if isinstance(codes, str):
        codes = codes.split()
    english = (get_language() or "").startswith("en")
    out = []
    for code in codes or ():
        found = RULES.get(code)
        if found is None:
            out.append((code, "", ""))
        else:
            out.append((code, found.article_ref_en if english else found.article_ref, found.anchor))
    return out
