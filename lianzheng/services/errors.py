"""What the services raise when they refuse: a list of refusals a person can act on."""

from __future__ import annotations

from lianzheng.rules.table import Refusal


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


def describe(refusal: Refusal) -> str:
    if refusal.code:
        return str(refusal)
    return f"{refusal.message}（{refusal.message_en}）"


def full_clean_or_refuse(instance, **kwargs) -> None:
    """Model validation, reported as refusals naming their fields, like the rules'."""
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        problems = []
        for field, messages in exc.message_dict.items():
            for message in messages:
                problems.append(input_problem(str(message), str(message), field))
        raise TransitionRefused(problems) from exc
