"""Settings for the test suite: the demo keys, a fast password hasher, DEBUG off."""

import os

os.environ.setdefault("CHANGHU_PROFILE", "test")

from changhu.settings import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
API_THROTTLE_ANON = "100000/min"
API_THROTTLE_USER = "100000/min"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
