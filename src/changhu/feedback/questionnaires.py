"""Questionnaires as versioned data: ``presets/questionnaires/*.json`` into :class:`Questionnaire`.

Two kinds: the return-visit script (回访话术: yes/no, choice and free-text questions, with the
answer that reveals a discrepancy) and the satisfaction questionnaire (满意度问卷: questions
scored 1–5, each about the caregiver or the institution). Loading is idempotent; a changed
file needs a new version. The version in force on a day is the latest taking effect by then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from changhu.core import versions
from changhu.core.errors import NotFound, ValidationFailed
from changhu.feedback.models import Questionnaire, QuestionnaireKind

TYPES = ("yes_no", "choice", "text", "score")
TARGETS = ("caregiver", "institution")
RETURN_VISIT = "return-visit"
SATISFACTION = "satisfaction"


class QuestionnaireInvalid(ValidationFailed):
    code = "questionnaire_invalid"
    message = "问卷文件有误"


def questionnaires_dir() -> Path:
    return versions.presets_dir("questionnaires")


def _refuse(message: str) -> QuestionnaireInvalid:
    return versions.file_refusal(QuestionnaireInvalid, message)


def validate(definition: dict) -> dict:
    """The definition, checked: code, version, kind, effective date and well-formed questions."""
    for key in ("code", "version", "name", "kind", "effective_from", "questions"):
        if key not in definition:
            raise _refuse(f"问卷缺少“{key}”")
    if definition["kind"] not in QuestionnaireKind.values:
        raise _refuse(f"问卷类别不正确：{definition['kind']}")
    try:
        dt.date.fromisoformat(str(definition["effective_from"]))
    except ValueError:
        raise _refuse("生效日期应为YYYY-MM-DD格式") from None
    questions = definition["questions"]
    if not isinstance(questions, list) or not questions:
        raise _refuse("问卷没有题目")
    seen = set()
    for q in questions:
        code = q.get("code")
        if not code or code in seen:
            raise _refuse(f"题目代码缺失或重复：{code}")
        seen.add(code)
        if q.get("type") not in TYPES or not q.get("text"):
            raise _refuse(f"题目{code}的类型或题干不正确")
        if q["type"] == "score" and q.get("target") not in TARGETS:
            raise _refuse(f"评分题{code}应注明评价对象（护理员或机构）")
        if q["type"] == "choice" and not q.get("options"):
            raise _refuse(f"选择题{code}没有选项")
    if definition["kind"] == QuestionnaireKind.SATISFACTION and any(
        q["type"] != "score" for q in questions
    ):
        raise _refuse("满意度问卷的题目均应为评分题")
    return definition


def load_file(path: Path) -> versions.Stored[Questionnaire]:
    definition = validate(
        versions.read_json(path, lambda why: _refuse(f"无法读取问卷文件{Path(path).name}：{why}"))
    )
    return versions.store_version(
        Questionnaire,
        code=definition["code"],
        version=str(definition["version"]),
        digest=versions.checksum(definition),
        fields={
            "name": definition["name"],
            "kind": definition["kind"],
            "effective_from": dt.date.fromisoformat(str(definition["effective_from"])),
            "definition": definition,
        },
        noun="问卷",
        changed_code="questionnaire_version_changed",
    )


@dataclass(frozen=True)
class LoadOutcome:
    row: Questionnaire
    created: bool

    def __str__(self) -> str:
        state = "loaded" if self.created else "already loaded, nothing changed"
        return f"questionnaire {self.row.code} {self.row.version}: {state}"


def load_all(directory: Path | None = None) -> list[LoadOutcome]:
    """Load every questionnaire file; all or nothing, idempotent."""
    paths = versions.files_in(directory or questionnaires_dir())
    stored = versions.load_files(paths, load_file)
    return [LoadOutcome(s.row, s.created) for s in stored]


def in_force(code: str, day: dt.date) -> Questionnaire:
    """The version of ``code`` in force on ``day``; loads the shipped files the first time."""
    found = versions.in_force(Questionnaire.objects.filter(code=code), day)
    if found is None and not Questionnaire.objects.filter(code=code).exists():
        load_all()
        found = versions.in_force(Questionnaire.objects.filter(code=code), day)
    if found is None:
        raise NotFound(f"{day:%Y-%m-%d}没有有效的问卷“{code}”", code="questionnaire_not_found")
    return found


def questions(questionnaire: Questionnaire) -> list[dict]:
    return list(questionnaire.definition["questions"])


def fill(text: str, values: dict[str, str]) -> str:
    """The script's placeholders (``{参保人}``, ``{月份}`` …) filled in; unknown ones stay."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text
