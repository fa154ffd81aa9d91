"""Why something was refused: what a person reads next to the button or the form field.

A refusal of a rule cites its article (built by ``Rule.refuse`` in the rules table); a refusal
that is no rule of the regulation (missing input, a wrong state, a role) has no code. Kept apart
from both the rules and the services, so the workflow's steps can refuse too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError


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
        return (
            f"不符合{self.article}：{self.message}（{self.article_en}: {self.message_en}）"
            f"[{self.code}]"
        )

    @property
    def zh(self) -> str:
        return f"不符合{self.article}：{self.message}"

    @property
    def en(self) -> str:
        return f"Not in line with {self.article_en}: {self.message_en}"


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
    if refusal.code:
        return str(refusal)
    return f"{refusal.message}（{refusal.message_en}）"


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
