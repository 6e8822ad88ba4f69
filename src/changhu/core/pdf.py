"""Printable documents (notices, forms) as PDF, rendered from Django templates by WeasyPrint.

Templates extend ``core/pdf_base.html`` (A4, Chinese fonts, header and page numbers). The CJK
fonts come from the system (Debian ``fonts-noto-cjk``) by family name; WeasyPrint embeds the
subset of glyphs used, so the PDF shows the same on any reader. Nothing is fetched from the
network: only our static files and ``data:`` URLs can be used in a template.

Memory: laying out one document takes a process from about 110 MB to 200-400 MB (fontTools
parses the CJK fonts to subset them, Pango and HarfBuzz fill their caches) and the allocator
keeps most of it, so a web worker that rendered letters and statements in-process stayed near
500 MB. The template is rendered here, in the calling process; the layout runs in a child
forked for that one document, which sends the PDF back through a pipe and exits, taking its
memory with it. The child does nothing but lay out HTML (no database, no network: the fetcher
reads static files only) and leaves by ``os._exit``, so none of the parent's clean-up runs in
it. At most ``PDF_RENDERS_AT_ONCE`` children per process run at a time, each within
``PDF_RENDER_SECONDS``.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import pickle
import select
import shutil
import signal
import subprocess
import threading
import time
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils._os import safe_join
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

CJK_FONT_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC")

# Relative URLs in a template resolve against this; ".invalid" never resolves (RFC 2606).
_BASE_URL = "https://changhu.invalid/"


def _static_prefixes() -> tuple[str, ...]:
    return (urljoin(_BASE_URL, settings.STATIC_URL),)


def _static_path(relative: str) -> Path | None:
    """A file under our static files, found the way ``collectstatic`` finds it."""
    relative = unquote(relative)
    if not relative or relative.startswith("/") or ".." in Path(relative).parts:
        return None
    try:
        found = finders.find(relative)
        if found:
            return Path(found)
        if settings.STATIC_ROOT:
            candidate = Path(safe_join(str(settings.STATIC_ROOT), relative))
            return candidate if candidate.is_file() else None
    except SuspiciousFileOperation:
        return None
    return None


class LocalOnlyFetcher(URLFetcher):
    """Serves ``data:`` URLs and our static files; refuses everything else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        plain = urlsplit(url)._replace(query="", fragment="").geturl()
        for prefix in _static_prefixes():
            if plain.startswith(prefix):
                path = _static_path(plain[len(prefix) :])
                if path is None:
                    raise ValueError(f"no static file for {url}")
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, body=path.read_bytes(), headers={"Content-Type": content_type}
                )
        raise ValueError(f"refused to fetch {url}: PDF documents use local files only")


@lru_cache(maxsize=1)
def cjk_font_missing() -> tuple[str, ...]:
    """The CJK font families fontconfig cannot find (empty if ``fc-list`` is not there)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ()
    missing = []
    for family in CJK_FONT_FAMILIES:
        found = subprocess.run(
            [fc_list, family, "family"], capture_output=True, text=True, check=False, timeout=30
        )
        if not found.stdout.strip():
            missing.append(family)
    return tuple(missing)


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a template (extending ``core/pdf_base.html``) to the bytes of a PDF file.

    The template gets ``printed_at`` (the local time now) unless the context gives it.
    """
    missing = cjk_font_missing()
    if missing:
        raise ImproperlyConfigured(
            f"fonts {', '.join(missing)} are not installed (Debian package fonts-noto-cjk); "
            "Chinese text would print as empty boxes"
        )
    html = render_to_string(template_name, {"printed_at": timezone.localtime(), **context})
    return _render_in_child(html)


class PdfRenderError(RuntimeError):
    """The child laying out a document failed, was killed or ran out of time."""


@dataclass(frozen=True)
class RenderStats:
    seconds: float
    peak_rss_kb: int  # the child's maximum resident set size


logger = logging.getLogger(__name__)
_slots_lock = threading.Lock()
_slots: tuple[int, threading.BoundedSemaphore] | None = None
last_render: RenderStats | None = None  # of this process's latest render (benchmarks, tests)
_SIGNALS_TO_RESET = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH")


def _render_slots() -> threading.BoundedSemaphore:
    """This process's render slots (a forked web worker makes its own on first use)."""
    global _slots
    with _slots_lock:
        if _slots is None or _slots[0] != os.getpid():
            _slots = (os.getpid(), threading.BoundedSemaphore(settings.PDF_RENDERS_AT_ONCE))
        return _slots[1]


def _write_pdf(html: str) -> bytes:
    """The layout itself (runs in the child)."""
    document = HTML(string=html, base_url=_BASE_URL, url_fetcher=LocalOnlyFetcher())
    return document.write_pdf()


class _Collector(logging.Handler):
    """Keeps WeasyPrint's warnings in the child, to be logged again by the parent."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def _child(html: str, write_fd: int) -> None:
    """In the forked child: lay out, send ``(pdf, None, logs)`` or ``(None, error, logs)``."""
    status = 0
    collector = _Collector()
    try:
        for name in _SIGNALS_TO_RESET:  # the web server's handlers must not run here
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        weasy = logging.getLogger("weasyprint")
        weasy.handlers, weasy.propagate = [collector], False
        result = (_write_pdf(html), None, collector.records)
    except BaseException:
        result, status = (None, traceback.format_exc(limit=20), collector.records), 1
    try:
        with os.fdopen(write_fd, "wb") as out:
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        os._exit(status)


def _read_until_eof(fd: int, deadline: float) -> bytes:
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise PdfRenderError(f"PDF layout took longer than {settings.PDF_RENDER_SECONDS}s")
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _render_in_child(html: str) -> bytes:
    """The PDF of ``html``, laid out in a child process forked for it."""
    global last_render
    slots = _render_slots()
    if not slots.acquire(timeout=settings.PDF_RENDER_SECONDS):
        raise PdfRenderError("no PDF render slot became free in time")
    started = time.monotonic()
    try:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child leaves by os._exit
            os.close(read_fd)
            _child(html, write_fd)
        os.close(write_fd)
        status = usage = None
        try:
            data = _read_until_eof(read_fd, started + settings.PDF_RENDER_SECONDS)
        except BaseException:
            os.kill(pid, signal.SIGKILL)
            raise
        finally:
            os.close(read_fd)
            _, status, usage = os.wait4(pid, 0)
    finally:
        slots.release()
    last_render = RenderStats(time.monotonic() - started, usage.ru_maxrss)
    if not data:
        raise PdfRenderError(f"the PDF renderer ended without a result (wait status {status})")
    pdf, error, records = pickle.loads(data)  # our own child's message
    for name, level, message in records:
        logging.getLogger(name).log(level, "%s", message)
    if error is not None:
        raise PdfRenderError(f"PDF layout failed in the renderer:\n{error}")
    logger.debug(
        "PDF laid out in %.2fs, renderer peak %d MB",
        last_render.seconds,
        last_render.peak_rss_kb // 1024,
    )
    return pdf
