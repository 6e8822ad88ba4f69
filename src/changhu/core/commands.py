"""What the ``changhu`` management commands share.

A command acts as the command line: the audit trail and the transition log record what it
changes with the channel "cli", and a refusal (a :class:`~changhu.core.errors.DomainError`)
ends it with the refusal's code and message instead of a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from changhu.core import context
from changhu.core.errors import DomainError


@contextmanager
def as_cli() -> Iterator[None]:
    """Act as the command line for the block; a refusal in it becomes a ``CommandError``."""
    token = context.set_current(context.ActorContext(channel="cli"))
    try:
        yield
    except DomainError as exc:
        raise CommandError(f"{exc.code}: {exc.message}") from exc
    finally:
        context.reset(token)


def acting_user(username: str | None, *, doing: str):
    """The user a command acts as (their rights and data scope apply): the active user named by
    ``--as``, else the one active superuser without a role. ``doing`` ends the refusal that
    asks for ``--as`` (“导入”)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True)
    if username:
        user = users.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在或已停用：{username}")
        return user
    superusers = list(users.filter(is_superuser=True, role="")[:2])
    if len(superusers) != 1:
        raise CommandError(f"请用 --as 指定以哪个用户的身份{doing}")
    return superusers[0]


def day(value: str) -> dt.date:
    """An option's ``YYYY-MM-DD`` date (an argparse ``type``)."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date_invalid: 日期“{value}”应为YYYY-MM-DD") from None


class CliCommand(BaseCommand):
    """A command whose ``run()`` returns the lines it prints, run :func:`as_cli`.

    With ``today_help``, the command takes ``--today YYYY-MM-DD`` (default: today) to run as of
    another day; ``run()`` gets it as a date or ``None``.
    """

    today_help = ""

    def add_arguments(self, parser):
        if self.today_help:
            parser.add_argument("--today", type=day, help=self.today_help)

    def handle(self, *args, **options):
        with as_cli():
            lines = list(self.run(*args, **options))
        for line in lines:
            self.stdout.write(str(line))

    def run(self, *args, **options) -> Iterable[object]:
        raise NotImplementedError


class LoadFilesCommand(CliCommand):
    """``[FILE ...]``: load a kind of versioned rule file from the given files, or every preset
    file of the kind (``load_all``); one result line per file."""

    load_file: Callable[[Path], object]
    load_all: Callable[[], list]
    none_found = ""  # what to say when there was no file at all

    @staticmethod
    def describe(what: str, directory: str) -> str:
        return (
            f"Load {what} from {directory}/*.json (or the given files). A version already "
            "loaded is left alone; the same version with other content is refused."
        )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", metavar="FILE")

    def run(self, *args, files, **options):
        results = [self.load_file(Path(f)) for f in files] if files else self.load_all()
        if not results and self.none_found:
            return [self.none_found]
        return results
