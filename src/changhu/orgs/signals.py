"""Keep ``Organization.scope_prefixes`` in step with the rows it is computed from."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_save

from changhu.orgs.models import Organization
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


def connect() -> None:
    post_save.connect(_on_organization_saved, sender=Organization, dispatch_uid="orgs.prefixes")
    m2m_changed.connect(
        _on_coverage_changed, sender=Organization.coverage.through, dispatch_uid="orgs.coverage"
    )
