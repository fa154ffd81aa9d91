"""The canonical encodings, without the database: version 2 covers what version 1 left out."""

import pytest

from lianzheng.audit import encoding


@pytest.mark.parametrize("value", ["", None])
def test_version_2_tells_null_from_empty_where_version_1_did_not(value):
    label = "lianzheng.historicalpostponement"
    other = None if value == "" else ""
    v2 = [encoding.canonical_v2(label, ["scan", "history_id"], [v, 7]) for v in (value, other)]
    v1 = [encoding.canonical_v1(label, ["scan"], [v]) for v in (value, other)]
    assert v2[0] != v2[1] and v1[0] == v1[1]


def test_version_2_covers_the_id_and_never_equals_a_version_1_text():
    label = "lianzheng.historicalunit"
    row = {"name": "甲", "history_id": 1, "chain_seq": 5, "chain_encoding": 2}
    swapped = {**row, "history_id": 2}
    assert encoding.canonical_row(label, row) != encoding.canonical_row(label, swapped)
    assert encoding.canonical_row(label, row).startswith("[2,")
    v1 = {**row, "chain_encoding": None}
    assert encoding.canonical_row(label, v1) == encoding.canonical_v1(label, ["name"], ["甲"])
    other_id = {**v1, "history_id": 2}
    assert encoding.canonical_row(label, v1) == encoding.canonical_row(label, other_id)
