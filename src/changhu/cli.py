"""The ``changhu`` console command: Django's management commands plus our own.

Our commands are spelled with hyphens (``changhu seed-demo``); Django's modules use
underscores, so a hyphenated name is translated before dispatch.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changhu.settings")
    from django.core.management import execute_from_command_line

    args = list(argv if argv is not None else sys.argv[1:])
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["changhu", *args])


if __name__ == "__main__":
    main()
