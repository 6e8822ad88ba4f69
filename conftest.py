"""Shared pytest fixtures: a small real city, organizations and one user per role."""

pytest_plugins = ["tests.fixtures"]
