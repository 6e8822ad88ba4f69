"""The demo city: Chengdu's bureau, a two-insurer consortium, institutions, users and persons.

``seed_demo`` is idempotent and deterministic: every row has a natural key (organization name,
username, ID number) and every random choice comes from a generator seeded with a fixed number
and the person's index, so a second run finds everything in place and creates nothing, and a
larger ``persons`` only adds the persons after the ones already there. It is a set-up tool, not
a use case: it writes rows directly (persons through the register's own ``clean_person`` and
``build_person``, in bulk) instead of one audited service call per row, and records one audit
entry for the whole run.

The package: ``data`` (names, logins, the report), ``city`` (regions, organizations, users),
``persons`` (the insured) and ``seeders`` (``seed_demo`` and the registry of every app's demo
seeder).
"""

from changhu.orgs.demo.data import (  # noqa: F401
    BUREAU_NAME,
    CARE_ANKANG,
    CARE_KANGNING,
    CARE_KANGQIAO,
    CARE_LELING,
    CARE_YIHE,
    CITY_CODE,
    CONSORTIUM_NAME,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_URL,
    DISTRICTS,
    INSURER_A,
    INSURER_B,
    PARENT,
    PUBLIC_NAME,
    SEED,
    DemoLogin,
    DemoRegionsMissing,
    District,
    SeedReport,
)
from changhu.orgs.demo.seeders import (  # noqa: F401
    DemoSeeder,
    demo_allowed,
    demo_seeders,
    register_demo_seeder,
    seed_demo,
)
