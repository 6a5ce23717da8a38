"""The quick test of new payloads says yes only where marshmallow says yes too."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import EXCLUDE, Schema, fields, validate, validates_schema

from app.bootstrap import build_registries
from app.events.payload_check import compile_check
from app.events.registry import EventRegistry, InvalidPayload

def _with_quick_tests():
    """The registry as the fast paths make it, whatever the environment's switch: these tests
    are of the quick test itself (its plain twin: the last test below)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUBAN_FAST_PATHS", "1")
        return build_registries()[0]


EVENTS = _with_quick_tests()
TYPES = EVENTS.names()

values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2 ** 70, max_value=2 ** 70), st.floats(),
    st.text(max_size=5), st.binary(max_size=3), st.dates(),
    st.lists(st.one_of(st.text(max_size=3), st.integers(), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def fitting(field: fields.Field) -> st.SearchStrategy:
    """A value of the field's own kind or one of its nearest impostors (a flag for a number,
    nan, an int too big, bytes for text), or a null where the field allows it."""
    kind = {fields.String: st.one_of(st.text(max_size=5), st.binary(max_size=2)),
            fields.Integer: st.one_of(st.integers(), st.booleans()),
            fields.Float: st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                                    st.integers(-2 ** 60, 2 ** 60),
                                    st.sampled_from([math.nan, math.inf, -math.inf, True, 2 ** 53,
                                                     10 ** 400, "1.5"])),
            fields.Boolean: st.one_of(st.booleans(), st.sampled_from([0, 1, "true"]))
            }.get(type(field))
    if isinstance(field, fields.List):
        kind = st.one_of(st.lists(fitting(field.inner), max_size=3),
                         st.tuples(fitting(field.inner)))
    if kind is None:
        return values
    return st.one_of(st.none(), kind, kind, kind) if field.allow_none else kind


@st.composite
def payloads(draw, name: str) -> dict:
    """Mostly values of each field's kind, one in ten of any kind, a key left out now and then,
    sometimes one more: near-misses, where a loose quick test would go wrong."""
    data = {}
    for key, field in EVENTS.get(name).schema.load_fields.items():
        roll = draw(st.integers(0, 19))
        if roll:
            data[key] = draw(values if roll < 3 else fitting(field))
    if draw(st.integers(0, 9)) == 0:
        data[draw(st.text(max_size=4))] = draw(values)
    return data


@pytest.mark.parametrize("name", [n for n in TYPES if EVENTS.get(n).check is not None])
@settings(max_examples=80, deadline=None, database=None)
@given(data=st.data())
def test_a_yes_is_a_yes_of_marshmallow_too(data, name):
    et = EVENTS.get(name)
    payload = data.draw(payloads(name))
    if et.check(payload):
        assert et.schema.validate(payload) == {}


def test_the_events_a_command_writes_most_have_a_quick_test():
    hot = ["ProgressSubmitted", "ProblemNoted", "ProblemUrged", "ProblemRaised",
           "ProblemDispatched", "ProblemEscalated", "ResolutionReported", "ResolutionVerified",
           "AnnualPlanSet", "ProjectRegistered", "MeetingHeld", "InspectionRecorded"]
    assert [n for n in hot if EVENTS.get(n).check is None] == []


def test_a_valid_payload_is_not_handed_to_marshmallow(monkeypatch):
    et = EVENTS.get("ProgressSubmitted")
    monkeypatch.setattr(et.schema, "validate", lambda data: pytest.fail("marshmallow asked"))
    assert EVENTS.validate("ProgressSubmitted", {
        "project": "XM0001", "period": "2026-03", "month_investment": 120, "image_progress": "主体施工",
        "corrects": 0, "reason": None}) == et.version


@pytest.mark.parametrize("payload, field", [
    ({"project": "XM0001", "period": "2026-03", "month_investment": "120", "image_progress": "x",
      "corrects": 0, "reason": None}, None),  # a numeric string: marshmallow takes it
    ({"project": "XM0001", "period": "2026-03", "month_investment": float("nan"),
      "image_progress": "x", "corrects": 0, "reason": None}, "month_investment"),
    ({"project": "XM0001", "period": "2026-03", "month_investment": 10 ** 400,
      "image_progress": "x", "corrects": 0, "reason": None}, "month_investment"),
    ({"project": "XM0001", "period": "2026-03", "month_investment": True, "image_progress": "x",
      "corrects": 0, "reason": None}, "month_investment"),
    ({"project": "XM0001", "period": "2026-03", "month_investment": 1.0, "image_progress": "x",
      "corrects": True, "reason": None}, "corrects"),
    ({"project": None, "period": "2026-03", "month_investment": 1.0, "image_progress": "x",
      "corrects": 0}, "project"),
    ({"period": "2026-03", "month_investment": 1.0, "image_progress": "x", "corrects": 0},
     "project"),
    ({"project": "XM0001", "period": "2026-03", "month_investment": 1.0, "image_progress": "x",
      "corrects": 0, "extra": 1}, "extra"),
])
def test_what_the_quick_test_cannot_vouch_for_is_judged_by_marshmallow(payload, field):
    if field is None:
        assert EVENTS.validate("ProgressSubmitted", payload) == 1
        return
    with pytest.raises(InvalidPayload) as caught:
        EVENTS.validate("ProgressSubmitted", payload)
    assert field in caught.value.errors


class Hooked(Schema):
    a = fields.String()

    @validates_schema
    def _whole(self, data, **kwargs):
        pass


class Loose(Schema):
    class Meta:
        unknown = EXCLUDE

    a = fields.String()


@pytest.mark.parametrize("field", [
    fields.String(validate=validate.Length(max=3)), fields.Email(), fields.Date(),
    fields.Float(allow_nan=True), fields.String(data_key="b"), fields.Nested(Loose),
    fields.List(fields.String(allow_none=True)), fields.Dict(),
])
def test_a_schema_with_more_than_plain_fields_is_left_to_marshmallow(field):
    schema = Schema.from_dict({"a": field})()
    assert compile_check(schema) is None


@pytest.mark.parametrize("schema", [Hooked, Loose])
def test_a_schema_with_hooks_or_unknown_keys_allowed_is_left_to_marshmallow(schema):
    assert compile_check(schema()) is None


def test_lists_of_plain_values():
    check = compile_check(Schema.from_dict({"a": fields.List(fields.String(), required=True)})())
    assert check({"a": ["x", "y"]}) and check({"a": []})
    assert not check({"a": ["x", 1]}) and not check({"a": ("x",)}) and not check({"a": None})


def test_a_registry_without_a_quick_test_still_validates():
    registry = EventRegistry()
    registry.register("Loose", Loose)
    assert registry.validate("Loose", {"a": "x", "b": 1}) == 1


def test_with_the_switch_off_marshmallow_judges_every_payload(monkeypatch):
    monkeypatch.setenv("DUBAN_FAST_PATHS", "0")
    events, _, _ = build_registries()
    assert [n for n in events.names() if events.get(n).check is not None] == []
    asked = []
    et = events.get("ProgressSubmitted")
    monkeypatch.setattr(et.schema, "validate", lambda data: asked.append(data) or {})
    valid = {"project": "XM0001", "period": "2026-03", "month_investment": 120,
             "image_progress": "主体施工", "corrects": 0, "reason": None}
    assert events.validate("ProgressSubmitted", valid) == et.version
    assert asked == [valid]
