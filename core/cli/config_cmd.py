"""``gongzhi config``: where the site config lives and what it says."""

from __future__ import annotations

import typer

from gongzhi.core.cli.context import console, print_json, state
from gongzhi.core.config import config_path

app = typer.Typer(help="配置 / configuration", no_args_is_help=True)


@app.command("path")
def path() -> None:
    """打印配置文件路径 / print the config file path."""
    console.print(str(config_path()), markup=False, highlight=False)


@app.command("show")
def show(as_json: bool = typer.Option(False, "--json")) -> None:
    """显示生效的配置 / show the settings in force."""
    data = state.settings.to_toml()
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        console.print(f"{key} = {value}", markup=False, highlight=False)
