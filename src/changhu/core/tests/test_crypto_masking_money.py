"""Encryption at rest, blind indexes, masking and money formatting."""

import pytest
from django.db import connection

from changhu.core import crypto, masking, money


def test_encrypt_round_trip_and_randomised():
    a, b = crypto.encrypt("510104194803091234"), crypto.encrypt("510104194803091234")
    assert a != b
    assert a.startswith("v1:")
    assert crypto.decrypt(a) == crypto.decrypt(b) == "510104194803091234"
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""


def test_tampered_ciphertext_is_refused():
    sealed = crypto.encrypt("13812345678")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(Exception):  # noqa: B017  cryptography's InvalidTag or a decode error
        crypto.decrypt(tampered)


def test_blind_index_is_stable_normalised_and_separated_by_purpose():
    one = crypto.blind_index("51010419480309123x", purpose="person.id_number")
    assert one == crypto.blind_index(" 51010419480309123X", purpose="person.id_number")
    assert one != crypto.blind_index("51010419480309123X", purpose="user.id_number")
    assert len(one) == 64


@pytest.mark.django_db
def test_database_holds_no_clear_personal_data(people):
    person = people.jinjiang
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM insured_person WHERE id = %s", [person.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
    assert person.id_number not in row
    assert person.phone not in row
    assert person.address not in row
    assert person.id_number_masked in row


@pytest.mark.parametrize(
    ("func", "value", "expected"),
    [
        (masking.mask_id_number, "32010219900101123X", "3201**********123X"),
        (masking.mask_phone, "13812345678", "138****5678"),
        (masking.mask_phone, "028-86123456", "********3456"),
        (masking.mask_name, "张三丰", "张*丰"),
        (masking.mask_name, "李四", "李*"),
        (masking.mask_address, "锦江区督院街道南糠市街18号2单元", "锦江区督院街****"),
        (masking.mask_id_number, "", ""),
    ],
)
def test_masks(func, value, expected):
    assert func(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.5", 1), ("1.5", 2), ("2.4999", 2), ("-0.5", -1), ("107700", 107700)],
)
def test_round_fen_half_up(value, expected):
    assert money.round_fen(value) == expected


def test_format_yuan():
    assert money.format_yuan(107700) == "1,077.00"
    assert money.format_yuan(-5) == "-0.05"
    assert money.yuan_to_fen("1796") == 179600
