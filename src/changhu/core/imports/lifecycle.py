"""The life of an import batch, written once for every app: preview, commit, discard, purge.

An app registers its batch model with its kinds (``register(ImportBatch, kinds=[...])``, from the
module its ``AppConfig.ready`` imports) and gets a :class:`Pipeline` bound to that model; core
imports no app. Registering also hands the batch's purge to :mod:`changhu.core.retention`, as
``<app>.import_batches``.

- **Upload → preview**: the file is read and every row checked; nothing is written. The upload
  is kept sealed (AES-GCM under the field key) in the app's folder of the default storage,
  because it holds ID numbers in clear. A file that cannot be read at all is refused and
  nothing is stored.
- **Commit** reads the stored file again and re-checks every row against the database as it is
  now, in one transaction: all-or-nothing writes nothing while a row has an error (409
  ``import_has_errors``); valid-only writes the rows that pass. Audited once per batch.
- **Discard** drops the stored file. A batch is decided once (409 ``import_not_pending``); only
  the uploading organization decides it (403 ``import_not_owner``).
- **Purge**: batches left in preview past the retention period are given up and their uploads
  deleted, with sealed files no batch refers to (a crash between storing and saving).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from changhu.core import audit, clock, crypto, retention, scope
from changhu.core.errors import Conflict, PermissionDenied, ValidationFailed
from changhu.core.imports import workbooks
from changhu.core.imports.models import ImportBatch
from changhu.core.imports.reader import ImportRefused, read_table, read_upload
from changhu.core.imports.run import ImportKind, Outcome, run_file

Status = ImportBatch.Status
Mode = ImportBatch.Mode

_SEAL_MAGIC = b"CHIMP1"
# The register's import sealed uploads first, under this context; their files still open.
_SEAL_CONTEXT = b"changhu.insured.import"
_AUDIT_LABELS = {
    "kind": "导入内容",
    "mode": "导入方式",
    "file_name": "文件名",
    "total_rows": "数据行数",
    "valid_rows": "正确行数",
    "error_rows": "错误行数",
    "imported_rows": "已导入行数",
}

_pipelines: dict[str, Pipeline] = {}


def register(model: type[ImportBatch], *, kinds: Iterable[ImportKind]) -> Pipeline:
    """Make ``model``'s kinds importable; returns the pipeline bound to ``model``."""
    pipeline = Pipeline(model, tuple(kinds))
    _pipelines[model._meta.label_lower] = pipeline
    retention.register_purger(f"{model._meta.app_label}.import_batches", pipeline.purge_stale)
    return pipeline


def registered() -> dict[str, Pipeline]:
    """The registered pipelines by batch model label (``insured.importbatch``)."""
    return dict(_pipelines)


class _StoredFileGone(Exception):
    pass


class _Refused(Exception):
    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


def _has_errors(error_rows: int) -> Conflict:
    return Conflict(
        f"文件中有{error_rows}行存在错误，未导入任何数据。请修改后重新上传，或选择“仅导入正确的行”",
        code="import_has_errors",
    )


def seal_upload(data: bytes) -> bytes:
    """An upload as stored: encrypted under the field key."""
    return crypto.seal(data, magic=_SEAL_MAGIC, context=_SEAL_CONTEXT)


def open_upload(sealed: bytes) -> bytes:
    """A stored upload's bytes; ``ValueError`` or ``InvalidTag`` if it is not one."""
    return crypto.unseal(sealed, magic=_SEAL_MAGIC, context=_SEAL_CONTEXT)


def _delete_stored(name: str) -> None:
    if name:
        default_storage.delete(name)


class Pipeline:
    """Upload, preview, commit, discard and purge for one app's batch model."""

    def __init__(self, model: type[ImportBatch], kinds: tuple[ImportKind, ...]) -> None:
        self.model = model
        self.kinds = {kind.name: kind for kind in kinds}
        # Needed whatever the kind, so asked before the batch is even looked up.
        self.common_rights = tuple(r for r in kinds[0].rights if all(r in k.rights for k in kinds))

    # --- rights -------------------------------------------------------------------------------

    def kind(self, name: str) -> ImportKind:
        if name not in self.kinds:
            labels = dict(self.model._meta.get_field("kind").choices)
            raise ValidationFailed(
                f"导入内容应为{'或'.join(str(labels[k]) for k in self.kinds)}",
                code="import_kind",
                fields={"kind": "可选：" + "、".join(self.kinds)},
            )
        return self.kinds[name]

    def _require(self, actor, kind: ImportKind) -> scope.Scope:
        s = scope.scope_of(actor)
        for right in kind.rights:
            s = scope.require(actor, right)
        return s

    def _require_common(self, actor) -> None:
        for right in self.common_rights:
            scope.require(actor, right)

    @staticmethod
    def _owns(s: scope.Scope, batch: ImportBatch) -> bool:
        if s.unrestricted or batch.uploaded_by_id == s.user_id:
            return True
        return bool(s.organization_id) and batch.organization_id == s.organization_id

    # --- preview ------------------------------------------------------------------------------

    def _checked_run(self, kind: ImportKind, data: bytes, *, actor, scope_) -> Outcome:
        outcome = run_file(
            kind,
            read_table(data, kind.columns),
            actor=actor,
            scope_=scope_,
            max_rows=self.model.MAX_ROWS,
            error_cap=self.model.ERROR_CAP,
        )
        if outcome.total == 0:
            raise ImportRefused("文件中只有表头，没有数据行", code="import_no_rows")
        return outcome

    def preview(self, *, actor, kind: str, upload) -> Outcome:
        """Read and check a file without storing or writing anything (``--dry-run``)."""
        spec = self.kind(kind)
        s = self._require(actor, spec)
        data = read_upload(upload, self.model.MAX_FILE_BYTES)
        return self._checked_run(spec, data, actor=actor, scope_=s)

    def upload(self, *, actor, kind: str, upload, file_name: str = "") -> ImportBatch:
        """Check a file and keep it as a batch awaiting a decision, with totals and row errors.

        A file that cannot be read at all (format, encoding, headers, size) is refused and
        nothing is stored.
        """
        spec = self.kind(kind)
        s = self._require(actor, spec)
        data = read_upload(upload, self.model.MAX_FILE_BYTES)
        outcome = self._checked_run(spec, data, actor=actor, scope_=s)
        name = file_name or getattr(upload, "name", "") or "upload"
        batch = self.model(
            kind=kind,
            file_name=os.path.basename(str(name))[:200],
            file_size=len(data),
            file_format=outcome.file_format,
            encoding=outcome.encoding,
            organization_id=s.organization_id,
            uploaded_by=actor,
            validated_at=clock.now(),
        )
        _apply(batch, outcome)
        sealed = ContentFile(seal_upload(data))
        batch.stored_file.save(f"{uuid.uuid4().hex}.sealed", sealed, save=False)
        try:
            with transaction.atomic():
                batch.save()
                audit.record(
                    action="create",
                    obj=batch,
                    user=actor,
                    changes=_audit_counts(batch),
                    note=f"{batch.get_kind_display()}：上传{batch.file_name}待确认",
                )
        except Exception:
            _delete_stored(batch.stored_file.name)
            raise
        return batch

    # --- decisions ----------------------------------------------------------------------------

    def _pending(self, actor, batch_id: int) -> tuple[ImportBatch, ImportKind, scope.Scope]:
        # ``of``: the scope policy may join the (nullable) organization, which cannot be locked.
        locked = self.model.objects.select_for_update(of=("self",))
        batch = scope.get_scoped(locked, actor, pk=batch_id)
        kind = self.kind(batch.kind)
        s = self._require(actor, kind)
        if not self._owns(s, batch):
            raise PermissionDenied(
                "只有上传该文件的机构可以确认或放弃导入", code="import_not_owner"
            )
        if batch.status != Status.PREVIEWED:
            raise Conflict(
                f"该批次{batch.get_status_display()}，不能再操作", code="import_not_pending"
            )
        return batch, kind, s

    def _stored(self, batch: ImportBatch) -> bytes:
        if not batch.stored_file:
            raise _StoredFileGone()
        try:
            with batch.stored_file.open("rb") as handle:
                return open_upload(handle.read())
        except (OSError, ValueError, InvalidTag):
            raise _StoredFileGone() from None

    def commit(self, *, actor, batch_id: int, mode: str) -> ImportBatch:
        """Check the stored file again and write it in one transaction; audited once.

        ``all_or_nothing`` writes nothing if any row has an error (409 ``import_has_errors``);
        ``valid_only`` writes the rows that pass and leaves the rest in the error report.
        """
        self._require_common(actor)
        if mode not in Mode.values:
            raise ValidationFailed(
                "请选择导入方式",
                code="import_mode",
                fields={"mode": "可选：all_or_nothing、valid_only"},
            )
        all_or_nothing = mode == Mode.ALL_OR_NOTHING
        try:
            with transaction.atomic():
                batch, kind, s = self._pending(actor, batch_id)
                if all_or_nothing and batch.error_count:
                    raise _has_errors(batch.error_rows)
                outcome = run_file(
                    kind,
                    read_table(self._stored(batch), kind.columns),
                    actor=actor,
                    scope_=s,
                    max_rows=self.model.MAX_ROWS,
                    error_cap=self.model.ERROR_CAP,
                    write=True,
                    all_or_nothing=all_or_nothing,
                    batch=batch,
                )
                if (all_or_nothing and outcome.log.count) or outcome.written == 0:
                    raise _Refused(outcome)
                stored = batch.stored_file.name
                _apply(batch, outcome)
                batch.status, batch.mode = Status.COMMITTED, mode
                batch.imported_rows = outcome.written
                batch.committed_at = batch.validated_at = clock.now()
                batch.committed_by = actor
                batch.stored_file = ""
                batch.save()
                audit.record(
                    action="import",
                    obj=batch,
                    user=actor,
                    changes=_audit_counts(batch),
                    note=f"{batch.get_kind_display()}：导入{batch.imported_rows}行"
                    f"（{batch.get_mode_display()}）",
                )
                transaction.on_commit(lambda: _delete_stored(stored))
        except _Refused as refused:
            self._record_refusal(batch_id, refused.outcome)
            if refused.outcome.log.count and all_or_nothing:
                raise _has_errors(refused.outcome.log.rows) from None
            raise Conflict("没有可以导入的正确行", code="import_no_valid_rows") from None
        except _StoredFileGone:
            gone = Conflict("上传的文件已不存在或无法读取，请重新上传", code="import_file_missing")
            self.model.objects.filter(pk=batch_id, status=Status.PREVIEWED).update(
                status=Status.FAILED, stored_file="", failure=gone.message
            )
            raise gone from None
        except IntegrityError:
            raise Conflict(
                "导入期间登记簿发生了变化（如他人登记了相同的身份证号码），请重新预览",
                code="import_conflict",
            ) from None
        return batch

    def _record_refusal(self, batch_id: int, outcome: Outcome) -> None:
        with transaction.atomic():
            batch = self.model.objects.select_for_update().get(pk=batch_id)
            _apply(batch, outcome)
            batch.validated_at = clock.now()
            batch.save()

    def discard(self, *, actor, batch_id: int) -> ImportBatch:
        """Drop a previewed batch and delete its stored file."""
        self._require_common(actor)
        with transaction.atomic():
            batch, _, _ = self._pending(actor, batch_id)
            _give_up(batch)
            audit.record(
                action="update",
                obj=batch,
                user=actor,
                changes={
                    "status": {
                        "label": "状态",
                        "old": Status.PREVIEWED.label,
                        "new": Status.DISCARDED.label,
                    }
                },
                note=f"{batch.get_kind_display()}：放弃导入{batch.file_name}",
            )
        return batch

    def can_decide(self, *, user, batch: ImportBatch) -> bool:
        """Whether the user may commit or discard this batch (for showing the buttons)."""
        s = scope.scope_of(user)
        kind = self.kinds.get(batch.kind)
        if batch.status != Status.PREVIEWED or kind is None:
            return False
        return all(s.can(right) for right in kind.rights) and self._owns(s, batch)

    # --- retention ----------------------------------------------------------------------------

    def purge_stale(self, before: dt.datetime, dry_run: bool = False) -> int:
        """Give up batches still in preview that were uploaded before ``before``: their stored
        upload (every row's personal data, encrypted) is deleted, the totals and errors stay.
        Also deletes sealed uploads no batch refers to, once they are as old. Returns how many
        batches and files."""
        stale = self.model.objects.filter(status=Status.PREVIEWED, created_at__lt=before)
        count = 0
        given_up: set[str] = set()  # their files go on commit: not orphans to count again
        for batch_id in list(stale.values_list("pk", flat=True)):
            if dry_run:
                count += 1
                continue
            with transaction.atomic():
                batch = stale.select_for_update().filter(pk=batch_id).first()
                if batch is None:  # decided meanwhile
                    continue
                given_up.add(batch.stored_file.name)
                _give_up(batch)
                audit.record(
                    action="delete",
                    obj=batch,
                    note=f"超过{settings.IMPORT_RETENTION_DAYS}天未确认，系统自动放弃并删除上传文件",
                )
            count += 1
        return count + self._purge_orphans(before, given_up, dry_run)

    def _purge_orphans(self, before: dt.datetime, given_up: set[str], dry_run: bool) -> int:
        folder = self.model.UPLOAD_DIR
        try:
            _, names = default_storage.listdir(folder)
        except FileNotFoundError:
            return 0
        referenced = set(
            self.model.objects.exclude(stored_file="").values_list("stored_file", flat=True)
        )
        count = 0
        for name in names:
            path = f"{folder}/{name}"
            if not name.endswith(".sealed") or path in referenced or path in given_up:
                continue
            if default_storage.get_modified_time(path) >= before:
                continue
            if not dry_run:
                default_storage.delete(path)
            count += 1
        return count

    # --- files --------------------------------------------------------------------------------

    def template(self, *, kind: str, file_format: str) -> tuple[bytes, str, str]:
        """An empty import file with the Chinese headers: (content, file name, media type)."""
        if kind not in self.kinds or file_format not in ("csv", "xlsx"):
            raise ValidationFailed(
                "没有这种模板",
                code="import_template",
                fields={"kind": "可选：" + "、".join(self.kinds) + "；格式：csv、xlsx"},
            )
        spec = self.kinds[kind]
        return workbooks.template(spec.columns, spec.title, file_format)


def _apply(batch: ImportBatch, outcome: Outcome) -> None:
    batch.total_rows = outcome.total
    batch.valid_rows = outcome.valid
    batch.error_rows = outcome.log.rows
    batch.error_count = outcome.log.count
    batch.errors = outcome.log.items
    batch.warnings = outcome.warnings
    batch.sample = outcome.sample


def _give_up(batch: ImportBatch) -> None:
    """Discard a previewed batch; its upload is deleted once the transaction commits."""
    stored = batch.stored_file.name
    batch.status = Status.DISCARDED
    batch.discarded_at = clock.now()
    batch.stored_file = ""
    batch.save(update_fields=["status", "discarded_at", "stored_file"])
    transaction.on_commit(lambda: _delete_stored(stored))


def _audit_counts(batch: ImportBatch) -> dict:
    after = {
        "kind": batch.get_kind_display(),
        "mode": batch.get_mode_display(),
        "file_name": batch.file_name,
        "total_rows": batch.total_rows,
        "valid_rows": batch.valid_rows,
        "error_rows": batch.error_rows,
        "imported_rows": batch.imported_rows,
    }
    return audit.diff({}, after, labels=_AUDIT_LABELS)
