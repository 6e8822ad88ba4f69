"""Backup and restore (``changhu backup`` / ``changhu restore``): a manifest of checksums, counts
and key fingerprints, never a key; a restore into a fresh database of the suite's kind (SQLite,
or PostgreSQL when the suite runs on it) verified by counts and by decrypting a sample; and every
refusal before anything is written."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

import changhu
from changhu.core import backup, crypto
from changhu.insured.models import Person
from changhu.orgs.models import Region

# The subprocesses run the code under test, not an installed copy.
SRC = str(Path(changhu.__file__).resolve().parents[1])
LETTER = "%PDF-1.7 结论书：张建国，重度失能Ⅱ级".encode()


def backup_bytes(path: Path) -> bytes:
    """Everything a backup holds, as it could be read: the files, and the PostgreSQL dump as SQL
    (its table data is compressed in the file)."""
    parts = [p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()]
    dump = path / "database.pgdump"
    if dump.exists():
        sql = subprocess.run(
            [backup.pg_tool("pg_restore"), "--file=-", str(dump)], capture_output=True, check=True
        )
        parts.append(sql.stdout)
    return b"\n".join(parts)


@pytest.fixture
def stored(media_root, people):
    """A sealed conclusion letter and a plain photo in the default storage."""
    from changhu.assessment import files

    letter = files.store(1, "pdf", LETTER)
    default_storage.save("visits/photos/2026/12/a.jpg", ContentFile(b"\xff\xd8\xff photo"))
    return letter


@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_counts_checksums_and_fingerprints_and_never_a_key(tmp_path, stored, people):
    result = backup.create(tmp_path / "backup")
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text("utf-8"))
    assert manifest == result.manifest
    assert manifest["format"] == "changhu-backup/1"
    assert manifest["database"]["engine"] == connection.vendor
    assert manifest["database"]["tables"]["insured_person"] == Person.objects.count() == 3
    assert "0001_initial" in manifest["database"]["migrations"]["insured"]
    files = {entry["path"]: entry for entry in manifest["files"]}
    assert set(files) == {
        manifest["database"]["file"],
        f"media/{stored}",
        "media/visits/photos/2026/12/a.jpg",
    }
    for name, entry in files.items():
        content = (tmp_path / "backup" / name).read_bytes()
        assert (len(content), hashlib.sha256(content).hexdigest()) == (
            entry["size"],
            entry["sha256"],
        )
    # Media files are kept as stored: the letter stays sealed.
    assert (tmp_path / "backup" / "media" / stored).read_bytes() == default_storage.open(
        stored
    ).read()
    assert "张建国".encode() not in (tmp_path / "backup" / "media" / stored).read_bytes()

    assert manifest["keys"] == backup.key_fingerprints()
    everything = backup_bytes(tmp_path / "backup")
    assert b"CREATE TABLE" in everything or b"SQLite format 3" in everything
    for name, key in backup.key_material().items():
        assert key not in everything, name
    # Personal data is in the backup only as the database holds it: encrypted.
    assert people.jinjiang.name.encode() in everything
    clear_id = crypto.decrypt(people.jinjiang.id_number_enc)
    assert clear_id.encode() not in everything
    assert (tmp_path / "backup").stat().st_mode & 0o077 == 0
    assert (tmp_path / "backup" / "manifest.json").stat().st_mode & 0o077 == 0


@pytest.mark.django_db(transaction=True)
def test_a_key_found_in_the_data_deletes_the_backup(tmp_path, stored, city):
    Region.objects.filter(pk=city.jinjiang.pk).update(name=settings.FIELD_ENCRYPTION_KEY)
    with pytest.raises(backup.BackupError, match="备份中发现了密钥（CHANGHU_FIELD_KEY）"):
        backup.create(tmp_path / "backup")
    assert not (tmp_path / "backup").exists()


def test_a_backup_goes_only_into_a_new_or_empty_directory(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text("{}")
    with pytest.raises(backup.BackupError, match="备份目录不是空的"):
        backup.create(tmp_path / "old")
    assert (tmp_path / "old" / "manifest.json").read_text() == "{}"


def test_the_key_scanner_finds_a_key_split_across_chunks():
    scanner = backup.KeyScanner({"K": b"0123456789abcdef"})
    scanner.feed(b"x" * 100 + b"01234567")
    assert not scanner.found
    scanner.feed(b"89abcdef" + b"y" * 10)
    assert scanner.found == {"K"}


def _altered_file(path: Path, stored: str) -> None:
    target = path / "media" / stored
    target.write_bytes(target.read_bytes()[:-1] + b"\x00")


def _missing_file(path: Path, stored: str) -> None:
    (path / "media" / "visits" / "photos" / "2026" / "12" / "a.jpg").unlink()


def _altered_count(path: Path, stored: str) -> None:
    manifest = json.loads((path / "manifest.json").read_text("utf-8"))
    manifest["database"]["tables"]["insured_person"] += 1
    (path / "manifest.json").write_text(json.dumps(manifest), "utf-8")


def _no_manifest(path: Path, stored: str) -> None:
    (path / "manifest.json").unlink()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "spoil, message",
    [
        (_altered_file, "校验值不符"),
        (_missing_file, "缺少文件 media/visits/photos/2026/12/a.jpg"),
        (_altered_count, "备份清单的签名不符"),
        (_no_manifest, "不是备份目录：缺少 manifest.json"),
    ],
)
def test_a_spoilt_backup_is_refused_before_anything_is_written(
    tmp_path, stored, settings, spoil, message
):
    backup.create(tmp_path / "backup")
    assert backup.verify(tmp_path / "backup")["signature"]
    spoil(tmp_path / "backup", stored)
    empty = tmp_path / "restored-media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(empty)},
        },
    }
    with pytest.raises(backup.BackupError, match=message):
        backup.restore(tmp_path / "backup")
    assert not empty.exists()


@pytest.mark.django_db(transaction=True)
def test_a_restore_needs_the_keys_of_the_backup(tmp_path, stored, settings):
    backup.create(tmp_path / "backup")
    field_key = settings.FIELD_ENCRYPTION_KEY
    settings.FIELD_ENCRYPTION_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
    with pytest.raises(backup.BackupError, match="CHANGHU_FIELD_KEY（字段加密密钥）与备份时"):
        backup.verify(tmp_path / "backup")
    settings.FIELD_ENCRYPTION_KEY = field_key
    settings.BLIND_INDEX_KEY = "another-blind-index-key"
    with pytest.raises(backup.BackupError, match="CHANGHU_INDEX_KEY（索引密钥）与备份时"):
        backup.verify(tmp_path / "backup")


@pytest.mark.django_db(transaction=True)
def test_a_restore_refuses_a_database_that_is_not_empty(tmp_path, stored, people):
    backup.create(tmp_path / "backup")
    before = Person.objects.count()
    with pytest.raises(backup.BackupError, match=r"目标数据库不是空的.*请新建一个空数据库"):
        backup.restore(tmp_path / "backup")
    assert Person.objects.count() == before


# --- the whole drill, in separate processes, on a fresh database ------------------------------

PROBE = r"""
import hashlib, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changhu.settings")
import django
django.setup()
from django.db import connection
from changhu.core import backup, crypto

if sys.argv[1] == "relations":
    print(json.dumps({"relations": backup.database_relations()}))
    raise SystemExit
from changhu.assessment import files
from changhu.assessment.models import Conclusion
from changhu.insured.models import Person
from changhu.orgs.models import Region

persons = {
    p.pk: [crypto.decrypt(p.id_number_enc), crypto.decrypt(p.phone_enc),
           crypto.decrypt(p.address_enc), p.id_number_index]
    for p in Person.objects.order_by("pk")[:25]
}
letters = {
    c.pk: hashlib.sha256(files.read(c.letter.name, sha256=c.letter_sha256)).hexdigest()
    for c in Conclusion.objects.exclude(letter="").order_by("pk")[:10]
}
state = {"counts": backup._current_counts(), "persons": persons, "letters": letters}
if sys.argv[1] == "write":
    # The sequences came back with the rows: a new row takes a fresh key.
    Region.objects.create(code="999999", name="恢复后新增", level="district")
print(json.dumps(state, ensure_ascii=False))
"""


def _new_database(kind: str, home: Path, name: str, created: list[str]) -> str:
    if kind == "sqlite":
        return f"sqlite:///{home / (name + '.sqlite3')}"
    import psycopg

    params = _pg_admin()
    database = f"changhu_backup_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    created.append(database)
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{database}"


def _pg_admin() -> dict:
    s = connection.settings_dict
    return {
        "host": s["HOST"] or None,
        "port": s["PORT"] or None,
        "user": s["USER"] or None,
        "password": s["PASSWORD"] or None,
        "dbname": "postgres",
    }


def _run(env, *args, expect=0) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == expect, (args[:3], done.returncode, done.stdout, done.stderr[-3000:])
    return done


def _probe(env, mode="read") -> dict:
    return json.loads(_run(env, "-c", PROBE, mode).stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_backup_then_restore_into_a_fresh_database(tmp_path):
    kind = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    created: list[str] = []
    base = {k: v for k, v in os.environ.items() if k not in ("CHANGHU_TEST_TODAY",)}
    base.update(
        {
            "CHANGHU_PROFILE": "test",
            "CHANGHU_HOME": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "changhu.settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [SRC, os.environ.get("PYTHONPATH")])),
        }
    )

    def env_for(name: str) -> dict:
        return {
            **base,
            "DATABASE_URL": _new_database(kind, tmp_path, name, created),
            "CHANGHU_MEDIA_ROOT": str(tmp_path / f"{name}-media"),
        }

    try:
        source = env_for("source")
        for command in (
            ["migrate", "--noinput"],
            ["load-presets"],
            ["seed-demo", "--persons", "40"],
        ):
            _run(source, "-m", "changhu", *command)
        made = _run(source, "-m", "changhu", "backup", str(tmp_path / "backup"))
        assert "备份完成" in made.stdout and "备份中不含密钥" in made.stdout
        manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text("utf-8"))
        assert manifest["database"]["engine"] == kind
        everything = backup_bytes(tmp_path / "backup")
        for name, key in backup.key_material().items():
            assert key not in everything, name
        original = _probe(source)
        assert original["counts"] == manifest["database"]["tables"]
        assert len(original["persons"]) == 25 and len(original["letters"]) >= 3

        target = env_for("target")
        assert _probe(target, "relations")["relations"] == 0
        restored = _run(target, "-m", "changhu", "restore", str(tmp_path / "backup"))
        assert "与备份清单逐表核对一致" in restored.stdout
        assert "加密字段抽样解密" in restored.stdout
        assert "评估材料与结论书（解密并核对SHA-256）：抽样" in restored.stdout
        # Checked from outside: the same rows, the same clear values under the same keys, the
        # same letters, and the database takes new rows.
        after = _probe(target, "write")
        assert after == original

        again = _run(target, "-m", "changhu", "restore", str(tmp_path / "backup"), expect=1)
        assert "目标数据库不是空的" in again.stderr

        # A spoilt copy is refused before anything is written.
        spoilt = tmp_path / "spoilt"
        shutil.copytree(tmp_path / "backup", spoilt)
        letter = next(e["path"] for e in manifest["files"] if e["path"].endswith(".pdf.sealed"))
        (spoilt / letter).write_bytes(b"CHDOC1" + os.urandom(64))
        fresh = env_for("fresh")
        refused = _run(fresh, "-m", "changhu", "restore", str(spoilt), expect=1)
        assert f"文件 {letter} 的校验值不符" in refused.stderr
        assert _probe(fresh, "relations")["relations"] == 0
        assert not (tmp_path / "fresh-media").exists()
    finally:
        if created:
            import psycopg

            with psycopg.connect(**_pg_admin(), autocommit=True) as admin:
                for database in created:
                    admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
