"""After a restore (``changhu restore``): a sample of the case documents and conclusion letters,
each opened with the configured field key and checked against the SHA-256 recorded on its row."""

from __future__ import annotations

from changhu.assessment import files
from changhu.assessment.models import Conclusion, Document
from changhu.core.backup import BackupError, register_restore_check
from changhu.core.errors import DomainError


def _sealed_files(limit: int) -> int:
    stored = [
        *Document._base_manager.order_by("?").values_list("file", "sha256")[:limit],
        *Conclusion._base_manager.exclude(letter="")
        .order_by("?")
        .values_list("letter", "letter_sha256")[:limit],
    ]
    for name, sha256 in stored:
        try:
            files.read(name, sha256=sha256)
        except DomainError:
            raise BackupError(
                f"评估材料或结论书 {name} 缺失、无法解密或与登记的校验值不符"
            ) from None
    return len(stored)


register_restore_check("评估材料与结论书（解密并核对SHA-256）", _sealed_files)
