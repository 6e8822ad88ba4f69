"""The assessor's on-site form keeps their work: photos go in without leaving the page (the
photo card comes back as a fragment), the page carries what the browser needs to autosave a
draft, and submitting asks first, saying what happens."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from changhu.assessment.models import Document, Status
from changhu.assessment.tests.conftest import png_bytes
from changhu.assessment.tests.flow import advance, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(users, people, team):
    return advance(
        submit(users.worker_a, people.jinjiang),
        Status.ASSIGNED,
        worker=users.worker_a,
        assessors=[team.assessor, team.expert],
        experts=[team.expert, team.expert2],
        institution=team.first,
    )


def _upload(client, case, name: str, data: bytes, **headers):
    return client.post(
        reverse("assessment:document_upload", args=[case.pk]),
        {"kind": "onsite_photo", "next": "form", "file": SimpleUploadedFile(name, data)},
        **headers,
    )


def test_a_photo_uploads_in_place_and_the_card_comes_back(client, team, assigned):
    client.force_login(team.assessor)
    done = _upload(client, assigned, "床旁.png", png_bytes(), HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    page = done.content.decode()
    assert page.lstrip().startswith('<div class="card ch-card" id="onsite-photos"')
    assert "床旁.png" in page and "已上传：床旁.png" in page and "<html" not in page
    assert Document.objects.filter(assessment=assigned.current_assessment).count() == 1

    refused = _upload(client, assigned, "照片.png", b"not a picture", HTTP_HX_REQUEST="true")
    assert refused.status_code == 422
    text = refused.content.decode()
    assert 'id="onsite-photos"' in text and "data-ch-error" in text and "床旁.png" in text
    assert Document.objects.filter(assessment=assigned.current_assessment).count() == 1

    empty = client.post(
        reverse("assessment:document_upload", args=[assigned.pk]),
        {"kind": "onsite_photo", "next": "form"},
        HTTP_HX_REQUEST="true",
    )
    assert empty.status_code == 422 and "请选择要上传的照片文件" in empty.content.decode()

    # Without JavaScript the upload still works, as a post and a redirect back to the form.
    plain = _upload(client, assigned, "二.png", png_bytes())
    assert plain.status_code == 302
    assert plain.url == reverse("assessment:assessment_form", args=[assigned.pk])


def test_another_institution_cannot_upload_in_place(client, users, team, assigned):
    client.force_login(team.assessor3)
    response = _upload(client, assigned, "p.png", png_bytes(), HTTP_HX_REQUEST="true")
    assert response.status_code in (403, 404)
    assert not Document.objects.filter(assessment=assigned.current_assessment).exists()


def test_the_form_asks_before_submitting_and_carries_its_draft_key(client, team, assigned):
    client.force_login(team.assessor)
    page = client.get(reverse("assessment:assessment_form", args=[assigned.pk])).content.decode()
    assessment = assigned.current_assessment
    assert 'data-confirm="提交后评估结果将交评估专家确认，不能再修改。确认提交？"' in page
    key = f"ch-assessment-draft:{assigned.pk}:{assessment.pk}:{assessment.submission}:"
    assert f'data-ch-draft-key="{key}{team.assessor.pk}"' in page
    assert "已恢复未提交的草稿" in page and 'data-testid="draft-notice"' in page
    assert "data-ch-upload" in page
    # An expert of the institution who is not on the team reads the form: no draft, no question.
    client.force_login(team.expert2)
    page = client.get(reverse("assessment:assessment_form", args=[assigned.pk])).content.decode()
    assert "data-ch-draft-key" not in page and "data-confirm" not in page


def test_a_refused_submission_lists_each_problem_with_a_link(client, team, assigned):
    client.force_login(team.assessor)
    url = reverse("assessment:assessment_form", args=[assigned.pk])
    refused = client.post(url, {"action": "submit", "remarks": "家属在场"})
    assert refused.status_code == 422
    page = refused.content.decode()
    banner = page[page.index('data-testid="form-errors"') :]
    assert 'href="#id_latitude"' in banner and 'href="#fs-item_adl_0"' in banner
    assert 'href="#fs-present_ids"' in banner
    assert "家属在场" in page  # what was typed is still there
    assert "data-ch-has-errors" in page
