"""Encryption at rest (AES-256-GCM) and keyed hashes (blind indexes) for personal data.

A stored value is ``v1:<base64(nonce + ciphertext)>``; the version prefix lets keys rotate.
A blind index is HMAC-SHA256 of the normalised value under a separate key, so an exact
look-up works without decrypting anything and without exposing the value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_PREFIX = "v1:"


@lru_cache(maxsize=4)
def _aead(key_b64: str) -> AESGCM:
    if not key_b64:
        raise ImproperlyConfigured("CHANGHU_FIELD_KEY must be set in the production profile")
    key = base64.b64decode(key_b64)
    if len(key) != 32:
        raise ValueError("CHANGHU_FIELD_KEY must be base64 of exactly 32 bytes")
    return AESGCM(key)


def encrypt(plaintext: str) -> str:
    if plaintext == "":
        return ""
    nonce = os.urandom(12)
    sealed = _aead(settings.FIELD_ENCRYPTION_KEY).encrypt(nonce, plaintext.encode(), None)
    return _PREFIX + base64.b64encode(nonce + sealed).decode("ascii")


def decrypt(stored: str) -> str:
    if not stored:
        return ""
    if not stored.startswith(_PREFIX):
        raise ValueError("unknown ciphertext version")
    raw = base64.b64decode(stored[len(_PREFIX) :])
    return _aead(settings.FIELD_ENCRYPTION_KEY).decrypt(raw[:12], raw[12:], None).decode()


def seal(data: bytes, *, magic: bytes, context: bytes) -> bytes:
    """Bytes encrypted under the field key, for a file at rest: ``magic + nonce + ciphertext``;
    ``context`` is bound as associated data, so a file sealed for one use does not open for
    another."""
    nonce = os.urandom(12)
    return magic + nonce + _aead(settings.FIELD_ENCRYPTION_KEY).encrypt(nonce, data, context)


def unseal(sealed: bytes, *, magic: bytes, context: bytes) -> bytes:
    """The bytes :func:`seal` sealed; ``ValueError`` or ``InvalidTag`` if they are not that."""
    if not sealed.startswith(magic):
        raise ValueError("not a sealed file")
    body = sealed[len(magic) :]
    return _aead(settings.FIELD_ENCRYPTION_KEY).decrypt(body[:12], body[12:], context)


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash of a normalised value; ``purpose`` keeps indexes of different fields apart."""
    if not value:
        return ""
    if not settings.BLIND_INDEX_KEY:
        raise ImproperlyConfigured("CHANGHU_INDEX_KEY must be set in the production profile")
    key = settings.BLIND_INDEX_KEY.encode()
    message = f"{purpose}:{value.strip().upper()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
