"""One place for the Chinese labels of stored codes: choices, policies, scales, funds, files."""

import pytest
from django.template import engines

from changhu.insured.models import ImportBatch
from changhu.orgs.roles import Role
from changhu.providers.models import CareMode
from changhu.settlement.models import ClaimStatus, InstitutionClass
from changhu.visits.models import RunStatus as VisitRunStatus
from changhu.web import labels


@pytest.fixture(autouse=True)
def _fresh_names():
    labels.clear_cache()
    yield
    labels.clear_cache()


@pytest.mark.parametrize(
    ("choice", "kind"),
    [
        (CareMode.HOME_VISIT, "care_mode"),
        (CareMode.INDIVIDUAL, "care_mode"),
        (ClaimStatus.DRAFT, "claim_status"),
        (ClaimStatus.SUBMITTED, "settlement.claim_status"),
        (Role.CAREGIVER, "role"),
        (VisitRunStatus.RUNNING, "core.run_status"),  # one set of run states for every run
        (VisitRunStatus.RUNNING, "run_status"),
        (ImportBatch.Status.PREVIEWED, "core.import_batch.status"),
        (InstitutionClass.UNCLASSIFIED, "institution_class"),
    ],
)
def test_choices_by_the_name_of_their_class(choice, kind):
    assert labels.label(choice.value, kind) == choice.label
    assert labels.label(choice, kind) == choice.label


def test_a_class_name_used_by_two_apps_needs_the_app(monkeypatch):
    from django.db import models

    def twin(app: str, text: str):
        return models.TextChoices(
            "TwinStatus", [("OPEN", ("open", text))], module=f"changhu.{app}.models"
        )

    first, second = twin("alpha", "甲开放"), twin("beta", "乙开放")
    monkeypatch.setattr(labels, "_kinds", None)  # the kinds are read again, with the twins
    try:
        assert labels.label("open", "alpha.twin_status") == "甲开放"
        assert labels.label("open", "beta.twin_status") == "乙开放"
        with pytest.raises(KeyError, match="twin_status"):
            labels.label("open", "twin_status")
        with pytest.raises(KeyError, match="no labels of the kind 'nonsense'"):
            labels.label("x", "nonsense")
    finally:
        del first, second


def test_unknown_values_show_as_they_are_and_none_as_nothing():
    assert labels.label("no_such_mode", "care_mode") == "no_such_mode"
    assert labels.label(None, "care_mode") == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("image/png", "PNG 图片"),
        ("application/pdf", "PDF 文件"),
        ("image/jpeg", "JPEG 图片"),
        ("IMAGE/PNG; charset=binary", "PNG 图片"),
        ("image/x-portable-anymap", "图片"),
        ("video/x-matroska", "视频"),
        ("application/x-unknown", "文件"),
    ],
)
def test_file_types(value, expected):
    assert labels.label(value, "mime") == expected


@pytest.mark.django_db
def test_policies_scales_and_funds_by_their_names():
    from changhu.assessment.presets import load_scale_presets
    from changhu.settlement.models import PolicyVersion
    from changhu.settlement.policies import load_all_policies

    load_all_policies()
    load_scale_presets()
    chengdu = PolicyVersion.objects.get(code="chengdu", version="2023.1")
    assert labels.label("chengdu@2023.1", "policy") == f"{chengdu.name}2023.1版"
    assert labels.label("chengdu", "policy") == chengdu.name
    assert labels.label("chengdu@2023.1/basic_care", "policy_rule") == (
        f"{chengdu.name}2023.1版 · 基础照护待遇"
    )
    assert "@" not in labels.label("lishui-hmb@2024.1", "policy")
    assert labels.label("national-2021", "scale") == "长期护理失能等级评估标准（试行）"
    assert labels.label("ltci", "fund") == "长期护理保险基金"
    supplementary = PolicyVersion.objects.filter(code="lishui-hmb").first()
    assert labels.label("lishui-hmb", "fund") == supplementary.name
    assert labels.label("nowhere", "policy") == "nowhere"
    assert labels.label("chengdu", "payer") == "长期护理保险基金"
    assert labels.label("lishui-hmb", "payer") == supplementary.name
    assert labels.label("ltci", "payer") == "长期护理保险基金"


def test_the_filter_is_on_every_page_without_a_load():
    template = engines["django"].from_string('{{ mode|label:"care_mode" }}·{{ t|label:"mime" }}')
    shown = template.render({"mode": "family", "t": "application/pdf"})
    assert shown == f"{CareMode.FAMILY.label}·PDF 文件"


def test_extra_kinds_can_be_registered():
    labels.register_label("test_colour", {"red": "红色"})
    try:
        assert labels.label("red", "test_colour") == "红色"
        assert labels.label("blue", "test_colour") == "blue"
    finally:
        labels._extra.pop("test_colour")
        labels._kinds = None
