"""The base of every staff form: choice fields ask "请选择…" rather than state the rule.

Django's own messages for a missing or unknown choice ("这个字段是必填项。", "选择一个有效的
选项…") say nothing about which field or what to do, and services that check a choice say
"参保类型应为“职工”或“居民”" for an empty one. A staff form built on :class:`StaffForm` says
"请选择{label}" for both, and a required drop-down without a sensible default starts on an
empty "请选择…" option instead of silently preselecting its first choice.
"""

from __future__ import annotations

from django import forms

BLANK_CHOICE_LABEL = "请选择…"


def choose_message(label) -> str:
    return f"请选择{label or ''}"


def prepare_choice_field(field: forms.Field, *, has_initial: bool) -> None:
    """Give one choice field the "请选择{label}" messages and, when it needs one, a blank first
    option. Idempotent; other fields are left alone."""
    if not isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return
    if getattr(field, "_changhu_prepared", False):
        return
    field._changhu_prepared = True
    message = choose_message(field.label)
    defaults: dict = {}
    for klass in reversed(type(field).__mro__):
        defaults.update(getattr(klass, "default_error_messages", {}))
    # A message the form wrote itself ("请从列表中选择本机构在岗的护理员") is kept.
    field.error_messages = {
        **field.error_messages,
        **{
            key: message
            for key in ("required", "invalid_choice")
            if str(field.error_messages.get(key)) == str(defaults.get(key))
        },
    }
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label is not None:
            field.empty_label = BLANK_CHOICE_LABEL
        return
    widget = field.widget
    if (
        not field.required
        or has_initial
        or not isinstance(widget, forms.Select)
        or isinstance(widget, forms.SelectMultiple)
    ):
        return
    choices = list(field.choices)
    if any(value in ("", None) for value, _ in choices):
        return
    field.choices = [("", BLANK_CHOICE_LABEL), *choices]


def date_field(label: str, *, required: bool = False, **kwargs) -> forms.DateField:
    """A date chosen in the browser's date box (which reads and writes ``YYYY-MM-DD``)."""
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return forms.DateField(label=label, required=required, widget=widget, **kwargs)


def month_field(label: str) -> forms.CharField:
    """A month typed as ``YYYY-MM`` (a list's filter; empty: every month)."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM"}),
    )


def blank_first(label: str, choices=()) -> list[tuple[str, str]]:
    """``choices`` after an empty first option that reads ``label`` (全部状态, 不变…)."""
    return [("", label), *choices]


class StaffForm(forms.Form):
    """Base of the back office's forms (see the module docstring).

    Subclasses often set choices after ``super().__init__``, so the fields are prepared on
    first use (rendering a field, or validating), not in ``__init__``.
    """

    def _prepare_choices(self) -> None:
        for name, field in self.fields.items():
            has_initial = field.initial is not None or self.initial.get(name) is not None
            prepare_choice_field(field, has_initial=has_initial)

    def __getitem__(self, name):
        self._prepare_choices()
        return super().__getitem__(name)

    def full_clean(self):
        self._prepare_choices()
        super().full_clean()
        self._one_line_fields()

    def _one_line_fields(self) -> None:
        """A one-line field (a name, an address, a number) takes no line break or tab; a
        multi-line one (a Textarea) may. Other characters are refused before the form sees
        them (``web.middleware.FormTextMiddleware``)."""
        from changhu.core import text

        for name, field in self.fields.items():
            value = getattr(self, "cleaned_data", {}).get(name)
            if not isinstance(value, str) or isinstance(field.widget, forms.Textarea):
                continue
            why = text.problem(value)
            if why:
                self.add_error(name, why)
