"""Template components: a block tag whose markup lives in a template of its own.

``{% table_card "证书" columns="类别|编号" empty="未登记" %}<tr>…</tr>{% endtable_card %}``
renders ``web/components/table_card.html`` with the tag's arguments, the rendered body as
``body`` and each ``{% slot name %}…{% endslot %}`` standing directly in the body as ``name``.
The body and the slots are rendered first, in the page's context; the component's template
then sees the page's context plus those values (as ``{% include %}`` does).

The components themselves are registered in ``web/templatetags/changhu_web.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

_KWARG = re.compile(r"^(\w+)=(.+)$")


@dataclass(frozen=True)
class Component:
    name: str
    template_name: str
    positional: Sequence[str] = ()
    defaults: Mapping[str, object] = field(default_factory=dict)
    prepare: Callable[[dict], dict] | None = None


class SlotNode(template.Node):
    """A named part of a component's body; drawn where the component's template puts it."""

    def __init__(self, name: str, nodelist):
        self.name = name
        self.nodelist = nodelist

    def render(self, context) -> str:
        return ""


class ComponentNode(template.Node):
    def __init__(self, component: Component, args, kwargs, nodelist):
        self.component = component
        self.args = args
        self.kwargs = kwargs
        self.nodelist = nodelist

    def render(self, context) -> str:
        spec = self.component
        values = dict(spec.defaults)
        positional = (arg.resolve(context) for arg in self.args)
        values.update(zip(spec.positional, positional, strict=False))
        values.update({name: value.resolve(context) for name, value in self.kwargs.items()})
        body = []
        for node in self.nodelist:
            if isinstance(node, SlotNode):
                values[node.name] = mark_safe(node.nodelist.render(context).strip())
            else:
                body.append(node.render_annotated(context))
        values["body"] = mark_safe("".join(body).strip())
        if spec.prepare is not None:
            values = spec.prepare(values)
        drawn = context.template.engine.get_template(spec.template_name)
        with context.push(**values):
            return drawn.render(context)


def register_component(register: template.Library, component: Component) -> None:
    """``{% name arg… key=value… %}body{% endname %}``, drawn by the component's template."""

    def compile_tag(parser, token):
        bits = token.split_contents()[1:]
        args, kwargs = [], {}
        for bit in bits:
            match = _KWARG.match(bit)
            if match:
                kwargs[match.group(1)] = parser.compile_filter(match.group(2))
            elif kwargs:
                raise template.TemplateSyntaxError(
                    f"{component.name}: positional argument after a named one"
                )
            else:
                args.append(parser.compile_filter(bit))
        if len(args) > len(component.positional):
            raise template.TemplateSyntaxError(f"{component.name}: too many arguments")
        nodelist = parser.parse((f"end{component.name}",))
        parser.delete_first_token()
        return ComponentNode(component, args, kwargs, nodelist)

    register.tag(component.name, compile_tag)


def register_slot(register: template.Library) -> None:
    def compile_slot(parser, token):
        bits = token.split_contents()
        if len(bits) != 2:
            raise template.TemplateSyntaxError("slot takes one name: {% slot name %}")
        nodelist = parser.parse(("endslot",))
        parser.delete_first_token()
        return SlotNode(bits[1], nodelist)

    register.tag("slot", compile_slot)


# --- what the components share --------------------------------------------------------------


def box_attributes(values: dict) -> dict:
    """``class`` (added to the component's own), ``id``, ``testid`` and ``confirm`` (the question
    asked before an irreversible form is sent) as ``extra``/``attrs``."""
    extra = values.get("class") or ""
    values["extra"] = f" {extra}" if extra else ""
    pairs = [
        ("id", values.get("id")),
        ("data-testid", values.get("testid")),
        ("data-confirm", values.get("confirm")),
    ]
    values["attrs"] = format_html_join("", ' {}="{}"', [(k, v) for k, v in pairs if v])
    return values


@dataclass(frozen=True)
class Column:
    label: str
    css: str = ""


def table_columns(values: dict) -> dict:
    """``columns="姓名|金额:text-end|"``: header cells, a class after a colon; an empty name is
    a header cell without text (a column of buttons)."""
    spec = values.get("columns") or ""
    columns = []
    for part in spec.split("|"):
        label, _, css = part.partition(":")
        columns.append(Column(label.strip(), css.strip()))
    values["columns"] = columns
    return box_attributes(values)
