"""``/api/docs``: a readable page of the merged OpenAPI document, with nothing to download.

The platform runs offline (a ministry's closed network), so the page carries its own CSS and
JavaScript instead of loading Swagger UI from a CDN. It reads ``openapi.json`` next to it and
lists the operations by service and tag. Text from the document is inserted with
``textContent`` only, and the Content-Security-Policy forbids anything but this page and that
one fetch.
"""

from __future__ import annotations

from flask import Blueprint, Response

blueprint = Blueprint("docs", __name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

PAGE = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Thi đua — Tài liệu API (API documentation)</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 72rem;
         padding: 1rem 1.5rem; color: #1d2733; }
  h1 { font-size: 1.5rem; margin-bottom: .25rem; }
  h2 { border-bottom: 2px solid #b3261e; padding-bottom: .2rem; margin-top: 2rem; }
  h3 { color: #44546a; margin: 1.2rem 0 .4rem; }
  .en { color: #6b7785; font-weight: normal; }
  .warn { background: #fff4e5; border-left: 4px solid #e08a00; padding: .5rem .8rem; }
  details { border: 1px solid #d5dbe3; border-radius: 4px; margin: .3rem 0; }
  summary { cursor: pointer; padding: .35rem .6rem; display: flex; gap: .7rem;
            align-items: baseline; }
  .method { font: bold 12px monospace; color: #fff; border-radius: 3px; padding: 2px 6px;
            min-width: 4rem; text-align: center; background: #5f6b7a; }
  .get { background: #1f6feb; } .post { background: #1a7f37; } .delete { background: #cf222e; }
  .put, .patch { background: #9a6700; }
  .path { font-family: monospace; font-weight: bold; }
  .body { padding: .2rem 1rem .8rem; }
  table { border-collapse: collapse; margin: .3rem 0; }
  td, th { border: 1px solid #d5dbe3; padding: .2rem .5rem; text-align: left;
           vertical-align: top; }
  code { font-family: monospace; }
  input { width: 100%; padding: .4rem; margin: .6rem 0; box-sizing: border-box; }
</style>
</head>
<body>
<h1>Tài liệu API Thi đua <span class="en">(Thi đua API documentation)</span></h1>
<p id="status">Đang tải tài liệu… <span class="en">(loading the document…)</span></p>
<input id="filter" type="search"
  placeholder="Lọc theo đường dẫn hoặc mô tả (filter by path or summary)">
<main id="content"></main>
<script>
"use strict";
const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"];
let doc = null;

function el(tag, cls, ...children) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
function bilingual(tag, vi, en) { return el(tag, "", vi + " ", el("span", "en", "(" + en + ")")); }

function resolve(obj) {
  // Follows a local $ref ("#/components/...") once; the merged document has no other kind.
  if (!obj || typeof obj.$ref !== "string" || !obj.$ref.startsWith("#/")) return obj || {};
  let node = doc;
  for (const part of obj.$ref.slice(2).split("/")) {
    node = node && node[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return node || {};
}
function schemaName(schema) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.type === "array") return "[" + schemaName(schema.items) + "]";
  return schema.type || "object";
}
function contentSchemas(content) {
  return Object.entries(content || {})
    .map(([type, media]) => schemaName(media.schema) + " (" + type + ")").join(", ");
}
function serviceOf(path) {
  const match = /^\\/api\\/v1\\/([^/]+)/.exec(path);
  return match ? match[1] : "gateway";
}

function table(headings, rows) {
  const head = el("tr", "", ...headings.map((h) => el("th", "", h)));
  return el("table", "", head, ...rows.map((r) => el("tr", "", ...r.map((c) => el("td", "", c)))));
}

function operationBlock(path, method, op, pathParams) {
  const box = el("details", "");
  box.dataset.search = (path + " " + (op.summary || "") + " " + (op.description || ""))
    .toLowerCase();
  box.append(el("summary", "", el("span", "method " + method, method.toUpperCase()),
    el("span", "path", path), el("span", "", op.summary || "")));
  const body = el("div", "body");
  if (op.description && op.description !== op.summary) body.append(el("p", "", op.description));
  if (op.operationId) body.append(el("p", "", "operationId: ", el("code", "", op.operationId)));
  const params = [...pathParams, ...(op.parameters || [])].map(resolve);
  if (params.length) {
    body.append(bilingual("h4", "Tham số", "Parameters"));
    body.append(table(["Tên (name)", "Vị trí (in)", "Bắt buộc (required)", "Kiểu (type)"],
      params.map((p) => [p.name, p.in, p.required ? "có (yes)" : "không (no)",
        schemaName(p.schema)])));
  }
  if (op.requestBody) {
    const rb = resolve(op.requestBody);
    body.append(bilingual("h4", "Nội dung gửi", "Request body"));
    body.append(el("p", "", el("code", "", contentSchemas(rb.content)),
      rb.required ? " — bắt buộc (required)" : ""));
  }
  const responses = Object.entries(op.responses || {});
  if (responses.length) {
    body.append(bilingual("h4", "Phản hồi", "Responses"));
    body.append(table(["Mã (status)", "Mô tả (description)", "Lược đồ (schema)"],
      responses.map(([status, r]) => {
        const resolved = resolve(r);
        const name = r.$ref ? r.$ref.split("/").pop() + " " : "";
        return [status, resolved.description || "", name + contentSchemas(resolved.content)];
      })));
  }
  box.append(body);
  return box;
}

function render(loaded) {
  doc = loaded;
  const content = document.getElementById("content");
  const status = document.getElementById("status");
  status.textContent = (doc.info && doc.info.title ? doc.info.title + " — " : "") +
    "phiên bản (version) " + ((doc.info && doc.info.version) || "?");
  const missing = doc["x-unavailable-services"] || [];
  if (missing.length) {
    content.append(el("p", "warn", "Dịch vụ chưa sẵn sàng, chưa có trong tài liệu: " +
      missing.join(", "), el("span", "en", " (unavailable, missing from this document)")));
  }
  const descriptions = {};
  for (const tag of doc.tags || []) descriptions[tag.name] = tag.description || "";
  const groups = {};  // service -> tag -> [block]
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const service = serviceOf(path);
      const tag = (op.tags && op.tags[0]) || service;
      ((groups[service] ||= {})[tag] ||= []).push(
        operationBlock(path, method, op, item.parameters || []));
    }
  }
  for (const [service, tags] of Object.entries(groups)) {
    const section = el("section", "");
    section.append(service === "gateway"
      ? bilingual("h2", "Cổng API", "gateway")
      : bilingual("h2", "Dịch vụ " + service, service + " service"));
    for (const [tag, blocks] of Object.entries(tags)) {
      section.append(el("h3", "", tag + (descriptions[tag] ? " — " + descriptions[tag] : "")));
      section.append(...blocks);
    }
    content.append(section);
  }
}

document.getElementById("filter").addEventListener("input", (event) => {
  const words = event.target.value.toLowerCase().trim();
  for (const box of document.querySelectorAll("details")) {
    box.hidden = words !== "" && !box.dataset.search.includes(words);
  }
});

fetch("openapi.json", { headers: { Accept: "application/json" } })
  .then((r) => { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
  .then(render)
  .catch((error) => {
    document.getElementById("status").textContent =
      "Không tải được tài liệu (could not load the document): " + error.message;
  });
</script>
</body>
</html>
"""


@blueprint.get("/api/docs")
def docs() -> Response:
    """The API documentation page (reads /api/openapi.json)."""
    response = Response(PAGE, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
