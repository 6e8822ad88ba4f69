"""Template filters for the assessment fee pages: money in yuan, the Chinese labels of a
line's outcome and place."""

from __future__ import annotations

from django import template

from changhu.assessment.models import Place
from changhu.assessment_fees.models import Outcome
from changhu.core.money import format_yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    return format_yuan(fen)


@register.filter
def outcome_label(code: str) -> str:
    return Outcome(code).label if code in Outcome.values else ""


@register.filter
def place_label(code: str) -> str:
    return Place(code).label if code in Place.values else ""


@register.filter
def line_result(line) -> str:
    """The outcome, with whether an appeal changed the grade."""
    label = outcome_label(line.outcome)
    if line.grade_changed is True:
        return f"{label}，等级改变"
    if line.grade_changed is False:
        return f"{label}，等级未变"
    return label
