"""``{{ value|label:"kind" }}``: a stored code as its Chinese label (see changhu.web.labels).

A built-in of every template (settings.TEMPLATES), so pages need no ``{% load %}`` for it.
"""

from __future__ import annotations

from django import template

from changhu.web import labels

register = template.Library()


@register.filter(name="label")
def label(value, kind: str) -> str:
    return labels.label(value, kind)
