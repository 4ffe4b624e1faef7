"""``gongzhi demo``: build the demo street (青（广）源街道) and show its overview.

By default the demo lives in its own file, ``<data dir>/demo.sqlite``, so that a
street's real database never receives demo data; ``--db`` chooses another target.
An existing demo is kept and shown; ``--rebuild`` moves it aside (into
``backups/``) and builds afresh. Nothing is overwritten. The demo runs with every
installed plugin (``--plugins a,b`` or ``GONGZHI_PLUGINS`` to choose), without
changing the site config.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gongzhi.core.cli.context import (
    console,
    err,
    parse_local_datetime,
    print_json,
    state,
    table,
    tr,
)
from gongzhi.core.config import data_dir
from gongzhi.core.db import Database
from gongzhi.core.models.types import utcnow
from gongzhi.core.models.vocab import OrgKind, PlaceKind, Status


def demo_database_url() -> str:
    return f"sqlite:///{data_dir() / 'demo.sqlite'}"


def demo(
    scale: str = typer.Option("small", "--scale", help="small（几秒）| street（6.8 万居民、10 万件诉求）"),
    seed: int = typer.Option(2014, "--seed", help="随机种子 / random seed (deterministic)"),
    rebuild: bool = typer.Option(False, "--rebuild", help="移走旧演示库并重建 / move the old demo aside and rebuild"),
    open_app: bool = typer.Option(True, "--open/--no-open", help="建好后打开界面（终端中）/ open the app afterwards (in a terminal)"),
    now: str | None = typer.Option(None, "--now", help="演示数据截止时间（默认当前整点）/ when the demo's history ends (default: this hour)"),
    plugins: str | None = typer.Option(
        None, "--plugins",
        help="演示启用的插件，逗号分隔；默认全部已安装插件（不写入配置）/ plugins the demo enables, "
             "comma-separated; default every installed plugin (the config is not changed)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """建立演示街道并显示概况 / build the demo street and print its overview."""
    from gongzhi.core.demo import SCALES, overview
    from gongzhi.core.errors import DomainError

    if scale not in SCALES:
        raise DomainError("input.invalid_choice", field="--scale", value=scale, choices=", ".join(SCALES))
    _choose_plugins(plugins)
    url = state.settings.database_url if state.db_url else demo_database_url()  # --db: a URL or a file
    db = Database(url)
    if rebuild and db.sqlite_path is not None and db.sqlite_path.exists():
        db.dispose()
        _move_aside(db.sqlite_path)
        db = Database(url)
    target = db.sqlite_path
    if target is not None and not target.exists():
        # a new SQLite demo is built under a temporary name and appears only when
        # complete: Ctrl+C (or any failure) leaves no half-built street behind
        db.dispose()
        building = target.with_name(f".{target.name}.building")
        _remove_sqlite(building)
        try:
            built = Database(f"sqlite:///{building}")
            _build(built, scale=scale, seed=seed, now=now, as_json=as_json)
            built.dispose()
            building.rename(target)
        except BaseException:
            _remove_sqlite(building)
            raise
        db = Database(url)
        _start_plugins(db)
        if not as_json:
            console.print(tr(f"演示街道已建成：{url}", f"demo street built: {url}"), markup=False, highlight=False)
    else:
        with db.read_session() if db.current_revision() else _nothing() as s:
            existing = overview(s) if s is not None else {"places": {}}
        if existing["places"].get(PlaceKind.street.value):
            _start_plugins(db)
            if not as_json:
                console.print(tr(f"演示街道已存在：{url}（--rebuild 重建）",
                                 f"the demo street exists: {url} (--rebuild to rebuild)"), markup=False, highlight=False)
        else:
            _build(db, scale=scale, seed=seed, now=now, as_json=as_json)
            if not as_json:
                console.print(tr(f"演示街道已建成：{url}", f"demo street built: {url}"), markup=False, highlight=False)
    if open_app and not as_json and state.can_open_app():
        state.open_app(db)
        return
    print_overview(db, as_json=as_json)


def _choose_plugins(plugins: str | None) -> None:
    """The demo shows what the toolkit can do: every installed plugin, unless ``--plugins``
    (or ``GONGZHI_PLUGINS``) names some. Only this run changes; the site config does not."""
    import os

    from gongzhi.core.errors import DomainError
    from gongzhi.core.plugins import PluginHost, available_plugins

    installed = list(available_plugins())
    if plugins is not None:
        names = [n.strip() for n in plugins.split(",") if n.strip()]
        unknown = [n for n in names if n not in installed]
        if unknown:
            raise DomainError("plugin.unknown", name=unknown[0], available=", ".join(installed) or "-")
    elif os.environ.get("GONGZHI_PLUGINS") is not None:
        return
    else:
        names = installed
    if state.host is not None and list(state.host.requested) == names:
        return
    old = state.host
    state.settings.plugins = names
    state.host = PluginHost(state.settings, names=names).load()
    if old is not None:
        old.close()


def _start_plugins(db: Database) -> None:
    db.ensure_ready()
    host = state.host
    if host is not None:
        host.upgrade(db)
        host.start(db)


@contextmanager
def _nothing():
    yield None


def _build(db: Database, *, scale: str, seed: int, now: str | None, as_json: bool) -> None:
    """Migrate, build the street with a progress bar, and add the enabled plugins' demo data."""
    from gongzhi.core.demo import STAGES, build_demo

    _start_plugins(db)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=as_json) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                zh, en = STAGES.get(stage, (stage, stage))
                tasks[stage] = bar.add_task(en if state.language == "en" else zh, total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        # the history ends now (to the hour), so the demo's dates are current; --now pins it
        end = parse_local_datetime(now) or utcnow().replace(minute=0, second=0, microsecond=0)
        # all or nothing: SQLite builds into a side file (see demo()); PostgreSQL builds the
        # street and the plugins' data in one transaction, so an interrupted or killed
        # build leaves the database as it was (the migrations above are committed first)
        with _nothing() if db.is_sqlite else db.one_transaction():
            build_demo(db, scale=scale, seed=seed, actor=state.actor, progress=progress, now=end)
            if state.host is not None:
                state.host.pm.hook.demo_data(db=db, actor=state.actor, seed=seed, scale=scale)


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _move_aside(path: Path) -> None:
    folder = path.parent / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(path) + suffix)
        if src.exists():
            src.rename(folder / f"{path.stem}-{stamp}{path.suffix}{suffix}")
    err(tr(f"旧演示库已移到 {folder}", f"old demo moved to {folder}"))


def print_overview(db: Database, *, as_json: bool = False) -> None:
    """The street at a glance: places, people, organisations, requests by status."""
    from gongzhi.core.demo import overview

    with db.read_session() as s:
        data = overview(s)
    if as_json:
        print_json(data)
        return
    lang = state.language
    table(
        [tr("地点", "places"), tr("数量", "count")],
        [[PlaceKind(k).label(lang), v] for k, v in data["places"].items()]
        + [[tr("居民", "people"), data["people"]]],
        title=(data.get("street") or tr("（尚无街道）", "(no street yet)")) + tr(" 概况", " overview"),
    )
    table(
        [tr("组织", "organisations"), tr("数量", "count")],
        [[OrgKind(k).label(lang), v] for k, v in data["organisations"].items()],
    )
    table(
        [tr("诉求状态", "request status"), tr("数量", "count")],
        [[Status(k).label(lang), v] for k, v in data["requests"].items()]
        + [[tr("超期未办结", "overdue"), data["overdue"]]],
    )
