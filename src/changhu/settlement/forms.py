"""The reviewers' reason forms: refusing a line (拒付) and sending a claim back (退回).

Nothing is preselected: the reviewer chooses a reason from the list and may add a note (required
for 其他). A missing or unknown choice is refused with a Chinese message and a code, like the
API's errors, and nothing changes.
"""

from __future__ import annotations

from django import forms

from changhu.core.errors import ValidationFailed
from changhu.settlement.labels import RETURN_REASONS
from changhu.settlement.services import REJECT_REASONS
from changhu.web.forms import StaffForm

NOTE_MAX = 280  # the stored reason (chosen label + note) stays within 300


class _ReasonForm(StaffForm):
    """A reason chosen from a list and a note; :meth:`validated` raises a domain error."""

    placeholder = ""
    reasons: dict[str, str] = {}
    other_note = ""

    reason_code = forms.ChoiceField(label="原因")
    note = forms.CharField(label="说明", required=False, max_length=NOTE_MAX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason_code"]
        field.choices = [("", self.placeholder), *self.reasons.items()]
        field.error_messages = {"required": self.placeholder, "invalid_choice": self.placeholder}

    def clean(self):
        data = super().clean()
        if data.get("reason_code") == "other" and not (data.get("note") or "").strip():
            self.add_error("note", self.other_note)
        return data

    def validated(self) -> dict:
        if self.is_valid():
            return self.cleaned_data
        fields = {name: errors[0] for name, errors in self.errors.items()}
        name, errors = next(iter(self.errors.as_data().items()))
        error = errors[0]
        if name == "reason_code":
            code = "reason_code_invalid" if error.code == "invalid_choice" else "reason_required"
        elif error.code == "max_length":
            code = "reason_too_long"
        else:
            code = "reason_required"
        raise ValidationFailed(error.messages[0], code=code, fields=fields)


class LineRejectForm(_ReasonForm):
    placeholder = "请选择拒付原因"
    reasons = REJECT_REASONS
    other_note = "选择“其他”时请写明拒付原因"


class ClaimReturnForm(_ReasonForm):
    placeholder = "请选择退回原因"
    reasons = RETURN_REASONS
    other_note = "选择“其他”时请写明退回原因"

    def reason_text(self) -> str:
        """The reason stored with the step: the chosen reason first, then the note."""
        data = self.validated()
        note = data["note"].strip()
        if data["reason_code"] == "other":
            return note
        label = RETURN_REASONS[data["reason_code"]]
        return f"{label}：{note}" if note else label
