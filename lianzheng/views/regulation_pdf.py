"""The public regulation page's PDF: its live revision as a 红头文件, rendered once per revision.

Rendering takes about a second, and everyone downloads the same bytes until an editor publishes,
so they are kept in Django's cache under the live revision (with the layout version and the
configured fonts, which also change the bytes). Missing fonts are the server's problem, not the
visitor's: the answer is a 503 naming what to install, never a 500.
"""

from __future__ import annotations

import hashlib
import json
import logging
from urllib.parse import quote

from django.core.cache import cache
from django.http import HttpResponse
from django.template.response import TemplateResponse

from lianzheng.documents.fonts import FontsUnavailable, MissingGlyph, configured_files
from lianzheng.documents.regulation_pdf import LAYOUT_VERSION, regulation_pdf

logger = logging.getLogger(__name__)

CACHE_SECONDS = 30 * 24 * 3600  # keys change with each publication; this only bounds old ones


def regulation_pdf_response(request, page) -> HttpResponse:
    """The PDF of ``page``'s live revision, inline, with the document number as its file name."""
    try:
        pdf = regulation_pdf_bytes(page)
    except (FontsUnavailable, MissingGlyph) as exc:
        logger.error("regulation PDF of page %s not generated: %s", page.pk, exc)
        return TemplateResponse(
            request,
            "lianzheng/regulation_pdf_unavailable.html",
            {"page": page, "reason": str(exc)},
            status=503,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(pdf_filename(page))
    response["Content-Length"] = str(len(pdf))
    return response


def regulation_pdf_bytes(page) -> bytes:
    """The live revision's PDF, from the cache when this revision was rendered before."""
    revision = page.live_revision
    key = cache_key(page.pk, revision.pk if revision else None)
    pdf = cache.get(key)
    if pdf is None:
        live = revision.as_object() if revision else page
        pdf = regulation_pdf(live.as_regulation())
        cache.set(key, pdf, CACHE_SECONDS)
    return pdf


def cache_key(page_id: int, revision_id: int | None) -> str:
    fonts = json.dumps(configured_files(), sort_keys=True).encode()
    digest = hashlib.sha256(fonts).hexdigest()[:12]
    return f"lianzheng:regulation-pdf:v{LAYOUT_VERSION}:{page_id}:{revision_id or 'none'}:{digest}"


def pdf_filename(page) -> str:
    """阿州住建党组〔2021〕81号.pdf: the number by which the bureau files the document."""
    stem = page.document_number or page.title or "regulation"
    for bad in '/\\:*?"<>|':
        stem = stem.replace(bad, "_")
    return f"{''.join(c for c in stem if c.isprintable()).strip()}.pdf"


def content_disposition(filename: str) -> str:
    """Inline, with the UTF-8 name in ``filename*`` (RFC 5987/6266) and an ASCII fallback for
    readers that know only ``filename``."""
    fallback = filename if filename.isascii() else "regulation.pdf"
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
