"""Chinese labels for the codes the system stores, in one place for every page.

A person never reads ``home_visit``, ``draft``, ``chengdu@2023.1``, ``national-2021``, ``ltci``
or ``image/png``. Templates write ``{{ value|label:"care_mode" }}`` (the filter is a built-in of
every template); Python code calls :func:`label`.

Kinds:

- every ``TextChoices`` of the product, by the snake-case name of its class (``care_mode``,
  ``claim_status``, ``role``) when that name is unique, and always as
  ``<app>.<class path>`` (``visits.run_status``, ``core.import_batch.status``);
- ``policy``: a benefit policy code or ``code@version`` reference, shown by its name (and
  version: "成都市长期照护保险待遇标准（重度失能）2023.1版");
- ``policy_rule``: a settlement line's rule, ``code@version/benefit``, as the policy's name and
  version and the benefit's name;
- ``scale``: an assessment scale code or ``code@version``, by its name;
- ``fund``: a fund's books (``ltci``, or a supplementary payer's plan code), by name;
- ``payer``: who pays a settlement line (the benefit policy's code: the city's fund; a
  supplementary plan's code: that plan), by name;
- ``mime``: a document's content type, as the kind of file ("PDF 文件", "PNG 图片");
- ``audit_channel``: where an audited change came from (网页, 接口, …).

A value the kind does not know is returned as it is, so a missing label shows up in review
(and in the crawl test of every page) instead of breaking the page.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping

from django.apps import apps
from django.db import models

Lookup = Callable[[str], str | None]

MIME_LABELS = {
    "application/pdf": "PDF 文件",
    "image/png": "PNG 图片",
    "image/jpeg": "JPEG 图片",
    "image/jpg": "JPEG 图片",
    "image/gif": "GIF 图片",
    "image/webp": "WebP 图片",
    "image/heic": "HEIC 图片",
    "image/heif": "HEIC 图片",
    "video/mp4": "MP4 视频",
    "video/quicktime": "MOV 视频",
    "audio/mpeg": "MP3 录音",
    "text/csv": "CSV 表格",
    "text/plain": "文本文件",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel 表格",
    "application/vnd.ms-excel": "Excel 表格",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word 文档",
    "application/msword": "Word 文档",
    "application/zip": "压缩包",
    "application/json": "数据文件",
    "application/octet-stream": "文件",
}
MIME_FAMILIES = {"image": "图片", "video": "视频", "audio": "录音", "text": "文本文件"}

AUDIT_CHANNELS = {"web": "网页", "api": "接口", "cli": "命令行", "system": "系统"}


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _choices_classes() -> Iterator[type[models.TextChoices]]:
    seen: set[type] = set()
    stack = list(models.TextChoices.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("changhu."):
            yield cls


def _mapping(choices: type[models.TextChoices]) -> Lookup:
    labels = {str(value): str(text) for value, text in choices.choices}
    return labels.get


def _choice_kinds() -> dict[str, Lookup]:
    # Make sure every app's models (and the roles module) have defined their choices.
    apps.get_models()
    from changhu.orgs import roles  # noqa: F401  Role lives beside the rights, not in models

    qualified: dict[str, Lookup] = {}
    short: dict[str, list[Lookup]] = {}
    for cls in _choices_classes():
        app = cls.__module__.split(".")[1]
        path = ".".join(_snake(part) for part in cls.__qualname__.split("."))
        lookup = _mapping(cls)
        qualified[f"{app}.{path}"] = lookup
        if "." not in path:
            short.setdefault(path, []).append(lookup)
    kinds = {name: found[0] for name, found in short.items() if len(found) == 1}
    kinds.update(qualified)
    return kinds


class _VersionedNames:
    """Names of versioned rule rows (policies, scales) by ``code`` and ``code@version``.

    The rows never change once loaded, so names are kept for the life of the process; a code
    not seen yet (a version loaded since) is looked up again.
    """

    def __init__(self, model_label: str, with_version: bool, parts: str = ""):
        self.model_label = model_label
        self.with_version = with_version
        self.parts = parts  # a JSON list in the row's data whose items have a code and a name
        self.names: dict[str, str] = {}
        self.lock = threading.Lock()

    def _load(self) -> None:
        model = apps.get_model(self.model_label)
        names: dict[str, str] = {}
        latest: dict[str, tuple] = {}
        fields = ["code", "version", "name", "effective_from"] + (["data"] if self.parts else [])
        for code, version, name, effective_from, *data in model.objects.values_list(*fields):
            ref = f"{code}@{version}"
            names[ref] = f"{name}{version}版" if self.with_version else name
            if code not in latest or effective_from > latest[code][0]:
                latest[code] = (effective_from, name)
            for part in (data[0] or {}).get(self.parts, []) if data else []:
                if isinstance(part, dict) and part.get("code") and part.get("name"):
                    names[f"{ref}/{part['code']}"] = f"{names[ref]} · {part['name']}"
        names.update({code: name for code, (_, name) in latest.items()})
        with self.lock:
            self.names = names

    def __call__(self, value: str) -> str | None:
        found = self.names.get(value)
        if found is None:
            self._load()
            found = self.names.get(value)
        return found

    def clear(self) -> None:
        with self.lock:
            self.names = {}


_policies = _VersionedNames("settlement.PolicyVersion", with_version=True, parts="benefits")
_scales = _VersionedNames("assessment.ScaleVersion", with_version=False)


def _fund(value: str) -> str | None:
    from changhu.fund.models import FUND_LABELS

    return FUND_LABELS.get(value) or _policies(value)


_payers: dict[str, str] = {}


def _payer(value: str) -> str | None:
    from changhu.fund.models import FUND_LABELS, LTCI_FUND
    from changhu.settlement.models import PolicyKind, PolicyVersion

    if value in FUND_LABELS:
        return FUND_LABELS[value]
    if value not in _payers:
        row = PolicyVersion.objects.filter(code=value).values_list("kind", "name").first()
        if row is None:
            return None
        kind, name = row
        _payers[value] = FUND_LABELS[LTCI_FUND] if kind == PolicyKind.BENEFIT else name
    return _payers[value]


def _mime(value: str) -> str | None:
    value = value.split(";", 1)[0].strip().lower()
    return MIME_LABELS.get(value) or MIME_FAMILIES.get(value.split("/", 1)[0], "文件")


_kinds: dict[str, Lookup] | None = None
_extra: dict[str, Lookup] = {}


def register_label(kind: str, labels: Mapping[str, str] | Lookup) -> None:
    """Add a kind of label (a mapping of code to label, or a function returning it or None)."""
    global _kinds
    _extra[kind] = labels.get if isinstance(labels, Mapping) else labels
    _kinds = None


def kinds() -> dict[str, Lookup]:
    global _kinds
    if _kinds is None:
        found = _choice_kinds()
        found.update(
            {
                "policy": _policies,
                "policy_rule": _policies,
                "scale": _scales,
                "fund": _fund,
                "payer": _payer,
                "mime": _mime,
                "audit_channel": AUDIT_CHANNELS.get,
            }
        )
        found.update(_extra)
        _kinds = found
    return _kinds


def label(value, kind: str) -> str:
    """The Chinese label of ``value`` as a ``kind`` (see the module docstring)."""
    lookup = kinds().get(kind)
    if lookup is None:
        raise KeyError(f"no labels of the kind {kind!r}; known: {', '.join(sorted(kinds()))}")
    if value is None:
        return ""
    text = str(value)
    found = lookup(text)
    if found is None:
        return "" if text == "" else text
    return found


def clear_cache() -> None:
    """Forget the names of policies and scales (tests that load other versions)."""
    _policies.clear()
    _scales.clear()
    _payers.clear()
