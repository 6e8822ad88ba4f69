"""PDF rendering: Chinese text with an embedded CJK font, page numbers, no network access."""

from __future__ import annotations

import base64
import io
import logging
import os
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from PIL import Image
from pypdf import PdfReader

from changhu.core import pdf
from changhu.core.pdf import LocalOnlyFetcher, cjk_font_missing, render_pdf

NOTICE = """{% extends "core/pdf_base.html" %}
{% block issuer %}成都市医疗保障局{% endblock %}
{% block content %}
<p>{{ name }}：</p>
<p>您提交的长期护理保险失能评估申请已完成评估，评定结论为{{ grade }}。</p>
<table class="grid"><thead><tr><th>项目</th><th>得分</th></tr></thead>
<tbody>{% for item, points in rows %}<tr><td>{{ item }}</td><td class="num">{{ points }}</td></tr>
{% endfor %}</tbody></table>
<div class="page-break"></div>
<h2>异议申请须知</h2>
<p>如对结论有异议，可在收到本通知之日起15个工作日内提出复评申请。</p>
{% endblock %}"""

IMAGES = """{% extends "core/pdf_base.html" %}{% load static %}
{% block content %}
<img src="{% static 'seal.png' %}">
<img src="{{ data_url }}">
<img src="https://example.com/tracker.png">
<img src="file:///etc/hostname">
<img src="/static/../settings.py">
{% endblock %}"""


def _templates():
    return [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {"test/notice.html": NOTICE, "test/images.html": IMAGES},
                    ),
                    "django.template.loaders.app_directories.Loader",
                ]
            },
        }
    ]


def png_bytes(color) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), color).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def templates(tmp_path):
    (tmp_path / "seal.png").write_bytes(png_bytes("red"))
    with override_settings(TEMPLATES=_templates(), STATICFILES_DIRS=[tmp_path]):
        yield


def embedded_fonts(reader: PdfReader) -> dict[str, set[str]]:
    """Base font name -> the embedded font-file keys of its descriptor."""
    found: dict[str, set[str]] = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is None:
                    continue
                keys = {k for k in descriptor.get_object() if k.startswith("/FontFile")}
                found.setdefault(str(font["/BaseFont"]), set()).update(keys)
    return found


def test_chinese_notice_renders_with_embedded_cjk_fonts(templates):
    content = render_pdf(
        "test/notice.html",
        {
            "title": "长期护理保险失能等级评估结论通知书",
            "name": "张建国",
            "grade": "重度失能Ⅱ级",
            "rows": [("日常生活活动能力", 35), ("认知能力", 8)],
        },
    )
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    fonts = embedded_fonts(reader)
    cjk = {name: keys for name, keys in fonts.items() if "CJK-SC" in name}
    assert any("Serif" in name for name in cjk) and any("Sans" in name for name in cjk)
    assert all(keys for keys in cjk.values()), f"CJK fonts not embedded: {fonts}"
    first = reader.pages[0].extract_text()
    for words in (
        "长期护理保险失能等级评估结论通知书",
        "张建国",
        "重度失能Ⅱ级",
        "日常生活活动能力",
    ):
        assert words in first
    assert "成都市医疗保障局" in first and "第 1 页，共 2 页" in first and "打印时间：" in first
    second = reader.pages[1].extract_text()
    assert "异议申请须知" in second and "15个工作日内" in second and "第 2 页，共 2 页" in second
    assert reader.metadata.title == "长期护理保险失能等级评估结论通知书"


def test_only_static_files_and_data_urls_are_fetched(templates, caplog):
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes("blue")).decode()
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        content = render_pdf("test/images.html", {"title": "图片", "data_url": data_url})
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages[0].images) == 2  # the static seal and the data: URL
    refused = caplog.text
    assert "example.com" in refused and "/etc/hostname" in refused


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a.png",
        "http://127.0.0.1:8000/static/seal.png",
        "file:///etc/passwd",
        "ftp://example.com/a",
        "https://changhu.invalid/media/secret.pdf",
        "https://changhu.invalid/static/../settings.py",
        "https://changhu.invalid/static/missing.png",
    ],
)
def test_fetcher_refuses_everything_else(templates, url):
    with pytest.raises(ValueError):
        LocalOnlyFetcher().fetch(url)


def test_fetcher_serves_static_files(templates):
    response = LocalOnlyFetcher().fetch("https://changhu.invalid/static/seal.png?v=1")
    assert response.read() == png_bytes("red") and response.content_type == "image/png"


def test_missing_cjk_font_is_an_error_not_empty_boxes(monkeypatch, templates):
    assert cjk_font_missing() == ()  # the machine has fonts-noto-cjk
    monkeypatch.setattr(pdf, "cjk_font_missing", lambda: ("Noto Sans CJK SC",))
    with pytest.raises(ImproperlyConfigured, match="fonts-noto-cjk"):
        render_pdf("test/notice.html", {"title": "x", "rows": []})


def _resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_layout_runs_in_a_child_so_the_caller_keeps_its_memory(templates):
    # In-process, the first document of this size took the process up by 100 MB or more and
    # the allocator kept it (a web worker stayed near 500 MB after letters and statements).
    rows = [(f"项目{i}：日常生活活动能力评估明细", i) for i in range(400)]
    context = {"title": "结算单", "name": "张建国", "grade": "重度失能Ⅱ级", "rows": rows}
    render_pdf("test/notice.html", context)  # imports, template caches: not what is measured
    before = _resident_mb()
    for _ in range(3):
        content = render_pdf("test/notice.html", context)
        assert len(PdfReader(io.BytesIO(content)).pages) > 5
    assert _resident_mb() - before < 30
    # The child did the work: it, not this process, reached the memory layout needs.
    assert pdf.last_render.peak_rss_kb / 1024 > _resident_mb() * 0.5


def test_the_layout_happens_in_another_process(monkeypatch, templates):
    monkeypatch.setattr(pdf, "_write_pdf", lambda html: str(os.getpid()).encode())
    assert render_pdf("test/notice.html", {"title": "x", "rows": []}) != str(os.getpid()).encode()


def test_a_failed_layout_is_an_error_with_the_childs_traceback(monkeypatch, templates):
    def broken(html):
        raise ValueError("no such font")

    monkeypatch.setattr(pdf, "_write_pdf", broken)
    with pytest.raises(pdf.PdfRenderError, match="ValueError: no such font"):
        render_pdf("test/notice.html", {"title": "x", "rows": []})


def test_a_renderer_that_dies_is_an_error(monkeypatch, templates):
    monkeypatch.setattr(pdf, "_write_pdf", lambda html: os._exit(3))
    with pytest.raises(pdf.PdfRenderError, match="without a result"):
        render_pdf("test/notice.html", {"title": "x", "rows": []})


def test_a_renderer_that_hangs_is_killed_at_the_time_limit(monkeypatch, templates, settings):
    settings.PDF_RENDER_SECONDS = 1
    monkeypatch.setattr(pdf, "_write_pdf", lambda html: time.sleep(60))
    started = time.monotonic()
    with pytest.raises(pdf.PdfRenderError, match="longer than 1s"):
        render_pdf("test/notice.html", {"title": "x", "rows": []})
    assert time.monotonic() - started < 10
    # The slot is free again, and the next document renders.
    monkeypatch.setattr(pdf, "_write_pdf", lambda html: b"%PDF-1.7 ok")
    assert render_pdf("test/notice.html", {"title": "x", "rows": []}) == b"%PDF-1.7 ok"
