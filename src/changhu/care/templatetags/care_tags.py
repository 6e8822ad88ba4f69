"""Template helpers for care pages: money in yuan, labels of codes."""

from __future__ import annotations

from django import template

from changhu.care import conf
from changhu.core.money import format_yuan
from changhu.providers.rules import MODE_LABELS

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Integer fen as yuan with two decimals: ``123456`` -> ``1,234.56``."""
    return format_yuan(fen) if fen is not None else "—"


@register.filter
def mode_label(code: str) -> str:
    return MODE_LABELS.get(code, code)


@register.filter
def grade_label(grade) -> str:
    return conf.grade_label(grade)


@register.inclusion_tag("care/_entitlement_action.html", takes_context=True)
def entitlement_action(context, conclusion):
    """办理待遇 next to a conclusion (the case page, the person's file): the guardian's choices
    as a small form while the conclusion awaits it, else a link to the entitlement it opened.
    ``conclusion`` is an assessment conclusion or a row of the person's file."""
    from changhu.assessment import selectors as assessment_selectors
    from changhu.care import forms, selectors
    from changhu.core import clock
    from changhu.core.scope import scope_of
    from changhu.orgs.roles import Right

    request = context["request"]
    user = request.user
    if isinstance(conclusion, dict):
        conclusion = assessment_selectors.conclusion_for_care(conclusion["conclusion_id"])
    s = scope_of(user)
    opened = selectors.entitlement_of_conclusion(conclusion.pk)
    visible = (
        opened is not None
        and selectors.entitlement_list(fetched_by=user).filter(pk=opened.pk).exists()
    )
    awaiting = (
        opened is None
        and conclusion.qualifying
        and conclusion.superseded_on is None
        and conclusion.valid_until >= clock.today()
        and conclusion.person.status == "active"
    )
    can_open = awaiting and s.can(Right.CARE_ENTITLEMENT)
    form = None
    if can_open:
        form = forms.EntitlementOpenForm(
            user=user, conclusion=conclusion, auto_id=f"id_open{conclusion.pk}_%s"
        )
    return {
        "conclusion": conclusion,
        "opened": opened if visible else None,
        "awaiting": awaiting,
        "form": form,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
