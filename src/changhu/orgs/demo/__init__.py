"""The demo city: Chengdu's bureau, a two-insurer consortium, institutions, users and persons.

``seed_demo`` is idempotent and deterministic: every row has a natural key (organization name,
username, ID number) and every random choice comes from a generator seeded with a fixed number
and the person's index, so a second run finds everything in place and creates nothing, and a
larger ``persons`` only adds the persons after the ones already there. It is a set-up tool, not
a use case: it writes rows directly (persons through the register's own ``clean_person`` and
``build_person``, in bulk) instead of one audited service call per row, and records one audit
entry for the whole run.

The package: ``data`` (names, logins, the report), ``city`` (regions, organizations, users),
``persons`` (the insured) and ``seeders`` (``seed_demo``); the registry of every app's demo
seeder is ``core.preset_registry``.
"""

from changhu.core.preset_registry import demo_seeders  # noqa: F401
from changhu.orgs.demo.data import (  # noqa: F401
    CARE_ANKANG,
    CONSORTIUM_NAME,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_URL,
    DISTRICTS,
    DemoRegionsMissing,
)
from changhu.orgs.demo.seeders import demo_allowed, seed_demo  # noqa: F401
