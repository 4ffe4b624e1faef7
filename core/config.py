"""Site configuration: one TOML file in the user config directory.

Precedence, highest first: command-line options, environment variables
(``GONGZHI_DATABASE_URL``, ``GONGZHI_LANG``, ``GONGZHI_OPERATOR``,
``GONGZHI_DATA_DIR``, ``GONGZHI_CONFIG``), the config file, the defaults below.
``gongzhi config path`` prints where the file lives.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from gongzhi.core.errors import DomainError

APP_NAME = "gongzhi"


def data_dir() -> Path:
    """Where the embedded database, attachments and backups live."""
    override = os.environ.get("GONGZHI_DATA_DIR")
    if override:
        path = Path(override)
    else:
        import platformdirs  # here, not at the top: the app's first frame needs no data folder

        path = Path(platformdirs.user_data_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_path() -> Path:
    override = os.environ.get("GONGZHI_CONFIG")
    if override:
        return Path(override)
    if os.environ.get("GONGZHI_DATA_DIR"):
        # an isolated data directory (tests, a second street) carries its own config
        return Path(os.environ["GONGZHI_DATA_DIR"]) / "config.toml"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def as_database_url(value: str) -> str:
    """A database URL as given, or a file path (``street.sqlite``, ``~/gz.db``) as the URL
    of that SQLite file: ``--db`` and ``GONGZHI_DATABASE_URL`` take either."""
    value = value.strip()
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'gongzhi.sqlite'}"


@dataclass
class RateSettings:
    """How the three rates are computed (docs/rates.md explains each)."""

    response_hours: int = 24
    weight_response: int = 30
    weight_resolution: int = 35
    weight_satisfaction: int = 35
    # how much a "basically satisfied" answer counts, in percent of "satisfied"
    basically_satisfied_percent: int = 100


@dataclass
class Settings:
    database_url: str = ""
    language: str = "zh"
    operator: str = "local"
    ref_prefix: str = "QY"
    street_name: str = ""
    attachment_max_mb: int = 20
    plugins: list[str] = field(default_factory=list)
    # binding id -> key, e.g. {"requests.new": "ctrl+k"} (Textual keymap)
    keys: dict[str, str] = field(default_factory=dict)
    rates: RateSettings = field(default_factory=RateSettings)
    # True when no config, environment or option named a database (not a config key)
    database_is_default: bool = field(default=False, repr=False, compare=False)

    def to_toml(self) -> dict[str, Any]:
        return {
            "database_url": self.database_url,
            "language": self.language,
            "operator": self.operator,
            "ref_prefix": self.ref_prefix,
            "street_name": self.street_name,
            "attachment_max_mb": self.attachment_max_mb,
            "plugins": list(self.plugins),
            "keys": dict(self.keys),
            "rates": dict(self.rates.__dict__),
        }


def _locale_language() -> str:
    """English when the locale asks for it; Chinese otherwise.

    Only the environment is read (as POSIX does): the C/POSIX locale is no preference,
    and ``locale.getlocale()`` is not asked, because Python 3.11 reports a coerced
    ``C.UTF-8`` as ``en_US`` — a machine with no locale set would open in English.
    """
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value and value.split(".")[0].upper() not in ("C", "POSIX"):
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file (if any) and apply the environment on top."""
    path = path or config_path()
    settings = Settings(language=_locale_language())
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DomainError("config.invalid", path=str(path), detail=str(exc)) from exc
        rates = raw.pop("rates", {}) or {}
        for key, value in raw.items():
            if not hasattr(settings, key) or key == "database_is_default":
                raise DomainError("config.invalid", path=str(path), detail=f"unknown key {key!r}")
            setattr(settings, key, value)
        for key, value in rates.items():
            if not hasattr(settings.rates, key):
                raise DomainError("config.invalid", path=str(path), detail=f"unknown key rates.{key}")
            setattr(settings.rates, key, int(value))
    env = os.environ
    if env.get("GONGZHI_DATABASE_URL"):
        settings.database_url = as_database_url(env["GONGZHI_DATABASE_URL"])
    if env.get("GONGZHI_LANG"):
        settings.language = env["GONGZHI_LANG"]
    if env.get("GONGZHI_OPERATOR"):
        settings.operator = env["GONGZHI_OPERATOR"]
    if not settings.database_url:
        settings.database_url = default_database_url()
        settings.database_is_default = True
    if settings.language not in ("zh", "en"):
        settings.language = "zh"
    return settings


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = settings.to_toml()
    if data["database_url"] == default_database_url():
        data["database_url"] = ""
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    tmp.replace(path)
    return path


def update_config_file(path: Path | None = None, **changes: Any) -> Path:
    """Change some keys of the config file, leaving the others as written.

    Unlike :func:`save_settings`, values that came from the environment or the
    command line for this run are never written back.
    """
    path = path or config_path()
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DomainError("config.invalid", path=str(path), detail=str(exc)) from exc
    raw.update(changes)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(raw), encoding="utf-8")
    tmp.replace(path)
    return path
