"""The caregiver's phone app (PWA): the app shell, its manifest and its service worker.

All three are served under ``/pwa/`` so the service worker's scope is the app itself. The
shell needs a signed-in caregiver (session login, same origin, so the app calls the API with
the session cookie and the CSRF token from the page); the manifest and the worker are public,
as browsers fetch them without credentials.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from changhu.core.scope import require
from changhu.orgs.roles import Right
from changhu.web.shortcuts import staff_view

# Bump when the shell or its files change: the worker then replaces its cache.
VERSION = "2026.12.3"


def _assets() -> list[str]:
    return [
        "/pwa/",
        "/pwa/manifest.webmanifest",
        static("visits/pwa/app.js"),
        static("visits/pwa/app.css"),
        static("vendor/bootstrap/bootstrap.min.css"),
        static("visits/pwa/icon-192.png"),
    ]


@staff_view
@require_GET
def shell(request):
    require(request.user, Right.VISITS_RECORD)
    return render(request, "visits/pwa/shell.html", {"version": VERSION})


@require_GET
def manifest(request):
    body = {
        "name": "长护 · 护理员服务",
        "short_name": "长护服务",
        "lang": "zh-CN",
        "start_url": "/pwa/",
        "scope": "/pwa/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d4e89",
        "icons": [
            {"src": static("visits/pwa/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("visits/pwa/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/manifest+json"
    )


@require_GET
def service_worker(request):
    text = render(
        request,
        "visits/pwa/sw.js",
        {"version": VERSION, "assets": json.dumps(_assets())},
        content_type="text/javascript",
    )
    text["Service-Worker-Allowed"] = "/pwa/"
    text["Cache-Control"] = "no-cache"
    return text
