"""``changhu load-catalogue [FILE ...]``: load service catalogue versions (idempotent)."""

from __future__ import annotations

from changhu.care import catalogue
from changhu.core.commands import LoadFilesCommand


class Command(LoadFilesCommand):
    help = LoadFilesCommand.describe("service catalogue versions", "presets/catalogues")
    load_file = staticmethod(catalogue.load_catalogue_file)
    load_all = staticmethod(catalogue.load_all_catalogues)
    none_found = "no catalogue files found"
