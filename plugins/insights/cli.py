"""``gongzhi insights …``: hot words, rising topics, hot spots and chat heat at the shell.

A period is ``2026-11`` (a month), ``2026`` or ``2026-11-01..2026-12-01``. Every
listing takes ``--json``. Errors are DomainErrors: one line in the user's language,
nothing written.

    gongzhi insights sync                               # segment requests not yet indexed (backfill)
    gongzhi insights words 2026-10 --compound 荣雅园 --category 高空抛物 --json
    gongzhi insights rising 2026-10 --threshold 10.83 --min-count 5
    gongzhi insights hotspots 2026-10 --category high_rise_littering
    gongzhi insights drill 2026-10 --compound 盛康园 --term 高空抛物
    gongzhi insights chat-import 盛康园群.txt --compound 盛康园
    gongzhi insights chat-heat --json
"""

from __future__ import annotations

from pathlib import Path

import typer

from gongzhi.core.cli.context import print_json, state, table, tr
from gongzhi.plugins.insights import errors as _errors  # noqa: F401  (registers the insights.* codes)

app = typer.Typer(help="民意数据库 / insights: hot words, rising topics, hot spots", no_args_is_help=True)


def _filters(s, community, compound, category, channel):
    from gongzhi.plugins.insights.queries import Filters, category_id, place_id

    if community and not community.endswith("社区"):
        community += "社区"
    return Filters(community_id=place_id(s, community, "community"), compound_id=place_id(s, compound, "compound"),
                   category_id=category_id(s, category), channel=channel)


@app.command("sync")
def sync(as_json: bool = typer.Option(False, "--json")) -> None:
    """分词入库（补齐旧诉求）/ segment every request not yet indexed (backfill)."""
    from gongzhi.plugins.insights.services import sync_tokens

    out = sync_tokens(state.database(), actor=state.actor)
    if as_json:
        print_json(out)
    else:
        print(tr(f"诉求 {out['requests']} 件，新分词 {out['segmented']} 件，移除 {out['removed']} 件",
                 f"{out['requests']} requests, {out['segmented']} segmented, {out['removed']} removed"))


@app.command("words")
def words(
    period: str = typer.Argument(..., help="时段 / period: 2026-11 | 2026 | 2026-11-01..2026-12-01"),
    community: str | None = typer.Option(None, "--community"),
    compound: str | None = typer.Option(None, "--compound"),
    category: str | None = typer.Option(None, "--category"),
    channel: str | None = typer.Option(None, "--channel"),
    limit: int = typer.Option(20, "--limit"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """高频词（TF-IDF 加权）/ hot words weighted by TF-IDF."""
    from gongzhi.plugins.insights.queries import hot_words, parse_period

    p = parse_period(period)
    with state.database().read_session() as s:
        rows = hot_words(s, p, _filters(s, community, compound, category, channel), limit=limit)
    if as_json:
        print_json([r.as_dict() for r in rows])
        return
    table([tr("词", "term"), tr("次数", "count"), tr("诉求", "requests"), "IDF", tr("权重", "score")],
          [[r.term, r.count, r.requests, r.idf, r.score] for r in rows], title=tr("高频词", "Hot words") + f" {p.label}")


@app.command("rising")
def rising_cmd(
    period: str = typer.Argument(...),
    community: str | None = typer.Option(None, "--community"),
    compound: str | None = typer.Option(None, "--compound"),
    category: str | None = typer.Option(None, "--category"),
    channel: str | None = typer.Option(None, "--channel"),
    threshold: float = typer.Option(10.83, "--threshold", help="G² 阈值（10.83 ⇔ p<0.001）"),
    min_count: int = typer.Option(5, "--min-count"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """上升话题（对数似然比 G² 检验）/ rising topics vs the previous period (Dunning G²)."""
    from gongzhi.plugins.insights.queries import parse_period, rising_topics

    p = parse_period(period)
    with state.database().read_session() as s:
        rows = rising_topics(s, p, _filters(s, community, compound, category, channel),
                             threshold=threshold, min_count=min_count)
    if as_json:
        print_json([r.as_dict() for r in rows])
        return
    table([tr("词", "term"), tr("本期", "now"), tr("上期", "before"), "G²"],
          [[r.term, f"{r.now}/{r.now_total}", f"{r.before}/{r.before_total}", r.g2] for r in rows],
          title=tr("上升话题", "Rising topics") + f" {p.label} vs {p.previous().label}")


@app.command("hotspots")
def hotspots(
    period: str = typer.Argument(...),
    category: str | None = typer.Option(None, "--category"),
    flagged_only: bool = typer.Option(False, "--flagged"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """集中点：每千居民诉求数显著偏高的小区（单侧泊松检验）/ hot spots (one-sided Poisson test)."""
    from gongzhi.plugins.insights.queries import category_id, hot_spots, parse_period

    p = parse_period(period)
    with state.database().read_session() as s:
        rows = hot_spots(s, p, category_id(s, category))
    if flagged_only:
        rows = [r for r in rows if r.flagged]
    if as_json:
        print_json([r.as_dict() for r in rows])
        return
    table([tr("小区", "compound"), tr("诉求", "requests"), tr("居民", "residents"), tr("每千人", "per 1,000"),
           tr("期望", "expected"), "p", tr("集中点", "hot spot")],
          [[r.compound, r.requests, r.residents, r.per_1000, r.expected, f"{r.p_value:.2g}", "★" if r.flagged else ""]
           for r in rows])


@app.command("drill")
def drill(
    period: str = typer.Argument(...),
    compound: str | None = typer.Option(None, "--compound"),
    category: str | None = typer.Option(None, "--category"),
    term: str | None = typer.Option(None, "--term"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """下钻到诉求 / the requests behind a hot spot or a word."""
    from gongzhi.plugins.insights.queries import category_id, parse_period, place_id, requests_of

    p = parse_period(period)
    with state.database().read_session() as s:
        rows = requests_of(s, p, compound_id=place_id(s, compound, "compound"),
                           category_id=category_id(s, category), term=term)
    if as_json:
        print_json(rows)
        return
    table([tr("编号", "ref"), tr("日期", "day"), tr("标题", "title"), tr("状态", "status")],
          [[r["ref"], r["day"], r["title"], r["status"]] for r in rows])


@app.command("chat-import")
def chat_import(
    path: Path = typer.Argument(..., help="微信群聊导出文本 / WeChat group chat export (.txt)"),
    label: str = typer.Option("", "--label", help="群名称（不含个人信息）/ group label"),
    compound: str | None = typer.Option(None, "--compound"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """导入群聊：只保存每日各话题的消息数，不保存姓名与原文 / import a chat (counts only)."""
    from gongzhi.plugins.insights.services import import_chat

    out = import_chat(state.database(), path, actor=state.actor, group_label=label, compound=compound)
    if as_json:
        print_json(out)
    else:
        print(tr(f"已导入 {out['messages']} 条消息（{out['days']} 天，{out['terms']} 个词）",
                 f"imported {out['messages']} messages ({out['days']} days, {out['terms']} terms)"))


@app.command("chat-heat")
def chat_heat_cmd(
    daily: bool = typer.Option(False, "--daily", help="按日列出 / per day"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """群聊热度：群里热议、正式诉求少的话题标记 ★ / chat topics; ★ = hot in chat, rare in requests."""
    from gongzhi.plugins.insights.queries import chat_heat, chat_topics

    with state.database().read_session() as s:
        rows = chat_heat(s) if daily else chat_topics(s)
    if as_json:
        print_json(rows if daily else [r.as_dict() for r in rows])
        return
    if daily:
        table([tr("日期", "day"), tr("词", "term"), tr("消息", "messages")],
              [[r["day"], r["term"], r["messages"]] for r in rows])
        return
    table([tr("话题", "topic"), tr("群消息", "chat messages"), tr("诉求", "requests"), "G²", tr("标记", "flag")],
          [[r.term, f"{r.chat_messages}/{r.chat_total}", f"{r.requests}/{r.requests_total}", r.g2,
            "★" if r.flagged else ""] for r in rows])


@app.command("act")
def act(
    term: str = typer.Argument(..., help="群聊话题 / chat topic, e.g. 高空抛物"),
    action: str = typer.Argument(..., help="request | consultation | micro_candidate"),
    compound: str | None = typer.Option(None, "--compound"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """把话题转为诉求、协商议题或微实事候选 / turn a topic into a request, a consultation or a micro-project candidate."""
    from gongzhi.plugins.insights.services import act_on_topic

    out = act_on_topic(state.database(), term, action, actor=state.actor, compound=compound)
    if as_json:
        print_json(out)
    elif action == "request":
        print(tr(f"已登记诉求 {out['ref']}：{out['title']}", f"request {out['ref']} logged: {out['title']}"))
    else:
        print(tr(f"已发出 {out['event']}：{out['title']}", f"sent {out['event']}: {out['title']}"))


@app.command("report")
def report(
    period: str = typer.Argument(..., help="月份 / month, e.g. 2026-10"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Word 文件 / .docx path"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """月度分析报告（Word）/ the monthly report for the street's meeting (.docx)."""
    from gongzhi.plugins.insights.queries import parse_period
    from gongzhi.plugins.insights.reports import month_report, write_month_docx

    p = parse_period(period)
    if out is not None:
        from gongzhi.core.services.base import check_output_path

        check_output_path(out)  # before any work
    with state.database().read_session() as s:
        rep = month_report(s, p)
    if out is not None:
        write_month_docx(rep, out)
    if as_json:
        print_json(rep.as_dict())
    elif out is not None:
        print(tr(f"已生成 {out}", f"written: {out}"))
