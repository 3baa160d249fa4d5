"""One OpenAPI document for the whole platform, merged from the services' own documents.

Each service describes its API at ``/openapi.json`` relative to itself. Behind the gateway its
paths live under ``/api/v1/<service>``, and two services may both have a schema called
``Announcement``; so every path is prefixed, every component is renamed ``<service>.<name>``
(and every ``$ref`` to it rewritten), and tags and operation ids get the service as prefix.
A service that is down does not take the documentation down: it is listed under
``x-unavailable-services`` and the rest is served.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from typing import Any

from flask import Blueprint, Response, current_app, g

from gateway.proxy import is_forwarded
from gateway.upstreams import Upstream

log = logging.getLogger(__name__)

blueprint = Blueprint("openapi", __name__)

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
FAILURE_TTL = 5.0  # a service that was down is asked again soon, not after the full TTL
FETCH_READ_TIMEOUT = 5.0
_NOT_A_KEY_CHAR = re.compile(r"[^A-Za-z0-9._-]")  # component keys must match ^[a-zA-Z0-9._-]+$

Document = dict[str, Any]


def component_key(service: str, name: str) -> str:
    """The merged document's name for ``name`` from ``service``: ``identity.Announcement``."""
    return f"{service}.{_NOT_A_KEY_CHAR.sub('_', name)}"


def _unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


class _Renamer:
    """Rewrites one service's references to point into the merged document."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.prefix = f"/api/v1/{service}"

    def ref(self, ref: str) -> str:
        parts = ref.split("/")
        if ref.startswith("#/components/") and len(parts) >= 4:
            parts[3] = _escape(component_key(self.service, _unescape(parts[3])))
        elif ref.startswith("#/paths/") and len(parts) >= 3:
            parts[2] = _escape(self.prefix + _unescape(parts[2]))
        return "/".join(parts)

    def walk(self, node: Any) -> Any:
        """A rewritten copy of ``node``; the cached service document is never changed."""
        if isinstance(node, list):
            return [self.walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        copy: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                copy[key] = self.ref(value)
            elif key == "discriminator" and isinstance(value, dict):
                copy[key] = self.discriminator(value)
            else:
                copy[key] = self.walk(value)
        return copy

    def discriminator(self, discriminator: dict[str, Any]) -> dict[str, Any]:
        copy = dict(discriminator)
        mapping = discriminator.get("mapping")
        if isinstance(mapping, dict):
            copy["mapping"] = {
                value: (
                    self.ref(target)
                    if target.startswith("#/")
                    else component_key(self.service, target)
                )
                for value, target in mapping.items()
                if isinstance(target, str)
            }
        return copy

    def security(self, requirements: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {component_key(self.service, scheme): scopes for scheme, scopes in req.items()}
            for req in requirements
        ]


def service_part(service: str, document: Document) -> Document:
    """``document`` rewritten to sit under ``/api/v1/<service>`` in the merged document."""
    renamer = _Renamer(service)
    top_security = document.get("security")
    paths: dict[str, Any] = {}
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict) or not is_forwarded(path):
            continue  # the gateway does not forward it (a service's /metrics)
        item = renamer.walk(item)
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            if isinstance(operation.get("tags"), list):
                operation["tags"] = [f"{service}.{tag}" for tag in operation["tags"]]
            if isinstance(operation.get("operationId"), str):
                operation["operationId"] = f"{service}.{operation['operationId']}"
            # The service-wide requirement would not apply to the other services' operations.
            security = operation.get("security", top_security)
            if isinstance(security, list):
                operation["security"] = renamer.security(security)
        paths[renamer.prefix + path] = item
    components: dict[str, Any] = {}
    for section, entries in (document.get("components") or {}).items():
        if isinstance(entries, dict):
            components[section] = {
                component_key(service, name): renamer.walk(value) for name, value in entries.items()
            }
    tags = [
        {**renamer.walk(tag), "name": f"{service}.{tag['name']}"}
        for tag in document.get("tags") or []
        if isinstance(tag, dict) and isinstance(tag.get("name"), str)
    ]
    return {"paths": paths, "components": components, "tags": tags}


def _json(schema_ref: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": schema_ref}}},
    }


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/gateway.Problem"}}
        },
    }


def gateway_part() -> Document:
    """The gateway's own operations, in the same shape as a service part."""
    ops = {"tags": ["gateway"]}
    return {
        "paths": {
            "/healthz": {
                "get": {
                    **ops,
                    "summary": "The gateway process is alive (it does not ask the services).",
                    "responses": {"200": _json("#/components/schemas/gateway.Health", "Alive")},
                }
            },
            "/readyz": {
                "get": {
                    **ops,
                    "summary": "Ready when every service behind the gateway is ready.",
                    "responses": {
                        "200": _json("#/components/schemas/gateway.Ready", "All ready"),
                        "503": _problem("Some services are not ready; see upstreams"),
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    **ops,
                    "summary": "This document: every service's API behind the gateway.",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.0.3",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            "/api/docs": {
                "get": {
                    **ops,
                    "summary": "A readable page of this document.",
                    "responses": {
                        "200": {
                            "description": "HTML",
                            "content": {"text/html": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "gateway.Health": {
                    "type": "object",
                    "properties": {
                        "status": {"type": "string", "example": "ok"},
                        "service": {"type": "string", "example": "gateway"},
                    },
                },
                "gateway.Ready": {
                    "type": "object",
                    "properties": {
                        "status": {"type": "string", "example": "ready"},
                        "upstreams": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                            "example": {"identity": "ready"},
                        },
                    },
                },
                "gateway.Problem": {
                    "type": "object",
                    "description": "RFC 9457 problem details, as every error on the platform",
                    "properties": {
                        "type": {"type": "string", "example": "urn:thidua:problem:not-found"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "instance": {"type": "string"},
                        "request_id": {"type": "string"},
                        "service": {
                            "type": "string",
                            "description": "502, 503, 504: the service that failed",
                        },
                        "upstreams": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                            "description": "503 from /readyz: each service and its state",
                        },
                        "required_scope": {
                            "type": "string",
                            "description": "403: the OAuth scope the API client lacks",
                        },
                        "limit": {
                            "type": "string",
                            "enum": ["address", "client", "token"],
                            "description": "429: the rate limit exceeded",
                        },
                        "retry_after": {
                            "type": "integer",
                            "description": "429: seconds to wait, as Retry-After",
                        },
                        "max_bytes": {
                            "type": "integer",
                            "description": "413: the body limit that applied, in bytes",
                        },
                    },
                    "required": ["type", "title", "status"],
                },
            }
        },
        "tags": [{"name": "gateway", "description": "The gateway's own health and documents"}],
    }


def merge(documents: Mapping[str, Document | None]) -> Document:
    """The platform's document from each service's (``None`` for a service that is down)."""
    parts = [gateway_part()] + [
        service_part(name, doc) for name, doc in documents.items() if doc is not None
    ]
    merged: Document = {
        "openapi": "3.0.3",
        "info": {
            "title": "Thi đua — API",
            "version": "v1",
            "description": (
                "Mọi dịch vụ của nền tảng Thi đua qua cổng API; lỗi theo RFC 9457 "
                "(application/problem+json). Every service of the Thi đua platform through "
                "the gateway; errors are RFC 9457 problem details. "
                "Mỗi yêu cầu cần mã truy cập (Authorization: Bearer) lấy từ "
                "POST /api/v1/identity/oauth/token, trừ các thao tác có security rỗng; quá "
                "giới hạn tần suất thì nhận 429 kèm Retry-After (giây). Every request needs a "
                "bearer token from POST /api/v1/identity/oauth/token, except operations whose "
                "security is empty (401 otherwise); an API client may call only the services "
                "its scopes name (<service>:read, <service>:write; 403 otherwise); over a rate "
                "limit the answer is 429 with Retry-After in seconds."
            ),
        },
        "paths": {},
        "components": {},
        "tags": [],
        "x-unavailable-services": [name for name, doc in documents.items() if doc is None],
    }
    for part in parts:
        merged["paths"].update(part["paths"])
        for section, entries in part["components"].items():
            merged["components"].setdefault(section, {}).update(entries)
        merged["tags"].extend(part["tags"])
    return merged


def _usable(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("paths"), dict)


class DocumentCache:
    """Each service's document, kept ``ttl`` seconds per process (it changes only on deploy)."""

    def __init__(self, upstreams: Mapping[str, Upstream], ttl: float, connect_timeout: float):
        self.upstreams = upstreams
        self.ttl = ttl
        self.timeout = (connect_timeout, FETCH_READ_TIMEOUT)
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Document | None]] = {}

    def _fetch(self, upstream: Upstream, request_id: str) -> Document | None:
        try:
            reply = upstream.session.get(
                upstream.url("/openapi.json"),
                headers={"X-Request-ID": request_id, "Accept": "application/json"},
                timeout=self.timeout,
                allow_redirects=False,
            )
            document = reply.json() if reply.status_code == 200 else None
        except Exception as error:  # down, slow or not JSON: all mean "not in the document"
            log.warning(
                "openapi of %s unavailable",
                upstream.name,
                extra={"upstream": upstream.name, "error": repr(error)[:500]},
            )
            return None
        if not _usable(document):
            log.warning(
                "openapi of %s unusable",
                upstream.name,
                extra={"upstream": upstream.name, "status": reply.status_code},
            )
            return None
        return document

    def documents(self, request_id: str) -> dict[str, Document | None]:
        now = time.monotonic()
        with self._lock:
            stale = [
                name
                for name in self.upstreams
                if name not in self._entries or self._entries[name][0] <= now
            ]
        if stale:
            with ThreadPoolExecutor(len(stale), thread_name_prefix="openapi") as pool:
                # Each fetch in a copy of this request's context: its log lines carry the id.
                futures = {
                    name: pool.submit(
                        copy_context().run, self._fetch, self.upstreams[name], request_id
                    )
                    for name in stale
                }
                fetched = {name: future.result() for name, future in futures.items()}
            with self._lock:
                for name, document in fetched.items():
                    ttl = self.ttl if document is not None else min(FAILURE_TTL, self.ttl)
                    self._entries[name] = (now + ttl, document)
        with self._lock:
            return {name: self._entries[name][1] for name in self.upstreams}


@blueprint.get("/api/openapi.json")
def document() -> Response:
    """The merged OpenAPI document; 200 even when some services are down."""
    cache: DocumentCache = current_app.extensions["gateway"].documents
    return current_app.json.response(merge(cache.documents(g.request_id)))
