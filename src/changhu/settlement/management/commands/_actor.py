"""The actor command-line settlement runs as."""

from __future__ import annotations

from django.contrib.auth import get_user_model


def system_actor():
    """A platform superuser without a role (unrestricted scope), created once."""
    model = get_user_model()
    user, created = model.objects.get_or_create(
        username="system-settlement",
        defaults={"real_name": "结算批处理", "is_superuser": True, "is_staff": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
