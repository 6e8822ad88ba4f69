"""Identity numbers and phones: every failure has its own code and Chinese message."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from changhu.core.errors import ValidationFailed
from changhu.core.identity import make_id_number, normalize_phone, parse_id_number

VALID = make_id_number("510104", dt.date(1948, 3, 9), 123)


def test_published_example_is_accepted_and_agrees_with_stdnum():
    from stdnum.cn import ric

    assert parse_id_number("11010519491231002X").birth_date == dt.date(1949, 12, 31)
    assert ric.calc_check_digit(VALID) == VALID[-1]


def test_valid_number_gives_birth_date_sex_and_division():
    facts = parse_id_number(VALID)
    assert facts.birth_date == dt.date(1948, 3, 9)
    assert facts.sex == "M"  # odd sequence digit
    assert facts.division_code == "510104"


def test_lowercase_x_and_spaces_are_normalised():
    number = make_id_number("110101", dt.date(1950, 1, 1), 0)
    # Find a number whose check digit is X to exercise the lower-case path.
    seq = 0
    while not number.endswith("X"):
        seq += 1
        number = make_id_number("110101", dt.date(1950, 1, 1), seq)
    assert parse_id_number(" " + number.lower() + " ").number == number


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "id_number_required"),
        ("51010419480309123", "id_number_length"),
        ("5101041948030912345", "id_number_length"),
        ("51010419480309A234", "id_number_format"),
        ("991014194803091234", "id_number_division"),
        ("510199194803091234", "id_number_division"),  # no such county in Chengdu
        ("510104194802301234", "id_number_birth_date"),  # 30 February
        ("510104230003091234", "id_number_birth_date"),  # year 2300: in the future
        (VALID[:-1] + ("0" if VALID[-1] != "0" else "1"), "id_number_checksum"),
    ],
)
def test_each_failure_has_its_code(value, code):
    with pytest.raises(ValidationFailed) as info:
        parse_id_number(value)
    assert info.value.code == code
    assert info.value.fields["id_number"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_made_numbers_always_validate(birth, sequence):
    from stdnum.cn import ric

    number = make_id_number("320102", birth, sequence)
    assert ric.calc_check_digit(number) == number[-1]  # an independent implementation agrees
    facts = parse_id_number(number)
    assert facts.birth_date == birth
    assert facts.sex == ("M" if sequence % 2 else "F")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("028-86123456", "028-86123456"),
        ("", ""),
    ],
)
def test_phone_accepted(value, expected):
    assert normalize_phone(value) == expected


@pytest.mark.parametrize("value", ["1381234567", "23812345678", "12345", "phone"])
def test_phone_refused(value):
    with pytest.raises(ValidationFailed) as info:
        normalize_phone(value)
    assert info.value.code == "phone_format"
