"""Search pickers: choose a person or an institution by what the user knows, never by an id.

A page that needs a person shows one text box ("姓名、参保编号或身份证号码"). While the user
types, the box asks ``/pick/<kind>/`` for up to :data:`LIMIT` matches in the user's scope and
lists them (name, masked ID number, 参保编号, and a line the kind adds); choosing one fills a
hidden input with the row's key. Without JavaScript, or when the user submits what they typed
without choosing, :func:`resolve` reads the text the same way: a full ID number or a 参保编号
names one person, a name is accepted when exactly one candidate bears it.

Each app registers the kinds it needs in a ``pickers`` module of its own (imported when the
web app starts), saying which rows are candidates for the user. The candidates are the
scope: a key posted for a row outside them is refused like an unknown one, with the same
message, so a picker never tells an outsider that a row exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.db.models import QuerySet

from changhu.core.errors import NotFound, ValidationFailed

LIMIT = 10


@dataclass(frozen=True)
class Choice:
    """One row as the picker lists it."""

    key: int
    label: str  # what fills the box once chosen: "张秀英（510105********0024）"
    detail: str = ""  # a second line: 参保编号, street, care mode …


@dataclass(frozen=True)
class PickerKind:
    code: str
    noun: str  # 参保人 / 护理机构
    placeholder: str
    candidates: Callable[[object], QuerySet]  # user -> the rows this user may choose
    search: Callable[[QuerySet, str], QuerySet]  # rows matching what was typed
    exact: Callable[[QuerySet, str], QuerySet]  # rows the text names outright (number, ID)
    describe: Callable[[object], Choice]
    name_of: Callable[[object], str] = lambda row: row.name
    hint: str = "输入后从列表中选择；也可直接输入完整的参保编号或身份证号码"


_KINDS: dict[str, PickerKind] = {}


def register_picker(kind: PickerKind) -> None:
    _KINDS[kind.code] = kind


def kind_of(code: str) -> PickerKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise NotFound("没有这种查找", code="picker_unknown") from None


def search(code: str, user, text: str, *, limit: int = LIMIT) -> list[Choice]:
    """Up to ``limit`` candidates matching ``text``; nothing for an empty text."""
    kind = kind_of(code)
    text = (text or "").strip()
    if not text:
        return []
    rows = kind.search(kind.candidates(user), text)[:limit]
    return [kind.describe(row) for row in rows]


def choice_for(code: str, user, key) -> Choice | None:
    """The listed form of a chosen row, to show what was chosen again after a failed submit."""
    kind = kind_of(code)
    try:
        row = kind.candidates(user).filter(pk=int(key)).first()
    except (TypeError, ValueError):
        return None
    return kind.describe(row) if row is not None else None


def resolve(code: str, user, *, key="", text: str = "", field: str = "person", label: str = ""):
    """The row the user chose (``key``) or named (``text``), among their candidates.

    Refusals are :class:`ValidationFailed` on ``field`` with a message saying what to do."""
    kind = kind_of(code)
    noun = label or kind.noun
    candidates = kind.candidates(user)
    key = str(key or "").strip()
    text = (text or "").strip()
    if key:
        row = candidates.filter(pk=int(key)).first() if key.isdigit() else None
        if row is None:
            raise _refuse(field, "picker_not_found", f"没有找到所选{noun}，请重新查找并选择")
        return row
    if not text:
        raise _refuse(field, "picker_required", f"请选择{noun}")
    exact = list(kind.exact(candidates, text)[:2])
    if len(exact) == 1:
        return exact[0]
    named = [row for row in kind.search(candidates, text)[: LIMIT + 1] if kind.name_of(row) == text]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise _refuse(
            field,
            "picker_ambiguous",
            f"有{len(named)}位名为“{text}”的{noun}，请从列表中选择，或输入参保编号、身份证号码",
        )
    raise _refuse(field, "picker_not_found", f"没有找到“{text}”，请核对后重新查找并选择{noun}")


def _refuse(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: message})


# --- in Django forms ----------------------------------------------------------------------


@dataclass(frozen=True)
class Picked:
    """What a picker posted: the chosen row's key, and the text in the box."""

    key: str = ""
    text: str = ""

    def __bool__(self) -> bool:
        return bool(self.key or self.text)


class PickerWidget(forms.Widget):
    """The picker's box (``web/_picker_box.html``); its label comes from the field."""

    template_name = "web/_picker_box.html"

    def __init__(self, kind: str, placeholder: str = "", attrs=None):
        super().__init__(attrs)
        self.kind = kind
        self.placeholder = placeholder
        self.chosen: Choice | None = None  # set by the view to show a chosen row again

    def value_from_datadict(self, data, files, name) -> Picked:
        return Picked(str(data.get(name, "")).strip(), str(data.get(f"{name}_q", "")).strip())

    def value_omitted_from_data(self, data, files, name) -> bool:
        return name not in data and f"{name}_q" not in data

    def get_context(self, name, value, attrs):
        attrs = attrs or {}
        picked = value if isinstance(value, Picked) else Picked()
        chosen = self.chosen
        if chosen is not None and picked.key not in ("", str(chosen.key)):
            chosen = None
        return {
            "kind": self.kind,
            "name": name,
            "box_id": attrs.get("id") or f"pick-{name}",
            # Chosen in this request (resolved, or named in the link that opened the form).
            "chosen": chosen,
            "text": picked.text,
            "placeholder": self.placeholder or kind_of(self.kind).placeholder,
            "hint": kind_of(self.kind).hint,
            "error": "is-invalid" in (attrs.get("class") or ""),
            "required": False,
        }


class PickerField(forms.Field):
    """A search picker in a form. ``clean`` gives a :class:`Picked`; the view resolves it with
    :func:`resolve_field`, which needs the user (the candidates are the user's scope)."""

    def __init__(self, kind: str, *, placeholder: str = "", **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(widget=PickerWidget(kind, placeholder), **kwargs)
        self.kind = kind

    def to_python(self, value) -> Picked:
        return value if isinstance(value, Picked) else Picked()

    def resolve_for(self, user, picked: Picked, *, required: bool = True):
        """For a form's ``clean_<name>``: the row, None when optional and empty, or a
        ``forms.ValidationError`` with the picker's message."""
        if not picked and not required:
            return None
        try:
            row = resolve(
                self.kind, user, key=picked.key, text=picked.text, field="x", label=str(self.label)
            )
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.fields["x"], code=exc.code) from None
        self.widget.chosen = kind_of(self.kind).describe(row)
        return row


def resolve_field(form: forms.Form, name: str, user, *, required: bool = True):
    """The row a valid form's picker names, or None with the refusal added to that field.
    The chosen row is shown again if the form is redrawn."""
    field = form.fields[name]
    try:
        row = field.resolve_for(user, form.cleaned_data.get(name) or Picked(), required=required)
    except forms.ValidationError as exc:
        form.add_error(name, exc)
        return None
    return row
