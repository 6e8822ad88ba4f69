"""Running the project's management commands from tests."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def assert_generated_file_current(command: str) -> None:
    """``command`` (in its checking mode) finds the file it writes up to date."""
    out = StringIO()
    try:
        call_command(command, stdout=out)
    except CommandError as exc:  # pragma: no cover - the message says what to run
        pytest.fail(str(exc))
    assert "一致" in out.getvalue()
