from changhu.providers.tests.fixtures import caregivers, catalogue, institution, other  # noqa: F401
from changhu.visits.tests.fixtures import (  # noqa: F401
    _fresh_rule_cache,
    home,
    phone,
    rules,
    second_caregiver,
)
