"""The canonical text is json's, byte for byte, whichever encoder writes it: every stored hash
was computed over such texts."""
from __future__ import annotations

import json
from collections import OrderedDict, namedtuple
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.events.chain import canonical_json

JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))

floats = st.one_of(st.floats(), st.floats(-1e-3, 1e-3), st.floats(1e15, 1e17),
                   st.sampled_from([1e-4, 9.999999999999999e-05, 1e16, 9999999999999998.0, -0.0,
                                    5e-324, float("nan"), float("inf"), float("-inf")]))
integers = st.one_of(st.integers(), st.integers(-2 ** 70, 2 ** 70),
                     st.sampled_from([2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64, -2 ** 63,
                                      -2 ** 63 - 1]))
texts = st.one_of(st.text(), st.text(st.characters(codec="utf-8")),  # with and without surrogates
                  st.text(st.characters(max_codepoint=0x7F)), st.sampled_from(["null", "0.00001"]))
scalars = st.one_of(st.none(), st.booleans(), integers, floats, texts)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner),
    st.dictionaries(texts, inner, max_size=5)), max_leaves=24)


@settings(max_examples=1000, deadline=None, database=None)
@given(value=json_values)
def test_the_text_is_the_one_json_writes(value):
    assert canonical_json(value) == JSON.encode(value)


@pytest.mark.parametrize("value", [
    {"n": 2 ** 64}, [-2 ** 63 - 1],                       # beyond 64 bits
    {"x": 1e-05}, [0.00012345, 1e16, 1.5e300],            # json writes an exponent
    {"x": float("nan"), "y": None}, [[float("inf")]], (float("-inf"),),  # json writes NaN
    {"s": "\ud800"}, {"\udfff": 1},                        # lone surrogates
    {2: "a", 10: "b"}, {True: 1},                          # keys that are not text
    {"键": "值", "𝔸": 1, "\uffff": 2, "a": [None, True, 0.5, "控制\x00\x1f\x7f\u2028"]},
])
def test_values_where_orjson_would_write_otherwise_or_refuse(value):
    assert canonical_json(value) == JSON.encode(value)


@pytest.mark.parametrize("value", [date(2026, 1, 1), {"on": date(2026, 1, 1)}, {1: 1, "a": 2},
                                   object()])
def test_what_json_refuses_is_refused(value):
    with pytest.raises(TypeError):
        JSON.encode(value)
    with pytest.raises(TypeError):
        canonical_json(value)


def test_subclasses_are_written_as_json_writes_them():
    class Text(str):
        pass

    class Number(int):
        pass

    class Items(list):
        pass

    class Real(float):
        pass

    Pair = namedtuple("Pair", "a b")
    for value in ({Text("k"): [Text("v"), Number(3)], "d": dict(a=1)},
                  OrderedDict(b=1e-05, a=[1e20]), Items([float("nan")]), [Pair(1e-7, 2.5)],
                  {"x": Real(1e-7)}, [Real(2.5)]):
        assert canonical_json(value) == JSON.encode(value)


def test_hex_digits_in_a_text_are_not_taken_for_a_number():
    value = [1, "3e5d" * 16, "0.00001", None]
    assert canonical_json(value) == JSON.encode(value)
