"""The quicker load of a command's payload answers only with what Schema.load answers."""
from __future__ import annotations

import math
import os
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validates

from app import fast_paths
from app.bootstrap import build_registries
from app.commands.base import CommandBus
from app.commands.quick_load import compile_loader
from app.domain.errors import InvalidCommand

_, COMMANDS, _ = build_registries()
LOADED = {spec.name: spec.schema() for spec in COMMANDS}
QUICK = {name: compile_loader(schema) for name, schema in LOADED.items()}

anything = st.one_of(
    st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70), st.floats(), st.text(max_size=5),
    st.binary(max_size=3), st.dates(), st.lists(st.one_of(st.text(max_size=3), st.none()), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
day_texts = st.one_of(st.dates().map(date.isoformat), st.sampled_from(
    ["2026-02-30", "2026-1-5", "20260105", "", "2026-01-05T08:00:00", "2026-13-01"]))


def fitting(field: fields.Field) -> st.SearchStrategy:
    """A value of the field's kind, or one of its nearest impostors."""
    if isinstance(field, fields.List):
        return st.one_of(st.lists(fitting(field.inner), max_size=3), st.tuples(fitting(field.inner)),
                         st.just([]))
    if isinstance(field, fields.String):
        return st.one_of(st.text(max_size=8), st.text(min_size=30, max_size=60), st.just(""),
                         st.binary(max_size=2), st.integers(0, 9))
    if isinstance(field, fields.Integer):
        return st.one_of(st.integers(-5, 3000), st.booleans(), st.sampled_from(["12", 1.0, 1.5]))
    if isinstance(field, fields.Float):
        return st.one_of(st.floats(-10, 1e7), st.integers(-5, 10 ** 6), st.sampled_from(
            [math.nan, math.inf, True, "1.5", 10 ** 400, -0.0]))
    if isinstance(field, fields.Date):
        return st.one_of(day_texts, st.dates(), st.integers(0, 9))
    if isinstance(field, fields.Boolean):
        return st.one_of(st.booleans(), st.sampled_from([0, 1, "true", "no", None]))
    return anything


@st.composite
def payloads(draw, name: str) -> dict:
    """Mostly values of each field's kind, sometimes null or of any kind, a key left out now and
    then, now and then one more."""
    data = {}
    for key, field in LOADED[name].load_fields.items():
        roll = draw(st.integers(0, 19))
        if roll == 0:
            continue
        data[key] = draw(anything if roll < 3 else st.none() if roll < 5 else fitting(field))
    if draw(st.integers(0, 9)) == 0:
        data[draw(st.text(max_size=4))] = draw(anything)
    return data


def test_nearly_every_command_loads_the_quicker_way():
    assert sorted(name for name, quick in QUICK.items() if quick is None) == [
        "change_role", "create_user"]


@pytest.mark.parametrize("name", sorted(n for n, quick in QUICK.items() if quick is not None))
@settings(max_examples=60, deadline=None, database=None)
@given(data=st.data())
def test_an_answer_is_the_answer_of_schema_load(data, name):
    payload = data.draw(payloads(name))
    quick = QUICK[name](payload)
    if quick is None:
        return
    loaded = LOADED[name].load(payload)
    assert quick == loaded
    assert {k: type(v) for k, v in quick.items()} == {k: type(v) for k, v in loaded.items()}


@pytest.mark.skipif(not fast_paths.enabled(),
                    reason="the quick loader is off (DUBAN_FAST_PATHS=0): Schema.load loads all")
def test_a_valid_command_is_not_handed_to_schema_load(services, monkeypatch):
    bus = services.bus
    bus.load("submit_progress", {"code": "XM0001", "period": "2026-03", "month_investment": 1,
                                 "image_progress": "主体施工"})
    schema, _ = bus._schemas["submit_progress"]
    monkeypatch.setattr(schema, "load", lambda data: pytest.fail("Schema.load asked"))
    assert bus.load("submit_progress", {
        "code": "XM0001", "period": "2026-03", "month_investment": 120, "image_progress": "主体施工",
        "date": "2026-03-25"}) == {
        "code": "XM0001", "period": "2026-03", "month_investment": 120.0,
        "image_progress": "主体施工", "reason": None, "confirm_outlier": False, "attachments": [],
        "date": date(2026, 3, 25)}


@pytest.mark.parametrize("payload, field", [
    ({"code": "XM0001", "period": "2026-3", "month_investment": 1, "image_progress": "x"}, "period"),
    ({"code": "XM0001", "period": "2026-03", "month_investment": -1, "image_progress": "x"},
     "month_investment"),
    ({"code": "XM0001", "period": "2026-03", "month_investment": True, "image_progress": "x"},
     "month_investment"),
    ({"code": "XM0001", "period": "2026-03", "month_investment": 1, "image_progress": "x",
      "date": "2026-02-30"}, "date"),
    ({"period": "2026-03", "month_investment": 1, "image_progress": "x"}, "code"),
    ({"code": "XM0001", "period": "2026-03", "month_investment": 1, "image_progress": "x",
      "extra": 1}, "extra"),
])
def test_a_refusal_still_names_its_field(services, payload, field):
    with pytest.raises(InvalidCommand) as caught:
        services.bus.load("submit_progress", payload)
    assert field in caught.value.fields
    with pytest.raises(ValidationError):
        LOADED["submit_progress"].load(payload)


class Hooked(Schema):
    a = fields.String()

    @post_load
    def _after(self, data, **kwargs):
        return data


class FieldHooked(Schema):
    a = fields.String()

    @validates("a")
    def _a(self, value, **kwargs):
        pass


class Loose(Schema):
    class Meta:
        unknown = EXCLUDE

    a = fields.String()


@pytest.mark.parametrize("schema", [
    Hooked(), FieldHooked(), Loose(), Schema.from_dict({"a": fields.String(data_key="b")})(),
    Schema.from_dict({"a": fields.String(attribute="b")})(),
    Schema.from_dict({"a": fields.Nested(Loose)})(), Schema.from_dict({"a": fields.Dict()})(),
    Schema.from_dict({"a": fields.List(fields.Raw())})(), Schema.from_dict({"a": fields.Str()})(
        partial=True),
])
def test_a_schema_with_more_than_plain_fields_is_left_to_schema_load(schema):
    assert compile_loader(schema) is None



def test_a_field_left_out_with_no_default_is_left_out():
    schema = Schema.from_dict({"a": fields.String(), "b": fields.Integer(required=True),
                               "c": fields.List(fields.String(), load_default=list)})()
    quick = compile_loader(schema)
    assert quick({"b": 1}) == schema.load({"b": 1}) == {"b": 1, "c": []}
    assert quick({"a": "x"}) is None  # b is required: Schema.load gives the message


def _answer(bus, name: str, payload: dict):
    try:
        return bus.load(name, payload)
    except InvalidCommand as exc:
        return ("refused", exc.message, exc.fields)


@pytest.mark.parametrize("name", ["submit_progress", "urge_problem", "register_task",
                                  "dispatch_problem"])
@settings(max_examples=40, deadline=None, database=None)
@given(data=st.data())
def test_with_the_switch_off_schema_load_alone_gives_the_same_answers(data, name):
    on, off = CommandBus(COMMANDS, None, date.today), CommandBus(COMMANDS, None, date.today)
    payload = data.draw(payloads(name))
    fast = _answer(on, name, payload)
    saved = os.environ.get("DUBAN_FAST_PATHS")
    os.environ["DUBAN_FAST_PATHS"] = "0"
    try:
        _answer(off, name, {})  # the command's schema and its quick loader, made once
        schema, quick = off._schemas[name]
        off._schemas[name] = (schema, lambda data: pytest.fail("the quick loader was asked"))
        assert _answer(off, name, payload) == fast
    finally:
        if saved is None:
            del os.environ["DUBAN_FAST_PATHS"]
        else:
            os.environ["DUBAN_FAST_PATHS"] = saved
