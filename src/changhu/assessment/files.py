"""Private storage of case documents and conclusion letters: encrypted at rest, never public.

Files go to the default storage under ``private/assessment/<case id>/`` with a random name,
sealed with AES-256-GCM under the field key (ID scans and letters hold personal data in clear).
Nothing under ``private/`` is served by a URL; downloads go through scoped, audited views.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from changhu.core.errors import NotFound

_MAGIC = b"CHDOC1"
_CONTEXT = b"changhu.assessment.file"


def _aead() -> AESGCM:
    return AESGCM(base64.b64decode(settings.FIELD_ENCRYPTION_KEY))


def store(application_id: int, extension: str, data: bytes) -> str:
    """Seal and save ``data``; the storage name to keep on the row."""
    nonce = os.urandom(12)
    sealed = _MAGIC + nonce + _aead().encrypt(nonce, data, _CONTEXT)
    name = f"private/assessment/{application_id}/{uuid.uuid4().hex}.{extension}.sealed"
    return default_storage.save(name, ContentFile(sealed))


def read(name: str, *, sha256: str = "") -> bytes:
    """The clear bytes of a stored file, checked against the recorded digest."""
    try:
        with default_storage.open(name, "rb") as handle:
            sealed = handle.read()
        if not sealed.startswith(_MAGIC):
            raise ValueError("not a sealed file")
        body = sealed[len(_MAGIC) :]
        data = _aead().decrypt(body[:12], body[12:], _CONTEXT)
    except (OSError, ValueError, InvalidTag):
        raise NotFound("文件已丢失或损坏，请联系管理员", code="file_unavailable") from None
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        raise NotFound("文件内容与登记的校验值不一致，请联系管理员", code="file_unavailable")
    return data


def delete(name: str) -> None:
    if name:
        default_storage.delete(name)
