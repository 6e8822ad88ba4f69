from changhu.providers.tests.fixtures import caregivers, catalogue, institution, other  # noqa: F401
