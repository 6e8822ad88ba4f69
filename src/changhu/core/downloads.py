"""File downloads: one response shape for every file the product hands out.

Names may be Chinese (RFC 6266 ``filename*`` with an ASCII fallback); files are never cached
(many carry personal data) and never content-sniffed by the browser.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_response(
    content: bytes, name: str, media_type: str, *, inline: bool = False
) -> HttpResponse:
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = content_disposition_header(not inline, name)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def binary_response_doc(description: str, media_type: str) -> dict:
    """The OpenAPI ``openapi_extra`` of an operation whose 200 is a file."""
    return {
        "responses": {
            200: {
                "description": description,
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }
