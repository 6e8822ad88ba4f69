"""Wiring to the insured register, which must not know about care.

When a person's insured status changes (a death is recorded, insured status is suspended), their
entitlements go through the daily lifecycle (``care.services.entitlements_apply_lifecycle``) for
that person after the register's transaction commits. Eligibility never depends
on this (it reads deaths, stays and enrolment directly); the statuses it sets are for people
reading lists. ``changhu care-reconcile`` catches up on changes made without signals (bulk
imports).

Providers must not know about care either: an institution that stops serving (terminated, or
its agreement ended early) calls the exit handler installed here, which opens its
beneficiaries' transfer cases (``care.services.transfers``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save

from changhu.insured.models import Person


def _on_person_saved(sender, instance: Person, created: bool, update_fields=None, **kwargs):
    if created or (update_fields is not None and "status" not in update_fields):
        return
    if instance.status == "active":
        return
    person_id = instance.pk

    def reconcile() -> None:
        from changhu.care.services import entitlements_apply_lifecycle

        entitlements_apply_lifecycle(person_ids=[person_id])

    transaction.on_commit(reconcile)


def connect() -> None:
    from changhu.care.services import beneficiary_of_institution, on_institution_exit
    from changhu.providers.services import register_beneficiary_resolver, register_exit_handler

    post_save.connect(_on_person_saved, sender=Person, dispatch_uid="care.person_status")
    register_beneficiary_resolver(beneficiary_of_institution)
    # An institution that stops serving opens its beneficiaries' transfer cases.
    register_exit_handler(on_institution_exit)
