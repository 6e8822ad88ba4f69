"""Backups of the database and the media files, and their restore into an empty database.

A backup is a directory:

- ``database.pgdump`` (PostgreSQL: ``pg_dump`` custom format) or ``database.sqlite3`` (SQLite:
  the online backup API);
- ``media/<name>``: every file of the default storage, byte for byte as stored, so the files
  sealed under the field key (case documents, conclusion letters, import uploads) stay sealed;
- ``manifest.json``: the format, the application's version, when, the database's engine and
  migrations, the number of rows of every table, the SHA-256 and size of every file, and the
  fingerprints of the field and index keys. It is signed with a key derived from the field key,
  so a backup cannot be altered (a row added, a file swapped) by whoever can write where it is
  kept but does not hold the keys.

The keys themselves are never in a backup: every file written is searched for them (the
PostgreSQL dump through ``pg_restore``, which also proves it can be read) and a backup holding
one is deleted. Keys are kept apart and given to a restore by the environment
(docs/configuration.md, "Backups and key custody").

The row counts and the dump come from one snapshot of the database: on PostgreSQL a
repeatable-read transaction exports its snapshot to ``pg_dump --snapshot``; on SQLite the
counts are taken from the copy. Media files are copied after the database.

A restore checks everything it can before it writes anything: the manifest's format and
signature, the keys' fingerprints, every file's checksum, that the program knows every migration
of the backup, and that the target database holds no table at all. It then copies the media
files (a file already there with the same content is left alone), restores the database, and
checks the result: the same row count in every table, and a sample of every encrypted field and
of the sealed files opened with the configured keys. Apps add checks of their own sealed files
in a ``restore_checks`` module (:func:`register_restore_check`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection, models
from django.utils.module_loading import autodiscover_modules

import changhu
from changhu.core import clock, crypto

FORMAT = "changhu-backup/1"
MANIFEST = "manifest.json"
MEDIA_DIR = "media"
_CHUNK = 1 << 20
_PG_DUMP = "database.pgdump"
_SQLITE_DUMP = "database.sqlite3"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Chinese."""


# --- keys ------------------------------------------------------------------------------------


def _field_key() -> bytes:
    if not settings.FIELD_ENCRYPTION_KEY or not settings.BLIND_INDEX_KEY:
        raise BackupError(
            "未配置 CHANGHU_FIELD_KEY 或 CHANGHU_INDEX_KEY：备份与恢复都需要这两把密钥"
        )
    try:
        key = base64.b64decode(settings.FIELD_ENCRYPTION_KEY, validate=True)
    except binascii.Error:
        key = b""
    if len(key) != 32:
        raise BackupError("CHANGHU_FIELD_KEY 应为32字节随机数的base64编码")
    return key


def key_fingerprints() -> dict[str, str]:
    """Short keyed digests that tell whether two keys are the same without revealing either."""
    index_key = settings.BLIND_INDEX_KEY.encode()
    return {
        "field": hmac.new(_field_key(), b"changhu key fingerprint: field", "sha256").hexdigest()[
            :16
        ],
        "index": hmac.new(index_key, b"changhu key fingerprint: index", "sha256").hexdigest()[:16],
    }


def _signature(manifest: dict) -> str:
    signing_key = hmac.new(_field_key(), b"changhu backup manifest v1", "sha256").digest()
    body = {k: v for k, v in manifest.items() if k != "signature"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(signing_key, canonical.encode(), "sha256").hexdigest()


def key_material() -> dict[str, bytes]:
    """What must never be found in a backup: every configured key, as configured and raw."""
    found = {
        "CHANGHU_SECRET_KEY": settings.SECRET_KEY.encode(),
        "CHANGHU_FIELD_KEY": settings.FIELD_ENCRYPTION_KEY.encode(),
        "CHANGHU_INDEX_KEY": settings.BLIND_INDEX_KEY.encode(),
    }
    raw = _field_key()
    found["CHANGHU_FIELD_KEY（原始字节）"] = raw
    found["CHANGHU_FIELD_KEY（十六进制）"] = raw.hex().encode()
    found["CHANGHU_FIELD_KEY（URL安全base64）"] = base64.urlsafe_b64encode(raw)
    unique: dict[str, bytes] = {}
    for name, value in found.items():
        # A key this short would match by chance (and is weak); a spelling may repeat another.
        if len(value) >= 12 and value not in unique.values():
            unique[name] = value
    return unique


class KeyScanner:
    """Finds any of the keys in a stream of bytes, across chunk boundaries."""

    def __init__(self, patterns: dict[str, bytes]) -> None:
        self.patterns = patterns
        self.overlap = max((len(p) for p in patterns.values()), default=1) - 1
        self.found: set[str] = set()
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        window = self._tail + chunk
        for name, pattern in self.patterns.items():
            if pattern in window:
                self.found.add(name)
        self._tail = window[-self.overlap :] if self.overlap else b""


def scan_file(path: Path, patterns: dict[str, bytes]) -> set[str]:
    scanner = KeyScanner(patterns)
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            scanner.feed(chunk)
    return scanner.found


# --- files -----------------------------------------------------------------------------------


def _sha256(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _storage_names(folder: str = "") -> Iterator[str]:
    """Every file name in the default storage, depth first, in a stable order."""
    try:
        folders, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(names):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from _storage_names(f"{folder}/{sub}" if folder else sub)


def _safe_relative(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in name:
        raise BackupError(f"备份清单中的文件名不合法：{name}")
    return str(path)


# --- the database ----------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def pg_tool(name: str) -> str:
    """A PostgreSQL client program: on PATH, beside the server's ``initdb``, or the newest
    under /usr/lib/postgresql."""
    candidates = []
    if shutil.which(name):
        candidates.append(shutil.which(name))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(os.path.realpath(initdb)).parent / name))
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
        reverse=True,
    )
    candidates += [str(p) for p in versions]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(f"找不到 PostgreSQL 客户端程序 {name}（请安装 postgresql-client）")


_LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "options")


def _pg_params() -> dict[str, str]:
    db = connection.settings_dict
    params = {
        "dbname": db["NAME"],
        "user": db.get("USER") or "",
        "password": db.get("PASSWORD") or "",
        "host": db.get("HOST") or "",
        "port": str(db.get("PORT") or ""),
    }
    options = db.get("OPTIONS") or {}
    params.update({k: str(options[k]) for k in _LIBPQ_OPTIONS if k in options})
    return {k: v for k, v in params.items() if v}


def _pg_environment() -> dict[str, str]:
    """The connection for pg_dump and pg_restore, by environment: no password on a command
    line, where other users of the machine could read it."""
    names = {"dbname": "PGDATABASE", "user": "PGUSER", "password": "PGPASSWORD", "host": "PGHOST",
             "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
             "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT",
             "options": "PGOPTIONS"}  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({names[k]: v for k, v in _pg_params().items()})
    return env


def _table_counts(cursor, tables: Iterable[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


_PG_TABLES = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
"""
_PG_RELATIONS = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%'
"""
_SQLITE_TABLES = (
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
)


def _migrations(cursor) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _dump_postgresql(target: Path) -> dict:
    import psycopg

    with psycopg.connect(**_pg_params()) as snapshot:
        snapshot.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snapshot.read_only = True
        with snapshot.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot_id, server_version = cursor.fetchone()
            cursor.execute(_PG_TABLES)
            tables = _table_counts(cursor, [row[0] for row in cursor.fetchall()])
            migrations = _migrations(cursor)
            done = subprocess.run(
                [
                    pg_tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot_id}",
                    f"--file={target / _PG_DUMP}",
                ],
                env=_pg_environment(),
                capture_output=True,
                text=True,
            )
        snapshot.rollback()
    if done.returncode:
        raise BackupError(f"pg_dump 失败：{done.stderr.strip()[-2000:]}")
    return {
        "engine": "postgresql",
        "server_version": server_version,
        "file": _PG_DUMP,
        "tables": tables,
        "migrations": migrations,
    }


def _dump_sqlite(target: Path) -> dict:
    connection.ensure_connection()
    copy = sqlite3.connect(target / _SQLITE_DUMP)
    try:
        connection.connection.backup(copy)
        tables = _table_counts(copy.cursor(), [r[0] for r in copy.execute(_SQLITE_TABLES)])
        migrations = _migrations(copy.cursor())
        version = copy.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        copy.close()
    return {
        "engine": "sqlite",
        "server_version": version,
        "file": _SQLITE_DUMP,
        "tables": tables,
        "migrations": migrations,
    }


def _current_counts() -> dict[str, int]:
    """The number of rows of every table of the configured database."""
    with connection.cursor() as cursor:
        cursor.execute(_PG_TABLES if connection.vendor == "postgresql" else _SQLITE_TABLES)
        return _table_counts(cursor, [row[0] for row in cursor.fetchall()])


def database_relations() -> int:
    """How many tables, views and sequences the configured database holds (0: empty)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_RELATIONS)
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view')"
                " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            )
        return cursor.fetchone()[0]


# --- backup ----------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    manifest: dict

    def lines(self) -> list[str]:
        m = self.manifest
        rows = sum(m["database"]["tables"].values())
        media = [f for f in m["files"] if f["path"].startswith(f"{MEDIA_DIR}/")]
        return [
            f"备份完成：{self.path}",
            f"数据库（{m['database']['engine']} {m['database']['server_version']}）："
            f"{len(m['database']['tables'])}张表，共{rows}行",
            f"媒体文件：{len(media)}个，共{sum(f['size'] for f in media)}字节",
            f"密钥指纹：字段加密 {m['keys']['field']}，索引 {m['keys']['index']}（备份中不含密钥）",
        ]


def _private_directory(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupError(f"备份目录不是空的：{path}。请指定一个新的目录，以免覆盖已有的备份")
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)


def _copy_media(target: Path) -> list[dict]:
    files = []
    for name in _storage_names():
        relative = _safe_relative(name)
        destination = target / MEDIA_DIR / relative
        destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        digest, size = hashlib.sha256(), 0
        try:
            with default_storage.open(name, "rb") as source, destination.open("wb") as out:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        except FileNotFoundError:  # deleted since it was listed (an import given up)
            destination.unlink(missing_ok=True)
            continue
        destination.chmod(0o600)
        files.append(
            {"path": f"{MEDIA_DIR}/{relative}", "size": size, "sha256": digest.hexdigest()}
        )
    return files


def _keys_in_backup(target: Path, database: dict) -> set[str]:
    patterns = key_material()
    found: set[str] = set()
    for path in sorted(p for p in target.rglob("*") if p.is_file()):
        if path.name == _PG_DUMP:
            continue
        found |= scan_file(path, patterns)
    if database["engine"] == "postgresql":
        found |= _scan_pg_dump(target / _PG_DUMP, patterns)
    return found


def _scan_pg_dump(path: Path, patterns: dict[str, bytes]) -> set[str]:
    """The dump as SQL text (its table data is compressed in the file), searched as it streams;
    reading it all through also proves that pg_restore can read it."""
    scanner = KeyScanner(patterns)
    process = subprocess.Popen(
        [pg_tool("pg_restore"), "--file=-", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    while chunk := process.stdout.read(_CHUNK):
        scanner.feed(chunk)
    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.wait():
        raise BackupError(f"pg_restore 无法读取刚生成的备份：{error.strip()[-2000:]}")
    return scanner.found


def create(target: Path) -> BackupResult:
    """Back up the database and the media files into ``target`` (new or empty)."""
    target = Path(target).resolve()
    fingerprints = key_fingerprints()
    _private_directory(target)
    try:
        if connection.vendor == "postgresql":
            database = _dump_postgresql(target)
        elif connection.vendor == "sqlite":
            database = _dump_sqlite(target)
        else:
            raise BackupError(f"不支持备份此类数据库：{connection.vendor}")
        dump = target / database.pop("file")
        dump.chmod(0o600)
        size, sha256 = _sha256(dump)
        files = [{"path": dump.name, "size": size, "sha256": sha256}, *_copy_media(target)]
        manifest = {
            "format": FORMAT,
            "created_at": clock.now().isoformat(),
            "app": {"name": "changhu", "version": changhu.__version__},
            "database": {**database, "file": dump.name},
            "files": files,
            "keys": fingerprints,
        }
        for folder in (p for p in target.rglob("*") if p.is_dir()):
            folder.chmod(0o700)
        manifest["signature"] = _signature(manifest)
        manifest_path = target / MANIFEST
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
        manifest_path.chmod(0o600)
        leaked = _keys_in_backup(target, database)
        if leaked:
            raise BackupError(
                f"备份中发现了密钥（{'、'.join(sorted(leaked))}），已删除这份备份。"
                "密钥绝不能进入备份：请查明数据库或媒体文件中为何存有密钥，清除后重新备份"
            )
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return BackupResult(target, manifest)


# --- restore ---------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict:
    path = Path(source) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} 不是备份目录：缺少 {MANIFEST}")
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BackupError(f"{MANIFEST} 已损坏，无法读取") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            f"不认识的备份格式：{manifest.get('format') if isinstance(manifest, dict) else '?'}"
        )
    return manifest


def verify(source: Path) -> dict:
    """Everything a restore checks before it writes: the keys, the signature, every file's
    checksum and the migrations. The manifest, if all is well."""
    source = Path(source)
    manifest = read_manifest(source)
    mine = key_fingerprints()
    for name, label in (
        ("field", "CHANGHU_FIELD_KEY（字段加密密钥）"),
        ("index", "CHANGHU_INDEX_KEY（索引密钥）"),
    ):
        if manifest.get("keys", {}).get(name) != mine[name]:
            raise BackupError(
                f"{label}与备份时使用的不一致（备份指纹 {manifest.get('keys', {}).get(name)}，"
                f"当前指纹 {mine[name]}）。请向密钥保管人取得备份时的密钥后再恢复"
            )
    if not hmac.compare_digest(str(manifest.get("signature", "")), _signature(manifest)):
        raise BackupError("备份清单的签名不符：清单在备份后被改动过，这份备份不能使用")
    problems = []
    for entry in manifest["files"]:
        path = source / _safe_relative(entry["path"])
        if not path.is_file():
            problems.append(f"缺少文件 {entry['path']}")
            continue
        size, sha256 = _sha256(path)
        if (size, sha256) != (entry["size"], entry["sha256"]):
            problems.append(f"文件 {entry['path']} 的校验值不符")
    if problems:
        shown = "；".join(problems[:10]) + ("；……" if len(problems) > 10 else "")
        raise BackupError(f"备份文件校验失败，未做任何恢复：{shown}")
    _check_migrations(manifest)
    return manifest


def _known_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _check_migrations(manifest: dict) -> None:
    known = _known_migrations()
    installed = {config.label for config in apps.get_app_configs()}
    unknown = [
        f"{app}.{name}"
        for app, names in manifest["database"]["migrations"].items()
        if app in installed
        for name in names
        if (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            "备份来自较新的程序版本（本程序不认识其中的数据库迁移："
            f"{'、'.join(unknown[:5])}{'等' if len(unknown) > 5 else ''}）。请先升级程序再恢复"
        )


def pending_migrations(manifest: dict) -> int:
    """Migrations this program has that the backup's database had not applied."""
    applied = {(a, n) for a, names in manifest["database"]["migrations"].items() for n in names}
    return len(_known_migrations() - applied)


def _media_conflicts(manifest: dict, source: Path) -> tuple[list[dict], list[str]]:
    """Files to copy, and names already in the storage with other content."""
    to_copy, conflicts = [], []
    for entry in manifest["files"]:
        if not entry["path"].startswith(f"{MEDIA_DIR}/"):
            continue
        name = entry["path"][len(MEDIA_DIR) + 1 :]
        if not default_storage.exists(name):
            to_copy.append(entry)
            continue
        digest = hashlib.sha256()
        with default_storage.open(name, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            conflicts.append(name)
    return to_copy, conflicts


def _restore_media(source: Path, entries: list[dict]) -> None:
    for entry in entries:
        name = entry["path"][len(MEDIA_DIR) + 1 :]
        with (source / _safe_relative(entry["path"])).open("rb") as handle:
            saved = default_storage.save(name, File(handle))
        if saved != name:
            default_storage.delete(saved)
            raise BackupError(f"媒体文件 {name} 无法按原名写入存储")


def _restore_database(source: Path, manifest: dict) -> None:
    dump = source / manifest["database"]["file"]
    if manifest["database"]["engine"] == "postgresql":
        connection.close()
        done = subprocess.run(
            [
                pg_tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={connection.settings_dict['NAME']}",
                str(dump),
            ],
            env=_pg_environment(),
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise BackupError(f"pg_restore 失败，数据库未做改动：{done.stderr.strip()[-2000:]}")
    else:
        connection.ensure_connection()
        backup = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        try:
            backup.backup(connection.connection)
        finally:
            backup.close()
        connection.close()


# name -> check(limit) -> how many items it opened and found right; raises BackupError if not.
RestoreCheck = Callable[[int], int]
_restore_checks: dict[str, RestoreCheck] = {}


def register_restore_check(label: str, check: RestoreCheck) -> None:
    """Add a check run after every restore; ``label`` (Chinese) names it in the report."""
    _restore_checks[label] = check


def _encrypted_fields() -> Iterator[tuple[type[models.Model], models.Field]]:
    """Every stored ``*_enc`` text column (values of :func:`changhu.core.crypto.encrypt`)."""
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if f.name.endswith("_enc") and isinstance(f, models.CharField | models.TextField):
                yield model, f


def check_encrypted_fields(limit: int) -> dict[str, int]:
    """Decrypt up to ``limit`` values of every encrypted column, chosen at random."""
    opened = {}
    for model, f in _encrypted_fields():
        values = (
            model._base_manager.exclude(**{f.name: ""})
            .order_by("?")
            .values_list(f.attname, flat=True)[:limit]
        )
        count = 0
        for value in values:
            try:
                crypto.decrypt(value)
            except Exception:
                raise BackupError(
                    f"{model._meta.verbose_name}的“{f.verbose_name}”无法用当前密钥解密"
                ) from None
            count += 1
        opened[f"{model._meta.label}.{f.name}"] = count
    return opened


def _import_uploads(limit: int) -> int:
    from changhu.core.imports import lifecycle

    count = 0
    for model in (p.model for p in lifecycle.registered().values()):
        for name in (
            model._base_manager.exclude(stored_file="")
            .order_by("?")
            .values_list("stored_file", flat=True)[:limit]
        ):
            try:
                with default_storage.open(name, "rb") as handle:
                    lifecycle.open_upload(handle.read())
            except Exception:
                raise BackupError(f"待确认的导入文件 {name} 缺失或无法用当前密钥解密") from None
            count += 1
    return count


register_restore_check("待确认导入的上传文件（解密）", _import_uploads)


@dataclass
class RestoreResult:
    manifest: dict
    media_copied: int
    media_present: int
    tables: int
    rows: int
    fields: dict[str, int] = field(default_factory=dict)
    checks: dict[str, int] = field(default_factory=dict)
    pending: int = 0

    def lines(self) -> list[str]:
        m = self.manifest
        lines = [
            f"恢复完成：{m['created_at']} 的备份（changhu {m['app']['version']}）",
            f"数据库：{self.tables}张表、{self.rows}行，与备份清单逐表核对一致",
            f"媒体文件：写入{self.media_copied}个，已存在且内容相同{self.media_present}个，均已校验",
            f"加密字段抽样解密：{sum(self.fields.values())}个值（{len(self.fields)}个字段），全部成功",
        ]
        lines += [
            f"{label}：抽样{count}个，全部成功" if count else f"{label}：备份中没有此类文件"
            for label, count in self.checks.items()
        ]
        if self.pending:
            lines.append(f"本程序比备份多{self.pending}个数据库迁移：请接着运行 changhu migrate")
        return lines


def restore(source: Path, *, sample: int = 20) -> RestoreResult:
    """Restore the backup in ``source`` into the configured, empty database and storage."""
    source = Path(source).resolve()
    manifest = verify(source)
    engine = manifest["database"]["engine"]
    if engine != connection.vendor:
        raise BackupError(
            f"这是 {engine} 数据库的备份，当前配置的是 {connection.vendor} 数据库，不能恢复"
        )
    relations = database_relations()
    if relations:
        raise BackupError(
            f"目标数据库不是空的（已有{relations}张表或其他对象）。恢复只能写入新建的空数据库，"
            "以免覆盖现有数据：请新建一个空数据库，把 DATABASE_URL 指向它后重试"
        )
    to_copy, conflicts = _media_conflicts(manifest, source)
    if conflicts:
        raise BackupError(
            f"媒体存储中已有{len(conflicts)}个同名但内容不同的文件（如 {conflicts[0]}），"
            "未做任何恢复。请使用空的媒体目录（CHANGHU_MEDIA_ROOT）"
        )
    media_total = sum(1 for f in manifest["files"] if f["path"].startswith(f"{MEDIA_DIR}/"))
    _restore_media(source, to_copy)
    _restore_database(source, manifest)

    expected = manifest["database"]["tables"]
    found = _current_counts()
    if found != expected:
        differ = sorted(t for t in set(found) | set(expected) if found.get(t) != expected.get(t))
        details = "；".join(
            f"{t}：备份{expected.get(t, '无')}，恢复后{found.get(t, '无')}" for t in differ[:10]
        )
        raise BackupError(f"恢复后的行数与备份清单不符：{details}")
    autodiscover_modules("restore_checks")
    fields = check_encrypted_fields(sample)
    checks = {label: check(sample) for label, check in _restore_checks.items()}
    return RestoreResult(
        manifest=manifest,
        media_copied=len(to_copy),
        media_present=media_total - len(to_copy),
        tables=len(found),
        rows=sum(found.values()),
        fields=fields,
        checks=checks,
        pending=pending_migrations(manifest),
    )
