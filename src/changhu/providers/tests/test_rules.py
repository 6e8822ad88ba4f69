"""Pure rules of institutions and caregivers, table-driven."""

import datetime as dt

import pytest

from changhu.providers import rules

D = dt.date
VALID = rules.make_uscc("52510104MJ0000001")


@pytest.mark.parametrize(
    ("value", "result"),
    [
        (VALID, VALID),
        (VALID.lower(), VALID),
        (f" {VALID[:9]} {VALID[9:]} ", VALID),
        ("", "uscc_required"),
        (VALID[:17], "uscc_length"),
        (VALID[:17] + ("0" if VALID[17] != "0" else "1"), "uscc_checksum"),
        ("52510104IO0000001X", "uscc_format"),
    ],
)
def test_check_uscc(value, result):
    checked = rules.check_uscc(value)
    assert (checked.code if isinstance(checked, rules.Problem) else checked) == result


@pytest.mark.parametrize(
    ("kind", "modes", "result"),
    [
        ("nursing_home", ["family", "institutional"], ["institutional", "family"]),
        ("hospital_ward", ["institutional"], ["institutional"]),
        ("hospital_ward", ["home_visit"], "care_mode_not_allowed"),
        ("home_service", ["institutional"], "care_mode_not_allowed"),
        ("home_service", [], "care_modes_required"),
        ("home_service", ["teleport"], "care_mode_unknown"),
    ],
)
def test_check_modes(kind, modes, result):
    checked = rules.check_modes(kind, modes)
    assert (checked.code if isinstance(checked, rules.Problem) else checked) == result


@pytest.mark.parametrize(
    ("issued", "expires", "today", "state"),
    [
        (D(2024, 1, 1), D(2026, 12, 31), D(2026, 11, 1), "expiring"),
        (D(2024, 1, 1), D(2027, 1, 1), D(2026, 11, 1), "valid"),
        (D(2024, 1, 1), D(2028, 1, 1), D(2026, 11, 1), "valid"),
        (D(2024, 1, 1), D(2026, 10, 31), D(2026, 11, 1), "expired"),
        (D(2024, 1, 1), D(2026, 11, 1), D(2026, 11, 1), "expiring"),
        (D(2026, 12, 1), D(2028, 1, 1), D(2026, 11, 1), "not_yet"),
    ],
)
def test_certificate_state(issued, expires, today, state):
    assert rules.certificate_state(issued, expires, today) == state


@pytest.mark.parametrize(
    ("held", "required", "ok"),
    [
        ({"nurse"}, "care_worker", True),
        ({"care_worker"}, "nurse", False),
        ({"care_worker"}, "care_worker", True),
        (set(), "", True),
        (set(), "care_worker", False),
    ],
)
def test_qualification_satisfies(held, required, ok):
    assert rules.qualification_satisfies(held, required) is ok


def test_status_on_follows_effective_dates():
    history = [(D(2024, 1, 1), "active"), (D(2026, 3, 1), "suspended"), (D(2026, 4, 1), "active")]
    assert rules.status_on(history, D(2023, 12, 31)) == ""
    assert rules.status_on(history, D(2026, 3, 1)) == "suspended"
    assert rules.status_on(history, D(2026, 3, 31)) == "suspended"
    assert rules.status_on(history, D(2026, 4, 1)) == "active"


@pytest.mark.parametrize(
    ("value", "result"),
    [
        ("12", 12),
        (12.0, 12),
        ("", 0),
        (None, 0),
        ("1.5", "number_format"),
        ("abc", "number_format"),
        ("-1", "number_range"),
        ("inf", "number_format"),
    ],
)
def test_parse_count(value, result):
    parsed = rules.parse_count(value, "beds", "床位数")
    assert (parsed.code if isinstance(parsed, rules.Problem) else parsed) == result


def test_renewal_due_is_sixty_days_before_the_end():
    assert rules.renewal_due(D(2026, 12, 31)) == D(2026, 11, 1)
