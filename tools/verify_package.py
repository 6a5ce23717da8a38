#!/usr/bin/env python3
"""督办证据包校验工具: checks an evidence package (one stream's, one unit's or one period's events)
offline, on any machine.

    python verify_package.py PACKAGE.zip [--public-key HEX]

Standalone on purpose: it imports nothing of duban, only the standard library and
``cryptography`` (for Ed25519), so that whoever receives a package need not trust duban's code
to check it. It recomputes each event's hash from its fields exactly as duban's hash chain does
(app/events/chain.py), checks that each stream's versions run unbroken between the first and
last the manifest records (from 1 for a whole stream), that a period's positions run unbroken,
the links between consecutive events, each event's inclusion
proof (RFC 9162 §2.1.3.2) against the checkpoint's root, the checkpoint's signature, and every
file against the manifest. Exit status 0 when all holds, 1 otherwise; it says in Chinese what it
checked and what failed.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zipfile

REQUIRED = ("manifest.json", "events.json", "proofs.json", "checkpoint.json", "public_key.json")
FORMAT = "duban-evidence-package"
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# -- as duban computes them -----------------------------------------------------------------
def event_hash(e: dict) -> str:
    """SHA-256 over the canonical JSON array of the event's columns and the previous hash."""
    encoded = _CANONICAL.encode([e["position"], e["stream_id"], e["stream_type"], e["version"],
                                 e["type"], e["schema_version"], e["data"], e["meta"],
                                 e["business_date"], e["recorded_at"], e["prev_hash"]])
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes | None:
    """RFC 9162 §2.1.3.2; None when the proof is malformed."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def signed_text(cp: dict) -> bytes:
    return f"duban-checkpoint\n{cp['size']}\n{cp['root']}\n{cp['timestamp']}\n".encode("utf-8")


# -- the check -------------------------------------------------------------------------------
class Report:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def ok(self, text: str) -> None:
        print(f"  [通过] {text}")

    def fail(self, text: str) -> None:
        self.failures.append(text)
        print(f"  [失败] {text}")


def _load(zf: zipfile.ZipFile, name: str):
    return json.loads(zf.read(name).decode("utf-8"))


def check(path: str, pinned_key: str | None) -> int:
    print(f"校验证据包：{path}")
    report = Report()
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        print(f"  [失败] 无法打开证据包（{exc.__class__.__name__}）：不是完整的 zip 文件。")
        print("结论：证据包无法校验。")
        return 1
    with zf:
        names = set(zf.namelist())
        absent = [n for n in REQUIRED if n not in names]
        if absent:
            report.fail(f"证据包缺少文件：{'、'.join(absent)}。")
            return _verdict(report, None)
        try:
            manifest = _load(zf, "manifest.json")
            evs = _load(zf, "events.json")
            proofs = _load(zf, "proofs.json")
            cp = _load(zf, "checkpoint.json")
            key = _load(zf, "public_key.json")
        except (ValueError, UnicodeDecodeError) as exc:
            report.fail(f"证据包中的 JSON 文件无法读取（{exc}）。")
            return _verdict(report, None)
        if manifest.get("format") != FORMAT:
            report.fail("manifest.json 不是督办证据包的清单。")
            return _verdict(report, None)
        what = manifest.get("description") or f"事件流 {manifest.get('stream')}"
        print(f"内容：{what}，事件 {len(evs)} 个，"
              f"检查点覆盖前 {cp.get('size')} 个事件，签署于 {cp.get('timestamp')}。")
        _print_claims(manifest)

        _check_manifest(zf, names, manifest, report)
        public = _check_key(key, cp, pinned_key, report)
        if public is not None:
            _check_signature(public, cp, report)
        try:
            _check_events(evs, manifest, report)
            _check_proofs(evs, proofs, cp, report)
            _check_attachments(zf, names, evs, report)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            report.fail(f"事件或证明的字段不完整或格式有误（{exc.__class__.__name__}: {exc}）。")
    return _verdict(report, cp)


def _print_claims(manifest: dict) -> None:
    """What the package says it holds, to compare with the bureau's own record: a stream or a
    period's end left out with the manifest rewritten to match shows only here."""
    try:
        streams = manifest.get("streams") or {}
        shown = "、".join(f"{sid} 第 {a}–{b} 版" for sid, (a, b) in sorted(streams.items())[:10])
        if shown:
            more = f" 等 {len(streams)} 个" if len(streams) > 10 else ""
            print(f"清单所记事件流：{shown}{more}。")
        positions = manifest.get("positions")
        if positions:
            print(f"清单所记时期内的位置：{positions[0]}–{positions[1]}。")
    except (AttributeError, TypeError, ValueError, IndexError):
        pass  # a malformed manifest fails the checks below, with their reasons


def _check_manifest(zf, names, manifest, report: Report) -> None:
    listed = manifest.get("files") or {}
    bad = [n for n, digest in listed.items()
           if n not in names or hashlib.sha256(zf.read(n)).hexdigest() != digest]
    unlisted = sorted(names - set(listed) - {"manifest.json"})
    if bad:
        report.fail(f"以下文件与清单记录的 SHA-256 不符或已缺失：{'、'.join(sorted(bad))}。")
    if unlisted:
        report.fail(f"以下文件不在清单中（被加入）：{'、'.join(unlisted)}。")
    if not bad and not unlisted:
        report.ok(f"清单所列 {len(listed)} 个文件的 SHA-256 全部相符。")


def _check_attachments(zf, names, evs: list[dict], report: Report) -> None:
    """Every file an event names is in the package, and its content has the hash the event
    recorded (the event's hash, and so the proof, covers that record)."""
    named: dict[str, str] = {}
    for e in evs:
        data = json.loads(e["data"]) if isinstance(e["data"], str) else e["data"]
        for f in (data or {}).get("attachments") or ():
            named.setdefault(f["sha256"], f.get("name") or f["sha256"])
    if not named:
        return
    missing = [n for sha, n in named.items() if f"attachments/{sha}" not in names]
    changed = [n for sha, n in named.items() if f"attachments/{sha}" in names
               and hashlib.sha256(zf.read(f"attachments/{sha}")).hexdigest() != sha]
    if missing:
        report.fail(f"事件所列附件不在证据包中：{'、'.join(missing)}。")
    if changed:
        report.fail(f"以下附件的内容与事件记录的 SHA-256 不符（被替换）：{'、'.join(changed)}。")
    if not missing and not changed:
        report.ok(f"事件所列 {len(named)} 个附件全部在包中，内容与事件记录的 SHA-256 相符。")


def _check_key(key: dict, cp: dict, pinned: str | None, report: Report) -> bytes | None:
    try:
        public = bytes.fromhex(key["public_key"])
        if len(public) != 32:
            raise ValueError("length")
    except (KeyError, TypeError, ValueError):
        report.fail("public_key.json 中的公钥格式有误（应为 32 字节的十六进制）。")
        return None
    key_id = hashlib.sha256(public).hexdigest()[:16]
    if key.get("key_id") != key_id or cp.get("key_id") != key_id:
        report.fail(f"公钥的编号应为 {key_id}，与 public_key.json 或检查点记录的编号不符。")
        return None
    if pinned is not None:
        if pinned.lower() != public.hex():
            report.fail("证据包中的公钥与您指定的公钥（--public-key）不同。")
            return None
        report.ok(f"公钥与您指定的公钥一致（密钥编号 {key_id}）。")
    else:
        report.ok(f"公钥编号 {key_id} 与公钥相符（请与督办系统公布的密钥编号核对）。")
    return public


def _check_signature(public: bytes, cp: dict, report: Report) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public).verify(bytes.fromhex(cp["signature"]),
                                                          signed_text(cp))
    except (InvalidSignature, KeyError, TypeError, ValueError):
        report.fail("检查点签名无效：检查点的内容（事件数、根哈希或时间）被改动过，或不是该密钥签署的。")
        return
    report.ok(f"检查点签名有效（Ed25519，覆盖前 {cp['size']} 个事件，根 {cp['root']}）。")


def _selection(manifest: dict) -> dict:
    """What the package selected; a version-1 manifest names one stream."""
    sel = manifest.get("selection")
    if isinstance(sel, dict):
        return sel
    return {"kind": "stream", "stream": manifest.get("stream")}


def _check_events(evs: list[dict], manifest: dict, report: Report) -> None:
    if not evs:
        report.fail("证据包中没有事件。")
        return
    sel = _selection(manifest)
    bad_hash = [e["position"] for e in evs if event_hash(e) != e["hash"]]
    if bad_hash:
        report.fail(f"以下位置的事件内容与其哈希不符（被改动）：{_positions(bad_hash)}。")
    else:
        report.ok(f"{len(evs)} 个事件的哈希由各字段重算，全部相符。")
    problems = []
    positions = [e["position"] for e in evs]
    if positions != sorted(positions) or len(set(positions)) != len(positions):
        problems.append("事件位置不是递增的")
    # each stream: versions without a gap, from the first to the last version the manifest
    # records (from 1 when the package holds whole streams)
    whole = sel.get("kind") == "stream" or (sel.get("kind") == "unit"
                                            and not (sel.get("from") or sel.get("to")))
    listed = manifest.get("streams")
    if listed is None:  # version 1: one whole stream
        listed = {sel.get("stream"): [1, max(e["version"] for e in evs)]}
    by_stream: dict[str, list[int]] = {}
    for e in evs:
        by_stream.setdefault(e["stream_id"], []).append(e["version"])
    strays = sorted(set(by_stream) - set(listed))
    if strays:
        problems.append(f"有事件不属于清单所列的事件流（{'、'.join(strays[:5])}）")
    for sid, (first, last) in sorted(listed.items()):
        versions = by_stream.get(sid, [])
        if whole and first != 1:
            problems.append(f"事件流 {sid} 不是从第 1 版开始")
        missing = sorted(set(range(first, last + 1)) - set(versions))
        if missing:
            problems.append(f"事件流 {sid} 版本号不连续，缺少第 {_positions(missing)} 版")
        elif versions != list(range(first, last + 1)):
            problems.append(f"事件流 {sid} 的版本重复或次序有误")
    if sel.get("kind") == "period":
        span = manifest.get("positions") or [None, None]
        missing = sorted(set(range(span[0], span[1] + 1)) - set(positions)) \
            if isinstance(span[0], int) and isinstance(span[1], int) else None
        if missing is None:
            problems.append("清单没有记录时期的首末位置")
        elif missing:
            problems.append(f"时期内的事件不全，缺少位置 {_positions(missing)} 的事件")
        elif positions[0] != span[0] or positions[-1] != span[1]:
            problems.append("事件位置超出清单所记的时期范围")
    broken = [b["position"] for a, b in zip(evs, evs[1:])
              if b["position"] == a["position"] + 1 and b["prev_hash"] != a["hash"]]
    if broken:
        problems.append(f"位置 {_positions(broken)} 的事件未链接到其前一个事件")
    if problems:
        report.fail("事件不完整或被改动：" + "；".join(problems) + "。")
    else:
        linked = sum(1 for a, b in zip(evs, evs[1:]) if b["position"] == a["position"] + 1)
        runs = "；时期内的事件位置连续齐全" if sel.get("kind") == "period" else ""
        report.ok(f"{len(listed)} 个事件流的版本与清单所记首末版本之间连续齐全{runs}，"
                  f"相邻事件的链接 {linked} 处全部相符。")


def _check_proofs(evs: list[dict], proofs: list[dict], cp: dict, report: Report) -> None:
    by_position = {p["position"]: p for p in proofs}
    root = bytes.fromhex(cp["root"])
    size = cp["size"]
    failed = []
    for e in evs:
        p = by_position.get(e["position"])
        if p is None or p["leaf_index"] != e["position"] - 1 or p["tree_size"] != size:
            failed.append(e["position"])
            continue
        got = root_from_inclusion(p["leaf_index"], size, leaf_hash(bytes.fromhex(e["hash"])),
                                  [bytes.fromhex(x) for x in p["path"]])
        if got != root:
            failed.append(e["position"])
    if failed:
        report.fail(f"以下位置的事件无法由包含证明推出检查点的根（事件或证明被改动，"
                    f"或事件不在检查点所签的日志中）：{_positions(failed)}。")
    else:
        report.ok(f"{len(evs)} 个事件的包含证明全部推出检查点的根：它们都在检查点所签的日志中。")


def _positions(values: list[int]) -> str:
    shown = "、".join(str(v) for v in values[:20])
    return shown + (f" 等 {len(values)} 处" if len(values) > 20 else "")


def _verdict(report: Report, cp: dict | None) -> int:
    if report.failures:
        print(f"结论：证据包未通过校验（{len(report.failures)} 项失败），不能证明其完整未被篡改。")
        return 1
    day = str(cp.get("timestamp", ""))[:10]
    print(f"结论：完整且未被篡改（截至检查点 {day}，签署于 {cp.get('timestamp')}）。")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="校验督办证据包（离线，不依赖督办系统）。")
    parser.add_argument("package", help="证据包 zip 文件")
    parser.add_argument("--public-key", default=None,
                        help="督办系统公布的公钥（64 位十六进制）；给出时须与证据包中的一致")
    args = parser.parse_args(argv)
    try:  # a console that cannot show a character shows "?" rather than stopping the check
        sys.stdout.reconfigure(errors="replace")
    except AttributeError:
        pass
    return check(args.package, args.public_key)


if __name__ == "__main__":
    sys.exit(main())
