"""Requests as Open311 GeoReport v2 documents (issue 17, item 5), for systems that speak it.

GeoReport v2 (https://wiki.open311.org/GeoReport_v2) has two read endpoints whose JSON
documents this writes to files:

- ``GET services`` — an array of services: ``service_code``, ``service_name``,
  ``description``, ``metadata``, ``type``, ``keywords``, ``group``. A service is a
  request category (its code, its name in the chosen language); ``metadata`` is false
  (no extra attributes), ``type`` is ``realtime``, ``group`` is the category's source
  (the core or the plugin that contributed it).
- ``GET requests`` — an array of service requests: ``service_request_id`` (the ref),
  ``status`` (``open`` or ``closed``: every finished status of the lifecycle is
  closed), ``status_notes`` (the status in words), ``service_name``, ``service_code``,
  ``description`` (title, then description), ``agency_responsible`` (the lead
  organisation), ``service_notice``, ``requested_datetime``, ``updated_datetime``,
  ``expected_datetime`` (the due time), ``address`` (the place's path, street to place),
  ``address_id`` (the place id), ``zipcode``, ``lat``, ``long`` (null: places carry no
  coordinates) and ``media_url`` (null). Times are W3C date-times with the +08:00 offset.

Personal data stays home: no reporter, and mobile or ID numbers typed into a title or
description are masked. An existing file is never overwritten; the export is audited.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from gongzhi.core.models.orgs import Organisation
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request, RequestCategory
from gongzhi.core.models.types import LOCAL_TZ, utcnow
from gongzhi.core.models.vocab import OPEN_STATUSES, Status
from gongzhi.core.permissions import requires
from gongzhi.core.services.base import Actor, audit, check_output_path, save_new_file, transaction
from gongzhi.core.services.requests import RequestFilter, scoped_conditions
from gongzhi.core.validation import mask_id_number, mask_phone

SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")
REQUEST_FIELDS = (
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
)
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![\dXx])\d{17}[\dXx](?![\dXx])")


@dataclass
class Open311Result:
    requests_path: Path
    services_path: Path
    requests: int
    services: int


def services_path_for(path: Path) -> Path:
    """Where the services document goes beside ``requests.json``: ``requests.services.json``."""
    return path.with_name(f"{path.stem}.services.json")


def scrub(text: str) -> str:
    """``text`` with mobile and ID numbers masked as everywhere else."""
    text = _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)
    return _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)


def w3c(dt: datetime | None) -> str | None:
    return dt.astimezone(LOCAL_TZ).isoformat(timespec="seconds") if dt is not None else None


@requires("request.read", confine=True)
def export_open311(
    session: Session, *, actor: Actor, path: Path, flt: RequestFilter | None = None, lang: str = "zh",
) -> Open311Result:
    """Write the requests matching ``flt`` to ``path`` and the services (categories) beside
    it: those of the places the actor may read."""
    path = check_output_path(path)
    services_path = check_output_path(services_path_for(path))
    en = lang == "en"
    categories = list(session.scalars(select(RequestCategory).order_by(RequestCategory.code)))
    services = [
        {"service_code": c.code, "service_name": c.name_en if en else c.name_zh,
         "description": f"{c.name_zh} / {c.name_en}", "metadata": False, "type": "realtime",
         "keywords": c.code.replace("_", " "), "group": c.source}
        for c in categories
    ]
    by_id = {c.id: c for c in categories}
    places = {p.id: (p.name, p.path) for p in session.scalars(select(Place))}
    orgs = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    conditions = scoped_conditions(session, flt, actor, now=utcnow())
    rows: list[dict[str, Any]] = []
    for r in session.scalars(select(Request).where(*conditions).order_by(Request.id)):
        category = by_id.get(r.category_id)
        status = Status(r.status)
        text = r.title + (f"\n{r.description}" if r.description else "")
        rows.append({
            "service_request_id": r.ref,
            "status": "open" if status in OPEN_STATUSES else "closed",
            "status_notes": status.label(lang),
            "service_name": (category.name_en if en else category.name_zh) if category else None,
            "service_code": category.code if category else None,
            "description": scrub(text),
            "agency_responsible": orgs.get(r.lead_org_id) if r.lead_org_id else None,
            "service_notice": None,
            "requested_datetime": w3c(r.created_at),
            "updated_datetime": w3c(r.updated_at),
            "expected_datetime": w3c(r.due_at),
            "address": _address(places, r.place_id),
            "address_id": str(r.place_id),
            "zipcode": None,
            "lat": None,
            "long": None,
            "media_url": None,
        })
    for target, document in ((path, rows), (services_path, services)):
        text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
        save_new_file(target, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
    with transaction(session):
        audit(session, actor, "request.export_open311", "request", None, None,
              {"path": str(path), "services_path": str(services_path), "rows": len(rows)})
    return Open311Result(path, services_path, len(rows), len(services))


def _address(places: dict[int, tuple[str, str | None]], place_id: int) -> str | None:
    name, path = places.get(place_id, (None, None))
    if name is None:
        return None
    ids = [int(p) for p in (path or "").strip("/").split("/") if p]
    return " / ".join(places[i][0] for i in ids if i in places) or name
