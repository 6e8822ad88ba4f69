"""The checksum of a definition (pure Python: the scoring engine uses it without Django).

SHA-256 over one canonical spelling (sorted keys, no spaces, UTF-8), so key order and
formatting of a file do not matter. ``changhu.core.versions`` stores versions under it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def canonical_json(definition: Mapping[str, Any]) -> str:
    """The one spelling of a definition that its checksum is taken over."""
    return json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def checksum(definition: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(definition).encode("utf-8")).hexdigest()
