"""Printable documents (notices, forms) as PDF, rendered from Django templates by WeasyPrint.

Templates extend ``core/pdf_base.html`` (A4, Chinese fonts, header and page numbers). The CJK
fonts come from the system (Debian ``fonts-noto-cjk``) by family name; WeasyPrint embeds the
subset of glyphs used, so the PDF shows the same on any reader. Nothing is fetched from the
network: only our static files and ``data:`` URLs can be used in a template.
"""

from __future__ import annotations

import mimetypes
import shutil
import subprocess
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
    document = HTML(string=html, base_url=_BASE_URL, url_fetcher=LocalOnlyFetcher())
    return document.write_pdf()
