"""One way to page through lists: ``?page=1&page_size=50`` in, ``{items, page, ...}`` out."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from kit.fields import Integer

__all__ = [
    "MAX_PAGE",
    "MAX_PAGE_SIZE",
    "PageArgs",
    "page_schema",
    "paginate",
]

MAX_PAGE_SIZE = 200
# Bounded so that the offset, (page - 1) x page_size, stays far inside what SQLite and
# PostgreSQL take (an unbounded page overflowed both: a 500). A page past the end is empty.
MAX_PAGE = 1_000_000


class PageArgs(Schema):
    page = Integer(1, MAX_PAGE, load_default=1)
    page_size = Integer(1, MAX_PAGE_SIZE, load_default=50)


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The response schema of a page of ``item_schema``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "page": fields.Integer(),
            "page_size": fields.Integer(),
            "total": fields.Integer(),
        },
        name=f"{item_schema.__name__.removesuffix('Schema')}Page",
    )


def paginate(session: Session, query: Select[Any], args: dict[str, int]) -> dict[str, Any]:
    """Run ``query`` (already ordered) for one page, with the total count."""
    page, size = args["page"], args["page_size"]
    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery()))
    items = session.execute(query.limit(size).offset((page - 1) * size)).scalars().all()
    return {"items": items, "page": page, "page_size": size, "total": total.scalar_one()}
