"""Wagtail pages that publish the regulation as structured, linkable articles."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework.fields import JSONField
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from lianzheng.blocks import ArticleBlock, article_from_block, article_to_block
from lianzheng.regulation import Regulation, article_anchor, article_label, article_passages
from lianzheng.search.fields import CJKAutocompleteField, CJKSearchField, page_search_fields

# The hook the add-on's PDF view is registered under (lianzheng.wagtail_hooks).
SERVE_REGULATION_PDF = "lianzheng_serve_regulation_pdf"


class RegulationIndexPage(Page):
    """Lists the regulations the bureau has published; the parent of every regulation page."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["lianzheng.RegulationPage"]
    max_count_per_parent = 1
    search_fields = page_search_fields(Page, CJKSearchField("intro"))
    template = "lianzheng/regulation_index_page.html"

    class Meta:
        verbose_name = _("regulations index")
        verbose_name_plural = _("regulations indexes")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["regulations"] = (
            RegulationPage.objects.child_of(self).live().public().order_by("-issue_date")
        )
        return context


class RegulationPage(RoutablePageMixin, Page):
    """One issued regulation: its issuing notice, metadata, articles and 版记.

    Revisions are Wagtail's: a case records the revision it was handled under (第十二条), so an
    edited article never changes how an old case reads. ``pdf/`` serves the live revision as the
    official document (红头文件) it was issued as, under the page's own view restrictions.
    """

    document_number = models.CharField(
        _("document number"), max_length=60, help_text=_("e.g. 阿州住建党组〔2021〕81号")
    )
    issuing_organ = models.CharField(_("issuing organ"), max_length=100)
    notice_title = models.CharField(_("title of the issuing notice"), max_length=200, blank=True)
    main_recipients = models.TextField(_("main recipients (主送)"), blank=True)
    notice_body = models.TextField(
        _("text of the issuing notice"), blank=True, help_text=_("One paragraph per line.")
    )
    notice_signatory = models.CharField(_("signed by"), max_length=100, blank=True)
    issue_date = models.DateField(_("issue date"))
    effective_date = models.DateField(_("effective date"))
    is_trial = models.BooleanField(_("on trial (试行)"), default=False)
    title_lines = models.TextField(
        _("title as printed"),
        blank=True,
        help_text=_("The regulation's title line by line, as it stands above 第一条."),
    )
    body = StreamField([("article", ArticleBlock())], verbose_name=_("articles"))
    cc_list = models.TextField(_("copied to (抄送)"), blank=True)
    printing_office = models.CharField(_("printed by"), max_length=100, blank=True)
    printing_date = models.DateField(_("printing date"), null=True, blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("document_number"), FieldPanel("issuing_organ")]),
                FieldRowPanel(
                    [FieldPanel("issue_date"), FieldPanel("effective_date"), FieldPanel("is_trial")]
                ),
            ],
            heading=_("Document"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("notice_title"),
                FieldPanel("main_recipients"),
                FieldPanel("notice_body"),
                FieldPanel("notice_signatory"),
            ],
            heading=_("Issuing notice"),
            classname="collapsed",
        ),
        FieldPanel("title_lines"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("cc_list"),
                FieldRowPanel([FieldPanel("printing_office"), FieldPanel("printing_date")]),
            ],
            heading=_("Imprint (版记)"),
        ),
    ]

    # The articles, number and notice in characters and pairs (lianzheng.search): the editors'
    # page search and the public /search/ find the regulation by any word of its text.
    search_fields = page_search_fields(
        Page,
        CJKSearchField("document_number"),
        CJKSearchField("notice_title"),
        CJKSearchField("article_text"),
        # Wagtail's admin page search asks the autocomplete fields only.
        CJKAutocompleteField("article_text"),
    )

    parent_page_types = ["lianzheng.RegulationIndexPage"]
    subpage_types: list[str] = []
    template = "lianzheng/regulation_page.html"

    # Wagtail's API v2 (/api/v2/pages/?type=lianzheng.RegulationPage&fields=*): the published
    # regulation as data, for other systems of the bureau and the inspection bodies.
    api_fields = [
        APIField("document_number"),
        APIField("issuing_organ"),
        APIField("issue_date"),
        APIField("effective_date"),
        APIField("is_trial"),
        APIField("articles", serializer=JSONField(source="structured_articles")),
    ]

    class Meta:
        verbose_name = _("regulation")
        verbose_name_plural = _("regulations")

    def clean(self):
        super().clean()
        numbers = [block.value["number"] for block in self.body if block.block_type == "article"]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValidationError(
                {"body": _("Articles must be numbered 第一条, 第二条, … in order without gaps.")}
            )
        if self.issue_date and self.effective_date and self.effective_date < self.issue_date:
            raise ValidationError(
                {"effective_date": _("A regulation cannot take effect before it is issued.")}
            )

    @path("pdf/", name="pdf")
    def pdf(self, request):
        """The live revision as the official document it was issued as, served by the view
        registered under the ``SERVE_REGULATION_PDF`` hook (the model knows no views)."""
        for serve in hooks.get_hooks(SERVE_REGULATION_PDF):
            return serve(request, self)
        raise Http404

    # -- conversion to and from the plain regulation data ---------------------------------------

    def as_regulation(self) -> Regulation:
        return Regulation(
            document_number=self.document_number,
            issuing_organ=self.issuing_organ,
            notice_title=self.notice_title,
            main_recipients=self.main_recipients,
            notice_body=tuple(_lines(self.notice_body)),
            notice_signatory=self.notice_signatory,
            issue_date=self.issue_date,
            title_lines=tuple(_lines(self.title_lines)) or (self.title,),
            articles=tuple(
                article_from_block(block.value)
                for block in self.body
                if block.block_type == "article"
            ),
            cc_list=self.cc_list,
            printing_office=self.printing_office,
            printing_date=self.printing_date,
        )

    def apply_regulation(self, reg: Regulation, *, trial: bool = True) -> None:
        """Fill this page from issued text; the set-up command imports the seed this way."""
        self.title = reg.title
        self.document_number = reg.document_number
        self.issuing_organ = reg.issuing_organ
        self.notice_title = reg.notice_title
        self.main_recipients = reg.main_recipients
        self.notice_body = "\n".join(reg.notice_body)
        self.notice_signatory = reg.notice_signatory
        self.issue_date = reg.issue_date
        self.effective_date = reg.issue_date
        self.is_trial = trial
        self.title_lines = "\n".join(reg.title_lines)
        self.body = [("article", article_to_block(a)) for a in reg.articles]
        self.cc_list = reg.cc_list
        self.printing_office = reg.printing_office
        self.printing_date = reg.printing_date

    def article_text(self) -> str:
        """Every paragraph with its label (第六条（三）…), for the search index: the StreamField's
        own searchable content has the text without the article and clause numbers."""
        passages = article_passages(article_from_block(value) for value in self.articles)
        return "\n".join(f"{p.label} {p.text}" for p in passages)

    @property
    def articles(self):
        return [block.value for block in self.body if block.block_type == "article"]

    @property
    def structured_articles(self) -> list[dict]:
        """The articles as data for Wagtail's API (/api/v2/pages/): each with its label, its
        anchor on the published page, and its clauses with theirs."""
        entries = []
        for article in self.as_regulation().articles:
            entries.append(
                {
                    "number": article.number,
                    "label": article.label,
                    "anchor": article.anchor,
                    "title": article.title,
                    "paragraphs": list(article.paragraphs),
                    "clauses": [
                        {
                            "number": clause.number,
                            "label": clause.label,
                            "anchor": article_anchor(article.number, clause.number),
                            "paragraphs": list(clause.paragraphs),
                        }
                        for clause in article.clauses
                    ],
                    "closing": list(article.closing),
                }
            )
        return entries

    def table_of_contents(self) -> list[dict]:
        """Article labels with their titles; untitled articles show the start of their text."""
        entries = []
        for value in self.articles:
            title = value["title"]
            if not title and value["paragraphs"]:
                text = value["paragraphs"][0]
                title = text if len(text) <= 14 else text[:14] + "…"
            entries.append(
                {
                    "label": article_label(value["number"]),
                    "title": title,
                    "anchor": article_anchor(value["number"]),
                }
            )
        return entries

    def cc_items(self) -> list[str]:
        return [item for item in self.cc_list.rstrip("。").split("；") if item]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
