"""Checking an uploaded file before it is stored: size, true type by content, integrity.

The type is read from the first bytes of the content (magic numbers), never from the file name
or the content type the client sent, both of which the client chooses. Images must decode with
Pillow; a PDF must end with ``%%EOF`` (a truncated upload does not).
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from changhu.core.errors import field_error

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_KINDS = frozenset({"pdf", "jpeg", "png"})
IMAGE_KINDS = frozenset({"jpeg", "png"})

_CHUNK = 64 * 1024
_TAIL = 1024  # a PDF's %%EOF must lie within its last KiB


@dataclass(frozen=True)
class _Kind:
    label: str
    magic: bytes
    content_type: str
    extension: str


_KINDS = {
    "pdf": _Kind("PDF", b"%PDF-", "application/pdf", "pdf"),
    "jpeg": _Kind("JPEG", b"\xff\xd8\xff", "image/jpeg", "jpg"),
    "png": _Kind("PNG", b"\x89PNG\r\n\x1a\n", "image/png", "png"),
}
_ORDER = ("pdf", "jpeg", "png")

# Formats we refuse but can name, so the person knows what they tried to send.
_KNOWN_OTHERS = (
    (0, b"GIF8", "GIF图片"),
    (0, b"BM", "BMP图片"),
    (0, b"II*\x00", "TIFF图片"),
    (0, b"MM\x00*", "TIFF图片"),
    (8, b"WEBP", "WebP图片"),
    (4, b"ftypheic", "HEIC照片"),
    (4, b"ftypheix", "HEIC照片"),
    (4, b"ftypmif1", "HEIF照片"),
    (4, b"ftypavif", "AVIF图片"),
    (4, b"ftyp", "视频"),
    (0, b"PK\x03\x04", "压缩包或Office文档"),
    (0, b"\xd0\xcf\x11\xe0", "旧版Office文档"),
    (0, b"Rar!", "RAR压缩包"),
    (0, b"MZ", "可执行程序"),
)


@dataclass(frozen=True)
class CheckedUpload:
    kind: str  # "pdf", "jpeg" or "png"
    content_type: str  # the type of the content, not what the client said
    size: int
    sha256: str
    extension: str  # without the dot: "pdf", "jpg", "png"


def _limit(n: int) -> str:
    """``10485760`` -> ``10MB``, ``1572864`` -> ``1.5MB``; below a megabyte in KB."""
    if n < 1024 * 1024:
        return f"{n / 1024:.1f}".removesuffix(".0") + "KB"
    return f"{n / (1024 * 1024):.1f}".removesuffix(".0") + "MB"


def _joined(labels: list[str], last: str) -> str:
    return labels[0] if len(labels) == 1 else "、".join(labels[:-1]) + last + labels[-1]


def _detect(head: bytes) -> str | None:
    return next((k for k in _ORDER if head.startswith(_KINDS[k].magic)), None)


def _describe(head: bytes, kind: str | None) -> str:
    if kind is not None:
        return _KINDS[kind].label
    return next((name for at, magic, name in _KNOWN_OTHERS if head[at:].startswith(magic)), "")


def _scan(upload, max_bytes: int, field: str) -> tuple[int, str, bytes, bytes]:
    """Size, SHA-256, first and last bytes, in one pass; stops once ``max_bytes`` is passed."""
    upload.seek(0)
    digest, size, head, tail = hashlib.sha256(), 0, b"", b""
    while chunk := upload.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(field, max_bytes)
        digest.update(chunk)
        if len(head) < 16:
            head = (head + chunk)[:16]
        tail = (tail + chunk)[-_TAIL:]
    return size, digest.hexdigest(), head, tail


def _too_large(field: str, max_bytes: int):
    return field_error(field, "upload_too_large", f"文件大小超过{_limit(max_bytes)}上限")


def _corrupt(field: str, kind: str):
    message = f"文件已损坏或不完整，无法作为{_KINDS[kind].label}打开，请重新上传"
    return field_error(field, "upload_corrupt", message)


class _Watched:
    """The upload as Pillow reads it, noting whether a read came back empty at the end.

    Pillow stops quietly at a truncated image when ``ImageFile.LOAD_TRUNCATED_IMAGES`` is set,
    and WeasyPrint sets it for the whole process; an empty read mid-decode is how we notice.
    """

    def __init__(self, raw) -> None:
        self._raw = raw
        self.ran_out = False

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if size != 0 and not data:
            self.ran_out = True
        return data

    def readline(self, size: int = -1) -> bytes:
        return self._raw.readline(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()


def _image_decodes(upload, kind: str) -> bool:
    """Pillow can parse the whole image; JPEGs are decoded at reduced scale to stay fast."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            source = _Watched(upload)
            with Image.open(source) as image:
                if image.format != kind.upper():
                    return False
                image.verify()  # checks PNG chunk checksums; does not decode pixels
            if kind == "jpeg":
                # verify() reads little of a JPEG; decoding at 1/8 scale reads every block.
                upload.seek(0)
                with Image.open(source) as image:
                    image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
                    image.load()
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        return False
    except Image.DecompressionBombWarning:
        return False
    return not source.ran_out


def check_upload(
    upload,
    *,
    allowed: frozenset[str] = DOCUMENT_KINDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    field: str = "file",
) -> CheckedUpload:
    """Check an uploaded file and describe it; raise ``ValidationFailed`` if it is refused.

    ``upload`` is a Django ``UploadedFile`` or any file-like object with ``read``/``seek`` (and
    ``size``, ``name`` if it has them). It is left positioned at the start, ready to be saved.
    """
    unknown = set(allowed) - set(_KINDS)
    if unknown:
        raise ValueError(f"unsupported upload kinds: {sorted(unknown)}")
    declared = getattr(upload, "size", None)
    if declared is not None and declared > max_bytes:
        raise _too_large(field, max_bytes)
    size, sha256, head, tail = _scan(upload, max_bytes, field)
    upload.seek(0)
    if size == 0:
        raise field_error(field, "upload_empty", "文件为空（0字节），请重新选择文件")
    kind = _detect(head)
    if kind not in allowed:
        labels = [_KINDS[k].label for k in _ORDER if k in allowed]
        message = f"仅支持{'、'.join(labels)}格式的文件，该文件内容不是{_joined(labels, '或')}"
        found = _describe(head, kind)
        raise field_error(
            field, "upload_type_refused", message + (f"（识别为{found}）" if found else "")
        )
    intact = b"%%EOF" in tail if kind == "pdf" else _image_decodes(upload, kind)
    upload.seek(0)
    if not intact:
        raise _corrupt(field, kind)
    spec = _KINDS[kind]
    return CheckedUpload(
        kind=kind,
        content_type=spec.content_type,
        size=size,
        sha256=sha256,
        extension=spec.extension,
    )


def check_image(
    upload, *, max_bytes: int = DEFAULT_MAX_BYTES, field: str = "file"
) -> CheckedUpload:
    """:func:`check_upload` allowing only JPEG and PNG (photos)."""
    return check_upload(upload, allowed=IMAGE_KINDS, max_bytes=max_bytes, field=field)


def store_once(row, upload, checked: CheckedUpload, *, actor, note: str):
    """Save ``row``, a new row of a file stored once per content (its ``sha256`` unique), with
    the checked upload as its file, audited with ``note``: ``(row, True)``. When a concurrent
    upload of the same content was saved first, that row and False (the file is not kept)."""
    from django.core.files.base import ContentFile
    from django.db import IntegrityError, transaction

    from changhu.core import audit

    upload.seek(0)
    row.file.save(f"{checked.sha256}.{checked.extension}", ContentFile(upload.read()), save=False)
    try:
        with transaction.atomic():
            row.save()
            audit.record(action="create", obj=row, user=actor, note=note)
    except IntegrityError:
        row.file.delete(save=False)
        return type(row).objects.get(sha256=checked.sha256), False
    return row, True
