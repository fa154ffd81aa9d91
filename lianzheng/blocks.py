"""StreamField blocks for the regulation's body: articles made of paragraphs and numbered clauses.

Numbers are stored, not derived from position, because the anchors built from them
(``#article-6-3``) are cited by rules and cases and must not move when an editor reorders blocks.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

from lianzheng.regulation import Article, Clause, article_anchor, article_label, clause_label


class ClauseBlock(blocks.StructBlock):
    number = blocks.IntegerBlock(label=_("clause number"), min_value=1, max_value=99)
    paragraphs = blocks.ListBlock(
        blocks.TextBlock(label=_("paragraph")), label=_("paragraphs"), min_num=1
    )

    class Meta:
        label = _("clause （一）…")
        icon = "list-ol"


class ArticleBlock(blocks.StructBlock):
    number = blocks.IntegerBlock(label=_("article number"), min_value=1, max_value=99)
    title = blocks.CharBlock(
        label=_("title"), required=False, max_length=60, help_text=_("e.g. 廉政约谈的对象")
    )
    paragraphs = blocks.ListBlock(
        blocks.TextBlock(label=_("paragraph")), label=_("opening paragraphs"), default=[]
    )
    clauses = blocks.ListBlock(ClauseBlock(), label=_("clauses"), default=[])
    closing = blocks.ListBlock(
        blocks.TextBlock(label=_("paragraph")),
        label=_("closing paragraphs"),
        default=[],
        help_text=_("Paragraphs after the last clause, such as 第四条's last paragraph."),
    )

    class Meta:
        label = _("article 第X条")
        icon = "doc-full"
        template = "lianzheng/blocks/article.html"

    def clean(self, value):
        value = super().clean(value)
        numbers = [clause["number"] for clause in value["clauses"]]
        if numbers != list(range(1, len(numbers) + 1)):
            raise StructBlockValidationError(
                block_errors={
                    "clauses": ValidationError(
                        _("Clauses must be numbered （一）, （二）, … in order without gaps.")
                    )
                }
            )
        if not value["title"] and not value["paragraphs"]:
            raise StructBlockValidationError(
                block_errors={
                    "paragraphs": ValidationError(_("An article without a title needs its text."))
                }
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        number = value["number"]
        context["label"] = article_label(number)
        context["anchor"] = article_anchor(number)
        context["clauses"] = [
            {
                "label": clause_label(c["number"]),
                "anchor": article_anchor(number, c["number"]),
                "paragraphs": list(c["paragraphs"]),
            }
            for c in value["clauses"]
        ]
        return context


def article_from_block(value) -> Article:
    return Article(
        number=value["number"],
        title=value["title"] or "",
        paragraphs=tuple(value["paragraphs"]),
        clauses=tuple(
            Clause(number=c["number"], paragraphs=tuple(c["paragraphs"])) for c in value["clauses"]
        ),
        closing=tuple(value["closing"]),
    )


def article_to_block(article: Article) -> dict:
    return {
        "number": article.number,
        "title": article.title,
        "paragraphs": list(article.paragraphs),
        "clauses": [
            {"number": c.number, "paragraphs": list(c.paragraphs)} for c in article.clauses
        ],
        "closing": list(article.closing),
    }
