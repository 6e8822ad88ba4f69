"""A synthetic city for settlement at scale: ``changhu synth``.

Generates, for one of the shipped policy cities, districts and streets, care institutions with
their tariffs and caregivers, beneficiaries in every grade and care mode (with enrolment,
entitlement and arrangements, a few mode changes, hospital stays, deaths, pauses and lapsed
insurance), and one month of home visits with their catalogue items, bed-days and screening
findings, with a realistic share of anomalies (visits on hospital days or after death, visits
with confirmed findings, cancelled visits, leave days). Lishui also gets members of its
supplementary plan.

Rows are generated in one pass into per-table files in PostgreSQL's COPY text format and loaded
with ``COPY … FROM STDIN`` (psycopg 3), in foreign-key order; ids are assigned here, the
sequences are moved past them afterwards. On SQLite the same rows go through ``executemany``
(meant for small sizes). Rows are marked synthetic (insured numbers ``SY…``, institution names
``合成…``); run it on a database dedicated to the benchmark.
"""

from changhu.settlement.synth._common import (  # noqa: F401
    CITIES,
    FINDING_RULES,
    SynthConfig,
    SynthRefused,
    SynthReport,
)
from changhu.settlement.synth.city import Plan, generate  # noqa: F401
