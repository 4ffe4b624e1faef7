"""Column-mapping profiles: which header names carry which field, and how the
export's categories and statuses map to gongzhi's (docs/importing.md).

Shipped profiles live here as TOML; a site adds its own as ``<name>.toml`` in
``<data dir>/import_profiles/`` (a site profile of a shipped name replaces it).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from gongzhi.core.errors import DomainError

FIELDS = ("ticket_number", "received_at", "channel", "category", "title", "content", "address",
          "reporter_phone", "status", "reply")
REQUIRED = ("ticket_number", "received_at", "category", "address")


@dataclass
class Profile:
    name: str
    columns: dict[str, list[str]]
    channel: str = "other"
    type: str = "help"
    categories: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    label_zh: str = ""
    label_en: str = ""

    def locate(self, header: list[str]) -> dict[str, int]:
        """Field → column index for the fields this header carries."""
        found: dict[str, int] = {}
        for fld, names in self.columns.items():
            for name in names:
                if name in header:
                    found[fld] = header.index(name)
                    break
        return found


def _folders() -> list[Path]:
    from gongzhi.core.config import data_dir

    return [Path(__file__).parent, data_dir() / "import_profiles"]


def site_folder() -> Path:
    """Where a site's own profiles live (``<data dir>/import_profiles``)."""
    return _folders()[-1]


def available() -> list[str]:
    names = {p.stem for folder in _folders() if folder.is_dir() for p in folder.glob("*.toml")}
    return sorted(names)


def load_profile(name: str) -> Profile:
    path = None
    for folder in _folders():
        candidate = folder / f"{name}.toml"
        if candidate.is_file():
            path = candidate  # the site's folder comes last and wins
    if path is None or "/" in name or "\\" in name:
        raise DomainError("import.unknown_profile", name=name, available=", ".join(available()))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DomainError("config.invalid", path=str(path), detail=str(exc)) from None
    columns = {k: ([v] if isinstance(v, str) else list(v)) for k, v in data.get("columns", {}).items()}
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise DomainError("config.invalid", path=str(path), detail="unknown fields: " + ", ".join(unknown))
    return Profile(
        name=data.get("name", name),
        columns=columns,
        channel=data.get("channel", "other"),
        type=data.get("type", "help"),
        categories=dict(data.get("categories", {})),
        statuses=dict(data.get("statuses", {})),
        channels=dict(data.get("channels", {})),
        label_zh=data.get("label_zh", ""),
        label_en=data.get("label_en", ""),
    )


def guess_profile(header: list[str]) -> Profile:
    """The profile that finds the most of this header's columns, every required one among
    them (``--profile`` not given)."""
    best: tuple[int, Profile] | None = None
    for name in available():
        profile = load_profile(name)
        found = profile.locate(header)
        if all(f in found for f in REQUIRED) and (best is None or len(found) > best[0]):
            best = (len(found), profile)
    if best is None:
        raise DomainError("import.no_profile_fits", available=", ".join(available()))
    return best[1]


_NAME = re.compile(r"[\w\u4e00-\u9fff-]{1,40}")


def _toml_string(text: str) -> str:
    # a JSON string is a TOML basic string (the same escapes), kept readable for Chinese
    return json.dumps(text, ensure_ascii=False)


def profile_toml(profile: Profile) -> str:
    """The profile as the TOML :func:`load_profile` reads."""
    lines = [f"# {profile.label_zh or profile.name} / {profile.label_en or profile.name}",
             f"name = {_toml_string(profile.name)}"]
    for key in ("label_zh", "label_en", "channel", "type"):
        value = getattr(profile, key)
        if value:
            lines.append(f"{key} = {_toml_string(value)}")
    lines += ["", "[columns]"]
    for fld in FIELDS:
        names = profile.columns.get(fld)
        if names:
            lines.append(f"{fld} = [{', '.join(_toml_string(n) for n in names)}]")
    for table in ("categories", "statuses", "channels"):
        mapping = getattr(profile, table)
        if mapping:
            lines += ["", f"[{table}]"]
            lines += [f"{_toml_string(k)} = {_toml_string(v)}" for k, v in mapping.items()]
    return "\n".join(lines) + "\n"


def save_profile(profile: Profile, name: str) -> Path:
    """Write ``profile`` as the site's profile ``name`` (``<data dir>/import_profiles/<name>.toml``,
    replacing a site profile of that name; a shipped one of that name is shadowed, not
    touched). Returns the file written."""
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise DomainError("import.bad_profile_name", name=name)
    folder = site_folder()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.toml"
    saved = Profile(**{**profile.__dict__, "name": name})
    temporary = target.with_name(f".{name}.toml.tmp")
    temporary.write_text(profile_toml(saved), encoding="utf-8")
    temporary.replace(target)  # whole or not at all
    return target
