from changhu.providers.tests.fixtures import caregivers, institution, other  # noqa: F401
from changhu.supervision.tests.fixtures import field  # noqa: F401
