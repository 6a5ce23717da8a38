"""The inspectors' audit view: filters over the event log and the chain check."""
from __future__ import annotations

from sqlalchemy import text

from app.domain.actors import SYSTEM
from tests.admin.ui import hidden_inputs


def test_event_log_filters(client, ui, svc):
    ui.login("insp")
    page = client.get("/admin/audit/")
    assert page.status_code == 200 and "登记项目" in page.text
    by_type = client.get("/admin/audit/?type=ProjectRegistered").text
    assert by_type.count('class="audit-row"') == 2
    by_stream = client.get("/admin/audit/?stream=project:XM002").text
    assert by_stream.count('class="audit-row"') == 2  # registered, annual plan
    assert client.get("/admin/audit/?stream=unit:").text.count('class="audit-row"') == 4
    by_unit = client.get("/admin/audit/?unit=U02").text
    assert "XM002" in by_unit and "XM001" not in by_unit
    by_actor = client.get("/admin/audit/?actor=system").text
    assert 'class="audit-row"' in by_actor
    assert 'class="audit-row"' not in client.get("/admin/audit/?actor=insp").text
    dated = client.get("/admin/audit/?type=ProjectRegistered&date_from=2026-01-06").text
    assert 'class="audit-row"' not in dated


def test_event_search_reads_the_fields_not_the_text(district):
    """Who acted and which unit: the JSON fields themselves, whole values only."""
    from app.domain.actors import Actor
    from app.events.search import EventQuery, search

    svc = district
    raised = svc.bus.execute("raise_problem", {
        "category": "land", "source": "unit_report", "project": "XM001",
        "description": '写着 "actor":"insp" 与 "unit":"U02" 的描述'}, Actor("rep1", "unit_reporter", "U01"))
    with svc.engine.connect() as conn:
        def found(**kw) -> list[str]:
            return [r.stream_id for r in search(conn, EventQuery(**kw), 1000)]

        assert found(actor="rep1") == [f"problem:{raised['id']}"]
        assert found(actor="insp") == [] and found(actor="rep") == []
        assert f"problem:{raised['id']}" in found(unit="U01")
        assert f"problem:{raised['id']}" not in found(unit="U02")
        assert found(unit="U0") == []
        assert found(unit="U02", stream="project:") == ["project:XM002"]  # its registration


def test_verify_button(client, ui, svc):
    ui.login("insp")
    token = hidden_inputs(client.get("/admin/audit/").text)["csrf_token"]
    r = client.post("/admin/audit/verify", data={"csrf_token": token})
    assert r.status_code == 200 and "哈希链完整" in r.text and 'data-ok="1"' in r.text


def test_verify_button_finds_tampering(client, ui, svc):
    ui.login("insp")
    token = hidden_inputs(client.get("/admin/audit/").text)["csrf_token"]
    with svc.engine.begin() as conn:  # an edit behind the store's back
        if svc.engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS events_no_update"))
        conn.execute(text("UPDATE events SET data = replace(data, '城南', '城西') WHERE position = 1"))
    r = client.post("/admin/audit/verify", data={"csrf_token": token})
    assert "哈希链被破坏" in r.text and 'data-ok="0"' in r.text
    assert "第一个异常位置 <b>1</b>" in r.text


def test_paging_through_the_log(client, ui, svc):
    for i in range(60):
        svc.bus.execute("register_unit", {"code": f"X{i:02d}", "name": f"单位{i}",
                                          "kind": "department"}, SYSTEM)
    ui.login("root")
    first = client.get("/admin/audit/").text
    assert first.count('class="audit-row"') == 50 and "更早的事件" in first
    older = client.get("/admin/audit/?before=30").text
    assert older.count('class="audit-row"') == 29


def test_an_events_content_reads_in_chinese(client, ui, svc):
    ui.login("insp")
    page = client.get("/admin/audit/?type=ProjectRegistered").text
    assert "总投资（万元）：" in page and "阶段：" in page and "续建" in page
    assert "&#34;total_investment&#34;" in page  # the stored JSON kept as the cell's title


def test_every_event_field_has_a_chinese_name_and_instants_read_local(svc):
    from zoneinfo import ZoneInfo

    from app.admin.event_fields import FIELD_NAMES, event_fields

    unnamed = {f"{name}.{field}" for name in svc.events.names()
               for field in svc.events.get(name).schema.fields if field not in FIELD_NAMES}
    assert not unnamed, sorted(unnamed)
    shown = event_fields({"username_hmac": "ab12", "until": "2026-11-25T01:00:00.123456Z",
                          "client_address": "10.0.0.8"}, ZoneInfo("Asia/Shanghai"))
    assert shown == [("用户名摘要", "ab12"), ("锁定至", "2026-11-25 09:00:00"),
                     ("客户端地址", "10.0.0.8")]
