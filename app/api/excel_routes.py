"""Excel over HTTP: upload an import, download an export or a template.

POST /api/v1/imports/{projects|progress|tasks}          multipart ``file``: check and apply, or nothing
POST /api/v1/imports/{projects|progress|tasks}/check    the same check, never applied
POST /api/v1/imports/{projects|progress|tasks}/marked   the upload back with its bad cells marked
GET  /api/v1/exports                                    the exports there are
GET  /api/v1/exports/{name}.xlsx?as_of=&month=          an export, as of an instant
GET  /api/v1/templates/{projects|progress|tasks}.xlsx   an import template
"""
from __future__ import annotations

import io

from flask import Blueprint, Response, current_app, jsonify, request, send_file
from marshmallow import Schema, fields, validate

from ..domain.errors import InvalidCommand, NotFound
from ..excel import XLSX, import_kinds, limits_from
from ..excel.importing import import_file
from ..limits.web import allows_upload
from .blueprint import current_actor, services
from .queries import AsOfArgs, parse_args, written_position

_FORM_OVERHEAD = 64 * 1024  # multipart boundaries and headers around the file itself


class ExportArgs(AsOfArgs):
    month = fields.String(load_default=None, validate=validate.Regexp(
        r"^\d{4}-(0[1-9]|1[0-2])$", error="月份格式应为 YYYY-MM。"))
    stream = fields.String(load_default=None, validate=validate.Length(max=120))
    through = fields.String(load_default=None, validate=validate.Regexp(
        r"^\d{4}-(0[1-9]|1[0-2])(-\d{2})?$", error="截止时间格式应为 YYYY-MM 或 YYYY-MM-DD。"))


def _kind(kind: str):
    kinds = import_kinds()
    if kind not in kinds:
        raise NotFound(f"没有名为“{kind}”的导入，可选：projects（项目清单）、progress（月度进度）、tasks（督办事项清单）。")
    return kinds[kind]


def _upload() -> bytes:
    limits = limits_from(current_app.config)
    too_big = InvalidCommand(f"文件过大，上限为 {limits.max_bytes / 1048576:.0f} MB，请分批导入。")
    if request.content_length is not None and request.content_length > limits.max_bytes + _FORM_OVERHEAD:
        raise too_big  # refused before the body is read
    upload = request.files.get("file")
    if upload is None:
        raise InvalidCommand("请以 multipart/form-data 上传文件，字段名为 file。",
                             {"file": ["必填项，不能为空。"]})
    data = upload.stream.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise too_big
    return data


def _run(kind: str, dry_run: bool):
    actor = current_actor()
    spec = _kind(kind)
    data = _upload()
    return import_file(services(), spec, data, actor, limits=limits_from(current_app.config),
                       dry_run=dry_run)


@allows_upload(lambda config: limits_from(config).max_bytes)
def import_upload(kind: str):
    result = _run(kind, dry_run=False)
    report = result.report
    if not result.ok:
        return jsonify({"error": {"code": "import_rejected", "message": report["message"]},
                        "report": report}), 400
    return jsonify(report), 201 if report["events"] else 200


@allows_upload(lambda config: limits_from(config).max_bytes)
def import_check(kind: str):
    result = _run(kind, dry_run=True)
    return jsonify(result.report), 200


@allows_upload(lambda config: limits_from(config).max_bytes)
def import_marked(kind: str):
    result = _run(kind, dry_run=True)
    if result.ok:
        return jsonify(result.report), 200  # nothing to mark
    marked = result.marked_copy()
    if marked is None:  # not a workbook: nothing to mark, the report says why
        return jsonify({"error": {"code": "import_rejected", "message": result.report["message"]},
                        "report": result.report}), 400
    name = (request.files["file"].filename or f"{kind}.xlsx").rsplit(".", 1)[0]
    return _xlsx_bytes(marked, f"{name}.错误标注.xlsx")


def _xlsx_bytes(data: bytes, filename: str) -> Response:
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=filename)


def export_list():
    from ..excel.exports import export_specs

    current_actor()  # 401 without a token, as every other route
    return jsonify([{"name": s.name, "title": s.title, "summary": s.summary,
                     "month": s.uses_month, "options": list(s.options)}
                    for s in export_specs().values()])


def export_download(name: str):
    from ..excel.exports import export_file, export_specs

    actor = current_actor()
    args = parse_args(ExportArgs, dict(request.args))
    specs = export_specs()
    if name not in specs:
        raise NotFound(f"没有名为“{name}”的导出，可选：{'、'.join(specs)}。")
    svc = services()
    fh = export_file(svc, name, actor, as_of=args["as_of"],
                     params={k: args[k] for k in ("month", "stream", "through") if args.get(k)},
                     org=current_app.config.get("EXCEL_ORG_NAME"), after=written_position())
    day = (args["as_of"] or svc.clock()).astimezone(svc.tz).date()
    return send_file(fh, mimetype=XLSX, as_attachment=True,
                     download_name=specs[name].download_name(day, args.get("month")))


def template_download(kind: str):
    from ..excel.templates import build_template

    actor = current_actor()
    spec = _kind(kind)
    month = request.args.get("month") or None
    data = build_template(services(), kind, actor, month=month)
    return _xlsx_bytes(data, f"{spec.title}导入模板.xlsx")


# -- the OpenAPI document -----------------------------------------------------------
class ImportIssue(Schema):
    row = fields.Integer(allow_none=True, metadata={"description": "行号（文件中的行）"})
    column = fields.String(allow_none=True, metadata={"description": "列名（文件中的写法）"})
    cell = fields.String(allow_none=True, metadata={"description": "单元格，如 C5"})
    message = fields.String()


class ImportReport(Schema):
    ok = fields.Boolean()
    kind = fields.String()
    title = fields.String()
    sheet = fields.String(allow_none=True)
    header_row = fields.Integer(allow_none=True)
    rows = fields.Integer()
    dry_run = fields.Boolean()
    unchanged_rows = fields.Integer()
    blank_rows = fields.Integer()
    commands = fields.Dict(keys=fields.String(), values=fields.Integer())
    events = fields.Integer()
    correlation_id = fields.String(allow_none=True)
    message = fields.String()
    errors = fields.List(fields.Nested(ImportIssue))
    warnings = fields.List(fields.String(), metadata={
        "description": "已导入但可能并非本意的情况（如隐藏行）"})


class ImportRejected(Schema):
    """400: the error, and for a file that was read, the report of each bad cell."""
    error = fields.Nested("ErrorBody", required=True)
    report = fields.Nested(ImportReport)


class ExportInfo(Schema):
    name = fields.String()
    title = fields.String()
    summary = fields.String()
    month = fields.Boolean(metadata={"description": "是否接受 month 参数"})
    options = fields.List(fields.String())


_UPLOAD = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "Excel 文件（.xlsx）"}}}}}}
_WORKBOOK = {XLSX: {"schema": {"type": "string", "format": "binary"}}}


def describe_excel_routes(spec, error_responses, path_params) -> None:
    """The Excel routes in the OpenAPI document (apispec's APISpec), as registered below; the
    document's helpers are passed in, as to the other parts that describe their own routes."""
    from ..excel.exports import export_specs

    spec.components.schema("ImportReport", schema=ImportReport)
    kinds = {"kind": list(import_kinds())}
    report = {"application/json": {"schema": "ImportReport"}}
    rejected = {"description": "文件有误（report 逐格说明），或未上传文件",
                "content": {"application/json": {"schema": ImportRejected}}}
    common = {"security": [{"bearer": []}], "tags": ["Excel"]}
    kinds_text = "projects（项目清单）、progress（月度进度）、tasks（督办事项清单）"
    spec.path("/imports/{kind}", operations={"post": {
        **common, "operationId": "import_upload", "summary": "导入 Excel（全部成功才写入）",
        "description": f"kind：{kinds_text}。任何一行有误则整个文件不导入，返回逐格错误报告；"
                       "重复导入同一文件不产生新记录。",
        "parameters": path_params("/imports/{kind}", kinds), "requestBody": _UPLOAD,
        "responses": {"201": {"description": "已导入", "content": report},
                      "200": {"description": "与台账一致，没有变更", "content": report},
                      "400": rejected, **error_responses(["401", "403", "404", "413"])}}})
    spec.path("/imports/{kind}/check", operations={"post": {
        **common, "operationId": "import_check", "summary": "检查 Excel（不写入）",
        "parameters": path_params("/imports/{kind}/check", kinds), "requestBody": _UPLOAD,
        "responses": {"200": {"description": "检查结果（ok 为 false 时 errors 逐格说明）",
                              "content": report},
                      **error_responses(["400", "401", "403", "404", "413"])}}})
    spec.path("/imports/{kind}/marked", operations={"post": {
        **common, "operationId": "import_marked", "summary": "返回标出错误单元格的文件",
        "parameters": path_params("/imports/{kind}/marked", kinds), "requestBody": _UPLOAD,
        "responses": {"200": {"description": "标注了错误的文件；文件无误时为检查结果",
                              "content": {**_WORKBOOK, **report}},
                      "400": rejected, **error_responses(["401", "403", "404", "413"])}}})
    spec.path("/exports", operations={"get": {
        **common, "operationId": "export_list", "summary": "可用的导出",
        "responses": {"200": {"description": "导出清单", "content": {"application/json": {
            "schema": ExportInfo(many=True)}}}, **error_responses(["401"])}}})
    names = list(export_specs())
    spec.path("/exports/{name}.xlsx", operations={"get": {
        **common, "operationId": "export_download", "summary": "下载导出（可按时点）",
        "description": "name：" + "、".join(names) + "。",
        "parameters": path_params("/exports/{name}.xlsx", {"name": names})
        + [{"in": "query", "schema": ExportArgs}],
        "responses": {"200": {"description": "Excel 文件", "content": _WORKBOOK},
                      **error_responses(["400", "401", "403", "404"])}}})
    spec.path("/templates/{kind}.xlsx", operations={"get": {
        **common, "operationId": "template_download", "summary": "下载导入模板",
        "description": f"kind：{kinds_text}。",
        "parameters": path_params("/templates/{kind}.xlsx", kinds) + [
            {"in": "query", "name": "month", "schema": {"type": "string"},
             "description": "progress：填报月份 YYYY-MM（默认上月）"}],
        "responses": {"200": {"description": "Excel 模板", "content": _WORKBOOK},
                      **error_responses(["400", "401", "403", "404"])}}})


def register_excel_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/imports/<kind>", view_func=import_upload, methods=["POST"])
    bp.add_url_rule("/imports/<kind>/check", view_func=import_check, methods=["POST"])
    bp.add_url_rule("/imports/<kind>/marked", view_func=import_marked, methods=["POST"])
    bp.add_url_rule("/exports", view_func=export_list, methods=["GET"])
    bp.add_url_rule("/exports/<name>.xlsx", view_func=export_download, methods=["GET"])
    bp.add_url_rule("/templates/<kind>.xlsx", view_func=template_download, methods=["GET"])
