"""``gongzhi notice add|list``."""

from __future__ import annotations

import typer

from gongzhi.core.cli.context import console, print_json, state, tr
from gongzhi.core.services.places import find_place

app = typer.Typer(help="公示栏 / notice board", no_args_is_help=True)


@app.command("add")
def add(title: str = typer.Argument(...), body: str = typer.Option("", "--body"),
        place: str | None = typer.Option(None, "--place")) -> None:
    """张贴公示 / post a notice."""
    from gongzhi_noticeboard.services import post_notice

    db = state.database()
    with db.session() as s:
        item = post_notice(s, actor=state.actor, title=title, body=body,
                           place_id=find_place(s, place).id if place else None)
    console.print(tr(f"已张贴公示 {item.id}", f"posted notice {item.id}"), markup=False)


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json")) -> None:
    """公示列表 / list notices."""
    from gongzhi_noticeboard.services import list_notices

    db = state.database()
    with db.read_session() as s:
        rows = [{"id": n.id, "title": n.title, "body": n.body, "request_id": n.request_id,
                 "posted_at": n.posted_at, "posted_by": n.posted_by} for n in list_notices(s)]
    if as_json:
        print_json(rows)
    else:
        for r in rows:
            console.print(f"{r['id']}  {r['title']}", markup=False)
