from changhu.providers.tests.fixtures import caregivers, institution, other  # noqa: F401
from changhu.scorecards.tests.fixtures import every_score, scored, settled  # noqa: F401
