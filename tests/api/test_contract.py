"""The running OpenAPI document agrees with API.md's table of commands and queries."""
import pytest

# (path, required fields, optional fields) as API.md's command table fixes them
COMMANDS = [
    ("/units", {"code", "name", "kind"}, set()),
    ("/units/{code}/investment-tasks", {"year", "amount"}, set()),
    ("/projects", {"code", "name", "category", "stage", "owner_unit", "responsible_unit",
                   "total_investment"}, {"leader", "planned_start", "date"}),
    ("/projects/{code}/annual-plans", {"year", "planned_investment"}, set()),
    ("/projects/{code}/leader", {"leader"}, {"date"}),
    ("/projects/{code}/stage", {"stage"}, {"date"}),
    ("/projects/{code}/progress", {"period", "month_investment", "image_progress"}, {"reason"}),
    ("/projects/{code}/stats-entry", {"date"}, set()),
    ("/meetings", {"level", "date", "chair", "topic"}, {"attendees"}),
    ("/problems", {"category", "description", "source"}, {"project", "inspection", "date"}),
    ("/problems/{id}/dispatch", {"level", "decision", "responsible_unit", "deadline"},
     {"responsible_person", "leader", "meeting", "date"}),
    ("/problems/{id}/escalate", {"reason"}, {"date"}),
    ("/problems/{id}/notes", {"note"}, {"date"}),
    ("/problems/{id}/urge", {"note"}, {"date"}),
    ("/problems/{id}/extend", {"deadline", "reason"}, set()),
    ("/problems/{id}/resolution", {"description"}, {"date"}),
    ("/problems/{id}/verify", {"note"}, {"date"}),
    ("/problems/{id}/reject", {"reason"}, {"date"}),
    ("/problems/{id}/reopen", {"reason"}, {"date"}),
    ("/problems/{id}/withdraw", {"reason"}, {"date"}),
    ("/inspections", {"kind", "date", "inspectors", "summary"}, {"targets"}),
    ("/bulletins", {"number", "title", "date"}, {"inspections"}),
]

QUERIES = ["/projects", "/projects/{code}", "/problems", "/problems/{id}", "/problems/{id}/history",
           "/events", "/reports/summary", "/audit/verify"]


@pytest.fixture(scope="module")
def spec():
    import tempfile

    from app import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/spec.sqlite3"})
    r = app.test_client().get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.get_json()


def _body_schema(spec, path):
    body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    own = body["allOf"][0]
    if "$ref" in own:
        own = spec["components"]["schemas"][own["$ref"].rsplit("/", 1)[1]]
    return own


@pytest.mark.parametrize("path,required,optional", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_command_bodies(spec, path, required, optional):
    schema = _body_schema(spec, path)
    props = set(schema["properties"])
    assert required | optional <= props
    assert required <= set(schema.get("required", []))
    envelope = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"][
        "schema"]["allOf"][1]["properties"]
    assert {"command_id", "expected_version"} <= set(envelope)
    assert "201" in spec["paths"][path]["post"]["responses"]


@pytest.mark.parametrize("path", QUERIES)
def test_queries_take_as_of(spec, path):
    params = spec["paths"][path]["get"]["parameters"]
    assert any(p.get("name") == "as_of" and p["in"] == "query" for p in params)


def test_token_route(spec):
    assert "post" in spec["paths"]["/auth/token"]


# The Excel routes (API.md, "Excel" and "Pages and spreadsheets"): uploads are multipart, downloads
# are workbooks.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize("path", ["/imports/{kind}", "/imports/{kind}/check",
                                  "/imports/{kind}/marked"])
def test_imports_take_a_multipart_file(spec, path):
    op = spec["paths"][path]["post"]
    form = op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"] and form["properties"]["file"]["format"] == "binary"
    [kind] = [p for p in op["parameters"] if p["name"] == "kind"]
    assert {"projects", "progress"} <= set(kind["schema"]["enum"])
    assert "400" in op["responses"]


def test_exports_and_templates_are_workbooks(spec):
    export = spec["paths"]["/exports/{name}.xlsx"]["get"]
    names = next(p for p in export["parameters"] if p.get("name") == "name")["schema"]["enum"]
    assert {"ledger", "rectification", "progress", "dispatch", "double-half", "fast-slow",
            "events", "projects"} <= set(names)
    assert {p["name"] for p in export["parameters"] if p["in"] == "query"} >= {"as_of", "month"}
    assert XLSX in export["responses"]["200"]["content"]
    template = spec["paths"]["/templates/{kind}.xlsx"]["get"]
    assert XLSX in template["responses"]["200"]["content"]
    assert "get" in spec["paths"]["/exports"]


def test_every_route_of_the_api_is_in_the_document(spec):
    """What the app serves under /api/v1 and what its document describes are the same routes."""
    import re
    import tempfile

    from app import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/routes.sqlite3"})
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len("/api/v1"):])
        served |= {(m.lower(), path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(m, p) for p, ops in spec["paths"].items() for m in ops
                  if m in ("get", "post", "put", "patch", "delete")}
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"
