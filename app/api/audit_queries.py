"""Audit proofs over HTTP: checkpoints, the public key, inclusion and consistency proofs, evidence
packages, and the printed 督查通报 (which carries the latest checkpoint)."""
from __future__ import annotations

import io
import tempfile

from flask import Blueprint, current_app, jsonify, request, send_file
from marshmallow import Schema, fields, validate

from ..audit import proofs
from ..audit.checkpoints import checkpoints
from ..audit.package import build_package
from ..audit.selection import parse_selection
from ..domain.errors import InvalidCommand, NotAllowed
from ..events import tree
from ..files.blobs import blob_store
from .blueprint import current_actor, services
from .queries import AsOfArgs, QuerySpec, QueryView, parse_args, read, written_position

_POSITIVE = validate.Range(min=1, error="须为不小于 1 的整数。")


class NoArgs(Schema):
    pass


class CheckpointOut(Schema):
    size = fields.Integer()
    root = fields.String()
    timestamp = fields.String()
    key_id = fields.String()
    signature = fields.String()


class PublicKeyOut(Schema):
    key_id = fields.String()
    public_key = fields.String()


class InclusionArgs(Schema):
    position = fields.Integer(required=True, strict=False, validate=_POSITIVE,
                              metadata={"description": "事件的位置（从 1 起）"})
    size = fields.Integer(required=True, strict=False, validate=_POSITIVE,
                          metadata={"description": "树的大小（前多少个事件）"})


class InclusionOut(Schema):
    leaf_index = fields.Integer()
    tree_size = fields.Integer()
    path = fields.List(fields.String())


class ConsistencyArgs(Schema):
    first = fields.Integer(required=True, strict=False, validate=_POSITIVE,
                           metadata={"description": "较早的树的大小"})
    second = fields.Integer(required=True, strict=False, validate=_POSITIVE,
                            metadata={"description": "较晚的树的大小"})


class ConsistencyOut(Schema):
    first = fields.Integer()
    second = fields.Integer()
    path = fields.List(fields.String())


def _not_beyond(size: int, field: str, head: int) -> None:
    if size > head:
        raise InvalidCommand("查询参数有误。", {field: [f"日志现在只有 {head} 个事件，不能超过此数。"]})


def checkpoint_list(view: QueryView, args: dict) -> list[dict]:
    return checkpoints(view.conn, until_position=view.position)


def public_key(view: QueryView, args: dict) -> dict:
    signer = view.services.bus.resources.get("signer")
    if signer is None:
        raise NotAllowed("未配置审计签名密钥。")
    return {"key_id": signer.key_id(), "public_key": signer.public_key().hex()}


def inclusion_proof(view: QueryView, args: dict) -> dict:
    position, size = args["position"], args["size"]
    if position > size:
        raise InvalidCommand("查询参数有误。", {"position": ["位置不能大于树的大小 size。"]})
    engine = view.services.engine
    _not_beyond(size, "size", proofs.log_size(engine, view.conn))
    return proofs.inclusion(engine, position, size, view.conn)


def consistency_proof(view: QueryView, args: dict) -> dict:
    first, second = args["first"], args["second"]
    if first > second:
        raise InvalidCommand("查询参数有误。", {"first": ["first 不能大于 second。"]})
    engine = view.services.engine
    _not_beyond(second, "second", proofs.log_size(engine, view.conn))
    return proofs.consistency(engine, first, second, view.conn)


def package_download():
    """GET /audit/package?stream= | ?unit=[&from=&to=] | ?from=&to=: an evidence package
    (inspectors, admins)."""
    actor = current_actor()
    selection = parse_selection(*(request.args.get(k) for k in ("stream", "unit", "from", "to")))
    fh = tempfile.TemporaryFile(suffix=".zip")
    try:
        build_package(services(), selection, actor, fh, blob_store(current_app.config))
    except BaseException:
        fh.close()
        raise
    fh.seek(0)
    return send_file(fh, mimetype="application/zip", as_attachment=True,
                     download_name=f"证据包-{selection.file_label()}.zip")


def sign_checkpoint():
    """POST /audit/checkpoints: the command's answer, and the checkpoint it signed with it (its
    five fields at the top level), so that the answer itself can be kept."""
    from .commands import read_envelope

    actor = current_actor()
    body = request.get_json(silent=True)
    if body is None and request.content_length in (None, 0):
        body = {}
    if not isinstance(body, dict):
        raise InvalidCommand("请求内容必须是一个 JSON 对象。")
    command_id, expected = read_envelope(body)
    svc = services()
    tree.build(svc.engine)  # little left to do inside the append lock
    result = svc.bus.execute("sign_checkpoint", body, actor, command_id=command_id,
                             expected_version=expected,
                             correlation_id=request.headers.get("X-Correlation-ID"))
    with svc.engine.connect() as conn:
        position = result["events"][0]["position"] if result["events"] else result["position"]
        cp = checkpoints(conn, until_position=position, limit=1)
    return jsonify({**result, **(cp[0] if cp else {})}), 201


def bulletin_pdf(number: str):
    """GET /bulletins/{number}/bulletin.pdf (?as_of=): the 督查通报 as printed."""
    from ..pdf.bulletin import print_bulletin

    actor = current_actor()
    args = parse_args(AsOfArgs, dict(request.args))
    svc = services()
    data = read(svc, args["as_of"], written_position(), lambda conn, position: print_bulletin(
        svc, conn, position, actor, number, current_app.config.get("TASK_NOTICE_OFFICE")))
    return send_file(io.BytesIO(data), mimetype="application/pdf",
                     download_name=f"督查通报-{number.replace('/', '-')}.pdf")


def register_audit_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/audit/package", view_func=package_download, methods=["GET"])
    bp.add_url_rule("/bulletins/<path:number>/bulletin.pdf", view_func=bulletin_pdf,
                    methods=["GET"])

    # POST /audit/checkpoints is the sign_checkpoint command's route (and so in the OpenAPI
    # document); its view answers with the checkpoint besides the command's answer.
    @bp.record_once
    def _answer_with_the_checkpoint(state) -> None:
        state.app.view_functions[f"{bp.name}.command_sign_checkpoint"] = sign_checkpoint


QUERIES = [
    QuerySpec("/audit/checkpoints", checkpoint_list, AsOfArgs, "签名检查点（新的在前）",
              CheckpointOut(many=True), tags=("审计",)),
    QuerySpec("/audit/public-key", public_key, NoArgs, "检查点签名公钥（Ed25519）", PublicKeyOut,
              tags=("审计",)),
    QuerySpec("/audit/proof/inclusion", inclusion_proof, InclusionArgs,
              "包含证明：某位置的事件在前 size 个事件的默克尔树中（RFC 9162 §2.1.3）", InclusionOut,
              tags=("审计",)),
    QuerySpec("/audit/proof/consistency", consistency_proof, ConsistencyArgs,
              "一致性证明：前 second 个事件的树是前 first 个事件的树的延续（RFC 9162 §2.1.4）",
              ConsistencyOut, tags=("审计",)),
]
