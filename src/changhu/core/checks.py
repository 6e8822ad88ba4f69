"""System checks of the running installation (``changhu check``)."""

from __future__ import annotations

from django.core.checks import Warning as CheckWarning
from django.db import DatabaseError

from changhu.core import clock, workdays


def holiday_calendars(app_configs=None, **kwargs) -> list[CheckWarning]:
    """Warn when a year in use has no holiday notice loaded (working days would be guessed)."""
    try:
        messages = workdays.calendar_warnings(clock.today(), operator=True)
    except DatabaseError:  # not migrated yet: nothing to check
        return []
    return [CheckWarning(message, id="changhu.W001") for message in messages]
