"""``changhu load-policies [FILE ...]``: load benefit policy versions (idempotent)."""

from __future__ import annotations

from changhu.core.commands import LoadFilesCommand
from changhu.settlement import policies


class Command(LoadFilesCommand):
    help = LoadFilesCommand.describe("benefit policy versions", "presets/policies")
    load_file = staticmethod(policies.load_policy_file)
    load_all = staticmethod(policies.load_all_policies)
