"""Upload checks: the type comes from the content, damaged and oversize files are refused."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import Image, ImageFile

from changhu.core.errors import ValidationFailed
from changhu.core.uploads import CheckedUpload, check_image, check_upload

PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)


def image_bytes(fmt: str, size=(160, 120)) -> bytes:
    # Noise, so the compressed data is long enough that cutting it loses real blocks.
    image = Image.effect_noise(size, 60).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


JPEG = image_bytes("JPEG")
PNG = image_bytes("PNG")


def upload(content: bytes, name="file.bin", content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def refused(content: bytes, **kwargs) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        check_upload(upload(content), **kwargs)
    return caught.value


@pytest.mark.parametrize(
    ("content", "kind", "content_type", "extension"),
    [
        (PDF, "pdf", "application/pdf", "pdf"),
        (JPEG, "jpeg", "image/jpeg", "jpg"),
        (PNG, "png", "image/png", "png"),
    ],
)
def test_accepted_files_are_described(content, kind, content_type, extension):
    file = upload(content, name="材料.dat")
    checked = check_upload(file)
    assert checked == CheckedUpload(
        kind=kind,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        extension=extension,
    )
    assert file.tell() == 0  # ready to be saved


def test_type_comes_from_content_not_name_or_client_type():
    disguised = upload(PNG, name="scan.pdf", content_type="application/pdf")
    assert check_upload(disguised).content_type == "image/png"
    fake = upload(
        b"just some text, honestly a PDF", name="scan.pdf", content_type="application/pdf"
    )
    with pytest.raises(ValidationFailed) as caught:
        check_upload(fake)
    assert caught.value.code == "upload_type_refused"
    assert caught.value.message == "仅支持PDF、JPEG、PNG格式的文件，该文件内容不是PDF、JPEG或PNG"


@pytest.mark.parametrize(
    ("head", "named"),
    [
        (b"PK\x03\x04" + b"\x00" * 40, "识别为压缩包或Office文档"),
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40, "识别为HEIC照片"),
        (b"GIF89a" + b"\x00" * 40, "识别为GIF图片"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "识别为旧版Office文档"),
    ],
)
def test_refused_formats_are_named(head, named):
    error = refused(head)
    assert error.code == "upload_type_refused" and named in error.message


def test_check_image_refuses_a_pdf():
    with pytest.raises(ValidationFailed) as caught:
        check_image(upload(PDF), field="photo")
    assert caught.value.code == "upload_type_refused"
    assert caught.value.message == "仅支持JPEG、PNG格式的文件，该文件内容不是JPEG或PNG（识别为PDF）"
    assert caught.value.fields == {"photo": caught.value.message}
    assert check_image(upload(JPEG)).kind == "jpeg"


def test_allowed_can_be_narrowed():
    error = refused(JPEG, allowed=frozenset({"pdf"}))
    assert error.message == "仅支持PDF格式的文件，该文件内容不是PDF（识别为JPEG）"
    with pytest.raises(ValueError):
        check_upload(upload(PDF), allowed=frozenset({"pdf", "docx"}))


def test_empty_file():
    error = refused(b"", field="attachment")
    assert error.code == "upload_empty"
    assert error.fields == {"attachment": "文件为空（0字节），请重新选择文件"}


def test_too_large_by_declared_size_and_by_content():
    error = refused(b"%PDF-" + b" " * (11 * 1024 * 1024))
    assert error.code == "upload_too_large" and error.message == "文件大小超过10MB上限"
    assert refused(PDF * 40000, max_bytes=int(1.5 * 1024 * 1024)).message == "文件大小超过1.5MB上限"
    assert refused(PDF, max_bytes=100).message == "文件大小超过0.1KB上限"
    # A file-like object that does not say its size is still stopped while reading.
    stream = io.BytesIO(JPEG)
    with pytest.raises(ValidationFailed) as caught:
        check_upload(stream, max_bytes=len(JPEG) - 1)
    assert caught.value.code == "upload_too_large"
    assert check_upload(io.BytesIO(JPEG), max_bytes=len(JPEG)).size == len(JPEG)


@pytest.mark.parametrize(
    ("content", "label"),
    [
        (JPEG[: len(JPEG) // 2], "JPEG"),
        (PNG[: len(PNG) // 2], "PNG"),
        (PNG[:200] + bytes([PNG[200] ^ 0xFF]) + PNG[201:], "PNG"),  # a flipped byte
        (PDF.replace(b"%%EOF", b""), "PDF"),
        (PDF[:40], "PDF"),
        (b"\xff\xd8\xff" + b"\x00" * 100, "JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "PNG"),
    ],
)
def test_damaged_files_are_refused(content, label):
    error = refused(content)
    assert error.code == "upload_corrupt"
    assert error.message == f"文件已损坏或不完整，无法作为{label}打开，请重新上传"


def test_truncation_is_caught_even_when_pillow_is_told_to_allow_it(monkeypatch):
    # WeasyPrint sets this for the whole process when it is imported.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    for content in (JPEG[: len(JPEG) // 2], JPEG[:-2], PNG[: len(PNG) // 2], PNG[:-12]):
        assert refused(content).code == "upload_corrupt"
    assert check_upload(upload(JPEG)).kind == "jpeg"
    assert check_upload(upload(PNG)).kind == "png"


def test_trailing_data_after_a_jpeg_is_accepted():
    # Phones append data after the image (motion photos); the image itself is whole.
    assert check_image(upload(JPEG + b"\x00" * 5000 + b"ftypmp42")).kind == "jpeg"


def test_image_too_many_pixels_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert refused(PNG).code == "upload_corrupt"
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 160 * 120 - 1)  # a warning, not an error
    assert refused(JPEG).code == "upload_corrupt"


def test_temporary_uploaded_file_on_disk():
    file = TemporaryUploadedFile("photo.png", "image/png", len(PNG), None)
    try:
        file.write(PNG)
        file.seek(0)
        checked = check_image(file)
        assert (checked.kind, checked.size) == ("png", len(PNG))
        assert file.read() == PNG
    finally:
        file.close()
