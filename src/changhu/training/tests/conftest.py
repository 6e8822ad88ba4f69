from changhu.providers.tests.fixtures import caregivers, institution, other  # noqa: F401
from changhu.training.tests.fixtures import course, held, trainees  # noqa: F401
