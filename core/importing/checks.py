"""The services' look-ups and permission checks for an import, each asked once per id
(results and refusals remembered), read-only: the dry run (:func:`gongzhi.core.importing.requests.plan_requests`)
asks them to tie each refusal to its column and value, and the batched commit
(:mod:`gongzhi.core.importing.batch`) asks them again inside its transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.permissions import check
from gongzhi.core.services.base import Actor, choice, optional_text
from gongzhi.core.services.categories import get_category
from gongzhi.core.services.orgs import get_organisation
from gongzhi.core.services.people import get_person
from gongzhi.core.services.places import get_place

NOTE_MAX = 2000  # a timeline note's limit (services.requests)


class Checks:
    """The services' look-ups and permission checks, each asked once (results and refusals
    remembered)."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session, self.actor = session, actor
        self._memo: dict[tuple, Any] = {}

    def _once(self, key: tuple, fn: Callable[[], Any]) -> Any:
        try:
            found = self._memo[key]
        except KeyError:
            try:
                found = fn()
            except DomainError as exc:
                found = exc
            self._memo[key] = found
        if isinstance(found, DomainError):
            raise found
        return found

    def preload(self, kind: str, model, ids) -> None:
        """Read the rows of these ids at once (500 a query) for the look-ups to find."""
        wanted = sorted({i for i in ids if i is not None and (kind, i) not in self._memo})
        for i in range(0, len(wanted), 500):
            for obj in self.session.scalars(select(model).where(model.id.in_(wanted[i:i + 500]))):
                self._memo[(kind, obj.id)] = obj

    def category(self, category_id: int):
        def get():
            category = get_category(self.session, category_id)
            if not category.active:
                raise DomainError("category.not_found", ref=category_id)
            return category
        return self._once(("category", category_id), get)

    def place(self, place_id: int):
        return self._once(("place", place_id), lambda: get_place(self.session, place_id))

    def person(self, person_id: int):
        return self._once(("person", person_id), lambda: get_person(self.session, person_id))

    def organisation(self, org_id: int):
        return self._once(("org", org_id), lambda: get_organisation(self.session, org_id))

    def allowed(self, permission: str, place_id: int) -> None:
        self._once(("perm", permission, place_id), lambda: check(self.session, self.actor, permission, place_id))

    def choice(self, enum, value: str, field: str):
        return self._once(("choice", field, value), lambda: choice(enum, value, field))

    def note(self, note: str) -> str:
        return self._once(("note", note), lambda: optional_text(note, "public_note", max_len=NOTE_MAX))
