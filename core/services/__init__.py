"""Service functions: the only way anything writes.

Each takes a session and the acting operator (keyword-only), validates, writes,
audits and commits as one transaction, then fires events; on a rule broken it
raises :class:`gongzhi.core.errors.DomainError` and writes nothing. The CLI, the TUI and
plugins call only these.
"""

from gongzhi.core.services.base import Actor

__all__ = ["Actor"]
