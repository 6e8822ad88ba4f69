"""The public pages' cache: each page's HTML kept in Django's cache for a while, per address
(path and query), the same for everyone because the pages show nothing personal.

A section's pages are dropped at once when what they show changes (an article saved bumps the
``articles`` generation); pages read from other apps (institutions, the publicity list, the
fund) simply expire, and their key carries today's date so a new day never serves yesterday's
publicity list.
"""

from __future__ import annotations

import functools
import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

from changhu.core import clock

PREFIX = "changhu.public"


def _generation(section: str) -> int:
    return cache.get_or_set(f"{PREFIX}:gen:{section}", 1, timeout=None)


def invalidate(section: str) -> None:
    """Drop every cached page of ``section``."""
    key = f"{PREFIX}:gen:{section}"
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 2, timeout=None)


def cached_page(section: str, seconds: int):
    """Serve a GET from the cache for ``seconds``; 200 answers only are kept. The browser may
    keep it a minute at most (``Cache-Control: public``)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method != "GET":
                return view(request, *args, **kwargs)
            path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
            key = f"{PREFIX}:{section}:{_generation(section)}:{clock.today():%Y%m%d}:{path}"
            hit = cache.get(key)
            if hit is not None:
                response = HttpResponse(hit, content_type="text/html; charset=utf-8")
                response["X-Changhu-Cache"] = "hit"
            else:
                response = view(request, *args, **kwargs)
                if response.status_code != 200:
                    return response
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                cache.set(key, response.content, seconds)
                response["X-Changhu-Cache"] = "miss"
            patch_cache_control(response, public=True, max_age=min(seconds, 60))
            return response

        return wrapped

    return decorate
