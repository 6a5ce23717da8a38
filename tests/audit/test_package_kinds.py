"""Evidence packages of one unit and of one period (besides one stream's): written by the CLI and
the API, checked by the standalone verifier; an edited payload, a dropped event and a swapped
file each fail with their reason, even when the manifest is made to agree."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

from tests.audit.test_package import rewrite, verify
from tests.files.conftest import PDF, World, files_app, jpeg, world  # noqa: F401  (the fixtures)

TASK = {"title": "起草棚改专项报告", "source": "leader_instruction", "lead_unit": "U01",
        "co_units": ["U02"], "deadline": "2026-12-20", "feedback_cycle": "weekly", "key": False,
        "date": "2026-11-25"}


def unit_world(world: World, clock) -> dict:
    """U01's problem with two files, U02's own problem (no project), a task U01 leads; then a day later a note on
    U01's problem, and a day after that another."""
    mine = world.problem_at("U01")
    theirs = world.post("/problems", {"category": "funding", "description": "资金缺口",
                                      "source": "meeting", "date": "2026-11-25"})["id"]
    world.post(f"/problems/{theirs}/dispatch", {"level": 1, "decision": "财政局统筹",
                                                "responsible_unit": "U02", "deadline": "2026-12-31",
                                                "date": "2026-11-25"})
    shas = [world.upload(PDF, "协议.pdf")["sha256"], world.upload(jpeg(3), "现场.jpg")["sha256"]]
    world.post(f"/problems/{mine}/resolution", {"description": "已签订协议", "attachments": shas},
               who="rep1")
    task = world.post("/tasks", TASK)["id"]
    clock.advance(days=1)  # 2026-11-26 (Beijing time)
    world.post(f"/problems/{theirs}/notes", {"note": "第二天的进展"}, who="rep2")
    world.post(f"/problems/{mine}/notes", {"note": "第二天再报"}, who="rep1")
    world.post(f"/problems/{theirs}/notes", {"note": "第二天又一条"}, who="rep2")
    clock.advance(days=1)  # 2026-11-27
    world.post(f"/problems/{mine}/notes", {"note": "第三天"}, who="rep1")
    return {"mine": mine, "theirs": theirs, "task": task, "shas": shas}


def package(world: World, tmp_path, name: str, *options: str):
    out = tmp_path / f"{name}.zip"
    r = world.app.test_cli_runner().invoke(args=["audit", "package", *options, str(out)])
    return r, out


def contents(out) -> tuple[dict, list[dict]]:
    with zipfile.ZipFile(out) as zf:
        return json.loads(zf.read("manifest.json")), json.loads(zf.read("events.json"))


def forged(src, dst, change_events=None, change_file=None) -> None:
    """A copy with events.json (or one file) changed and the manifest's hashes redone to agree:
    what the verifier must then catch is in the events themselves."""
    with zipfile.ZipFile(src) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    if change_events is not None:
        evs = change_events(json.loads(files["events.json"]))
        files["events.json"] = json.dumps(evs, ensure_ascii=False).encode()
    if change_file is not None:
        files[change_file[0]] = change_file[1]
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = {n: hashlib.sha256(d).hexdigest() for n, d in files.items()
                         if n != "manifest.json"}
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    rewrite(src, dst, lambda n, d: files[n])


def test_a_unit_package(world: World, clock, tmp_path):
    ids = unit_world(world, clock)
    r, out = package(world, tmp_path, "u01", "--unit", "U01")
    assert r.exit_code == 0, r.output
    assert "单位 U01" in r.output
    manifest, evs = contents(out)
    streams = {e["stream_id"] for e in evs}
    assert streams == {"unit:U01", "project:XM001", f"problem:{ids['mine']}", f"task:{ids['task']}"}
    assert manifest["selection"]["kind"] == "unit" and set(manifest["streams"]) == streams
    assert all(first == 1 for first, _ in manifest["streams"].values())
    with zipfile.ZipFile(out) as zf:
        assert zf.read(f"attachments/{ids['shas'][0]}") == PDF
    good = verify(out)
    assert good.returncode == 0, good.stdout
    cp = json.loads(zipfile.ZipFile(out).read("checkpoint.json"))
    assert "完整且未被篡改" in good.stdout and cp["timestamp"][:10] in good.stdout
    assert "单位 U01" in good.stdout and "4 个事件流" in good.stdout
    assert f"problem:{ids['mine']} 第 1–5 版" in good.stdout  # what it claims, to compare

    # an event's payload edited (its hash and the manifest redone): its proof no longer holds
    def edit(evs):
        evs[-1]["data"] = evs[-1]["data"].replace("第三天", "第四天")
        return evs
    forged(out, tmp_path / "edited.zip", edit)
    bad = verify(tmp_path / "edited.zip")
    assert bad.returncode == 1 and "哈希不符" in bad.stdout and "完整且未被篡改" not in bad.stdout

    # an event dropped from the middle of a stream
    def drop(evs):
        i = next(i for i, e in enumerate(evs) if e["stream_id"] == f"problem:{ids['mine']}"
                 and e["version"] == 2)
        return evs[:i] + evs[i + 1:]
    forged(out, tmp_path / "dropped.zip", drop)
    bad = verify(tmp_path / "dropped.zip")
    assert bad.returncode == 1 and f"problem:{ids['mine']} 版本号不连续，缺少第 2 版" in bad.stdout

    # a file swapped
    forged(out, tmp_path / "swapped.zip", change_file=(f"attachments/{ids['shas'][1]}", jpeg(4)))
    bad = verify(tmp_path / "swapped.zip")
    assert bad.returncode == 1 and "现场.jpg" in bad.stdout and "被替换" in bad.stdout


def test_a_unit_package_of_a_period_and_a_period_package(world: World, clock, tmp_path):
    ids = unit_world(world, clock)
    r, out = package(world, tmp_path, "u01-26", "--unit", "U01", "--from", "2026-11-26",
                     "--to", "2026-11-26")
    assert r.exit_code == 0, r.output
    manifest, evs = contents(out)
    assert [(e["stream_id"], e["version"]) for e in evs] == [(f"problem:{ids['mine']}", 4)]
    assert manifest["streams"] == {f"problem:{ids['mine']}": [4, 4]}
    assert verify(out).returncode == 0

    r, out = package(world, tmp_path, "day26", "--from", "2026-11-26", "--to", "2026-11-26")
    assert r.exit_code == 0, r.output
    manifest, evs = contents(out)
    assert len(evs) == 3 and {e["stream_id"] for e in evs} == {f"problem:{ids['mine']}",
                                                               f"problem:{ids['theirs']}"}
    positions = [e["position"] for e in evs]
    assert positions == list(range(positions[0], positions[0] + 3)) == list(
        range(manifest["positions"][0], manifest["positions"][1] + 1))
    good = verify(out)
    assert good.returncode == 0, good.stdout
    assert "时期内的事件位置连续齐全" in good.stdout and "完整且未被篡改" in good.stdout

    # the middle event dropped: its stream shows no gap in the package, the period does
    forged(out, tmp_path / "dropped.zip", lambda evs: [evs[0], evs[2]])
    bad = verify(tmp_path / "dropped.zip")
    assert bad.returncode == 1 and f"缺少位置 {positions[1]} 的事件" in bad.stdout

    # from alone: to today; to alone: from the start
    r, out = package(world, tmp_path, "since26", "--from", "2026-11-26")
    since = contents(out)[1]  # the four notes, and the checkpoints the packages above signed
    assert r.exit_code == 0 and since[0]["position"] == positions[0]
    assert [e["type"] for e in since].count("ProblemNoted") == 4
    r, out = package(world, tmp_path, "until25", "--to", "2026-11-25")
    assert r.exit_code == 0 and contents(out)[1][0]["position"] == 1
    assert verify(out).returncode == 0


def test_refusals_in_the_cli_and_over_http(world: World, clock, tmp_path):
    unit_world(world, clock)
    for options, words in [(["--unit", "U99"], "没有单位“U99”"),
                           (["--from", "2026-13-01"], "YYYY-MM-DD"),
                           (["--from", "2026-11-27", "--to", "2026-11-26"], "起始日期不能晚于截止日期"),
                           (["--from", "2027-01-01"], "没有事件"),
                           (["--unit", "E01", "--from", "2026-11-27"], "没有事件"),
                           (["--stream", "unit:U01", "--unit", "U01"], "不能再按单位或时期筛选"),
                           ([], "请指定事件流")]:
        r, out = package(world, tmp_path, "refused", *options)
        assert r.exit_code == 1 and words in r.output, (options, r.output)
        assert not out.exists()
    h = world.h["insp"]
    api = "/api/v1/audit/package"
    for query, status, words in [({"unit": "U99"}, 404, "没有单位"),
                                 ({"from": "11/26/2026"}, 400, "参数有误"),
                                 ({"from": "2026-11-27", "to": "2026-11-26"}, 400, "参数有误"),
                                 ({"from": "2027-01-01"}, 404, "没有事件"),
                                 ({}, 400, "请指定")]:
        resp = world.client.get(api, query_string=query, headers=h)
        assert resp.status_code == status, query
        assert words in resp.get_json()["error"]["message"], query
    assert world.client.get(api, query_string={"unit": "U01"},
                            headers=world.h["disp"]).status_code == 403
    for query in ({"unit": "U01"}, {"unit": "U01", "from": "2026-11-26"}, {"from": "2026-11-26"},
                  {"stream": "unit:U01"}):
        resp = world.client.get(api, query_string=query, headers=h)
        assert resp.status_code == 200 and resp.mimetype == "application/zip", query
        (tmp_path / "api.zip").write_bytes(resp.data)
        assert verify(tmp_path / "api.zip").returncode == 0, query
    with zipfile.ZipFile(io.BytesIO(resp.data)) as zf:
        assert json.loads(zf.read("manifest.json"))["stream"] == "unit:U01"
