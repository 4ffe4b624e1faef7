"""What the core's migration environment compares: only the core's own tables.

Plugin tables live on the same ``SQLModel.metadata`` once a plugin is enabled,
but belong to the plugin's own environment and version table.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlmodel import SQLModel


def core_metadata() -> MetaData:
    import gongzhi.core.models  # noqa: F401  (registers the tables)

    return SQLModel.metadata


# indexes a migration creates on one database only, outside the models: the
# PostgreSQL expression index of request search (0004; SQLite's is the FTS5 table
# ``request_fts``, not a core table either)
DATABASE_ONLY_INDEXES = frozenset({"ix_request_search"})
# columns likewise: request.search_vector, PostgreSQL's generated search column (0004)
DATABASE_ONLY_COLUMNS = frozenset({("request", "search_vector")})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    from gongzhi.core.models import CORE_TABLES

    if type_ == "index" and name in DATABASE_ONLY_INDEXES:
        return False
    if type_ == "column" and (getattr(getattr(obj, "table", None), "name", None), name) in DATABASE_ONLY_COLUMNS:
        return False
    if type_ == "table":
        return name in CORE_TABLES
    table = getattr(obj, "table", None)
    if table is not None:
        return table.name in CORE_TABLES
    return True
