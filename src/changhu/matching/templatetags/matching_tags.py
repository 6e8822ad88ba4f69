from django import template

from changhu.core import masking
from changhu.core.money import format_yuan

register = template.Library()


@register.filter
def mask_name(value: str) -> str:
    """A name as the pages of matching show it: ``张*丰``."""
    return masking.mask_name(value or "")


@register.filter
def yuan(fen) -> str:
    return format_yuan(fen)
