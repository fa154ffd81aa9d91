"""Why something was refused: what a person reads next to the button or the form field.

A refusal of a rule cites its article (built by ``Rule.refuse`` in the rules table); a refusal
that is no rule of the regulation (missing input, a wrong state, a role) has no code. Kept apart
from both the rules and the services, so the workflow's steps can refuse too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language


def chinese() -> bool:
    """Whether the active language (the reader's, in a request) is Chinese: one language per
    user (#17), so a refusal is written in Chinese or in English, never both."""
    return (get_language() or settings.LANGUAGE_CODE).lower().startswith("zh")


@dataclass(frozen=True)
class Refusal:
    code: str
    article: str
    article_en: str
    anchor: str
    message: str
    message_en: str
    field: str = ""

    def __str__(self) -> str:
        return describe(self)

    @property
    def zh(self) -> str:
        return f"不符合{self.article}：{self.message}" if self.code else self.message

    @property
    def en(self) -> str:
        if not self.code:
            return self.message_en
        return f"Not in line with {self.article_en}: {self.message_en}"

    @property
    def text(self) -> str:
        """The refusal in the reader's language, citing the article (without the rule code)."""
        return self.zh if chinese() else self.en


def input_problem(message: str, message_en: str, field: str = "") -> Refusal:
    """A refusal that is not a rule of the regulation: missing input, a wrong state, a role."""
    return Refusal(
        code="",
        article="",
        article_en="",
        anchor="",
        message=message,
        message_en=message_en,
        field=field,
    )


NOT_PERMITTED = input_problem("您没有办理此项操作的权限", "You are not permitted to do this.")


def describe(refusal: Refusal) -> str:
    """The refusal in the reader's language, with its rule code:
    「不符合第六条第（三）项：…[R6.3]」."""
    return f"{refusal.text}[{refusal.code}]" if refusal.code else refusal.text


class TransitionRefused(Exception):
    """The request changed nothing; ``refusals`` say why, each citing its article if any."""

    def __init__(self, refusals: list[Refusal]):
        self.refusals = list(refusals)
        super().__init__("；".join(describe(r) for r in self.refusals))

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.refusals if r.code]

    def for_field(self, field: str) -> list[Refusal]:
        return [r for r in self.refusals if r.field == field]


def full_clean_or_refuse(instance, **kwargs) -> None:
    """Model validation, reported as refusals naming their fields, like the rules'."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        problems = []
        for field, messages in exc.message_dict.items():
            for message in messages:
                problems.append(input_problem(str(message), str(message), field))
        raise TransitionRefused(problems) from exc
