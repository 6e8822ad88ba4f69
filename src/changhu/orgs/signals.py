"""Keep ``Organization.scope_prefixes`` in step with the rows it is computed from, and end a
login's API tokens when its password changes or it is deactivated."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_init, post_save

from changhu.orgs.models import ApiToken, Organization, PasswordHistory, User
from changhu.orgs.scoping import refresh_prefixes


def _on_organization_saved(sender, instance: Organization, raw: bool = False, **kwargs):
    if raw:  # loaddata: the fixture carries its own value
        return
    refresh_prefixes(instance)


def _on_coverage_changed(sender, instance, action: str, reverse: bool, pk_set=None, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear", "pre_clear"):
        return
    if not reverse:
        if action != "pre_clear":
            refresh_prefixes(instance)
        return
    # region.covering_organizations.add(org, ...): the organizations are in pk_set, except for
    # clear(), where they are only known before the rows go.
    if action == "pre_clear":
        instance._changhu_cleared = list(
            instance.covering_organizations.values_list("pk", flat=True)
        )
        return
    ids = pk_set if action != "post_clear" else getattr(instance, "_changhu_cleared", [])
    for org in Organization.objects.filter(pk__in=ids or []):
        refresh_prefixes(org)


def _remember_credentials(sender, instance: User, **kwargs):
    instance._changhu_credentials = (instance.password, instance.is_active)


def _on_user_saved(sender, instance: User, created: bool, raw: bool = False, **kwargs):
    """A new password (by any path: the user's own page or API call, an administrator, the
    admin site, ``changepassword``, a reset) or a deactivation revokes the login's tokens.

    The token a user changed their own password with stays valid, as the session they changed
    it in does: every other token and session stops working. (Django ends the other sessions
    itself: a session remembers the password hash it was opened with.)"""
    seen = getattr(instance, "_changhu_credentials", None)
    now = (instance.password, instance.is_active)
    instance._changhu_credentials = now
    if raw:
        return
    if instance.password and (created or seen is None or seen[0] != now[0]):
        _remember_password(instance)
    if created or seen is None or seen == now:
        return
    if seen[0] == now[0] and instance.is_active:
        return  # reactivated with the same password: nothing to revoke
    tokens = ApiToken.objects.filter(user=instance, revoked=False)
    keep = getattr(instance, "_changhu_token_id", None)
    if keep is not None and instance.is_active:
        tokens = tokens.exclude(pk=keep)
    tokens.update(revoked=True)


def _remember_password(user: User) -> None:
    """Note when the password was set, and keep its hash among the last few."""
    from django.conf import settings

    from changhu.core import clock

    at = clock.now()
    User.objects.filter(pk=user.pk).update(password_changed_at=at)
    user.password_changed_at = at
    keep = settings.PASSWORD_HISTORY
    if keep <= 0 or not user.has_usable_password():
        return
    PasswordHistory.objects.create(user=user, password=user.password, created_at=at)
    stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()


def connect() -> None:
    post_init.connect(_remember_credentials, sender=User, dispatch_uid="orgs.credentials_seen")
    post_save.connect(_on_user_saved, sender=User, dispatch_uid="orgs.credentials_changed")
    post_save.connect(_on_organization_saved, sender=Organization, dispatch_uid="orgs.prefixes")
    m2m_changed.connect(
        _on_coverage_changed, sender=Organization.coverage.through, dispatch_uid="orgs.coverage"
    )
