"""Stored texts decode to exactly what json.loads gives, whichever decoder does the work."""
from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from app.events.chain import canonical_json, decode_json

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-2 ** 80, 2 ** 80),
                    st.floats(allow_nan=False), st.text())
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=20)


def same(a, b) -> bool:
    """Equal, and of the same types all the way down (1 == 1.0 == True would hide a change)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


@settings(max_examples=300, deadline=None, database=None)
@given(value=json_values)
def test_a_canonical_text_decodes_as_json_loads_decodes_it(value):
    text = canonical_json(value)
    assert same(decode_json(text), json.loads(text))


def test_what_the_fast_decoder_gets_wrong_or_refuses_is_decoded_all_the_same():
    # integers beyond 64 bits (orjson would give floats), NaN and infinities, a lone surrogate
    for text in ('{"n":%d}' % 2 ** 70, '{"n":NaN}', '[Infinity,-Infinity]', '{"n":-%d}' % 2 ** 63,
                 '[1,%d]' % (2 ** 63 + 1), '"\ud800"', r'{"s":"\ud800"}'):
        assert same(decode_json(text), json.loads(text))
