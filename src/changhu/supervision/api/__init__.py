"""Inspections, rectification notices and appeals over HTTP (mounted at /api/v1/supervision)."""

from changhu.supervision.api.endpoints import router  # noqa: F401
