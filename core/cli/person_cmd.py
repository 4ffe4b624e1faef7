"""``gongzhi person``: add, find and show people; reveal personal numbers (audited)."""

from __future__ import annotations

import typer

from gongzhi.core.cli.context import console, print_json, state, table, tr
from gongzhi.core.models.vocab import CareTag, Gender, OrgKind, Role
from gongzhi.core.services import people as svc
from gongzhi.core.services.orgs import memberships_of
from gongzhi.core.services.places import find_place, full_name, get_place

app = typer.Typer(help="居民 / people", no_args_is_help=True)


@app.command("add")
def add(
    name: str = typer.Argument(..., help="姓名 / name"),
    gender: str = typer.Option("unknown", "--gender", help="male|female|unknown"),
    birth_year: int | None = typer.Option(None, "--birth-year"),
    phone: str | None = typer.Option(None, "--phone"),
    id_number: str | None = typer.Option(None, "--id-number"),
    household: str | None = typer.Option(None, "--household", help="住址（户）/ home household"),
    care_tag: list[str] = typer.Option([], "--care-tag", help="关爱标签 / care tag: " + ", ".join(t.value for t in CareTag)),
    notes: str = typer.Option("", "--notes"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """登记居民 / add a person."""
    db = state.database()
    with db.session() as s:
        hh = find_place(s, household).id if household else None
        p = svc.create_person(s, actor=state.actor, name=name, gender=gender, birth_year=birth_year, phone=phone,
                              id_number=id_number, household_id=hh, care_tags=care_tag, notes=notes)
        row = svc.person_row(p)
    if as_json:
        print_json(row)
    else:
        console.print(tr(f"已登记 {p.name}（编号 {p.id}）", f"added {p.name} (id {p.id})"), markup=False)


@app.command("find")
def find(
    query: str = typer.Argument(..., help="姓名、拼音、拼音首字母或手机尾号 / name, pinyin, initials or phone tail"),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """查找居民 / find people (张晓明 ← zxm, zhangxiaoming, 5678)."""
    if not query.strip():
        from gongzhi.core.errors import DomainError

        raise DomainError("input.required", field="query")
    db = state.database()
    with db.read_session() as s:
        people = svc.find_people(s, query, limit=limit, actor=state.actor)
        rows = []
        for p in people:
            row = svc.person_row(p)
            row["household"] = full_name(s, get_place(s, p.household_id)) if p.household_id else ""
            rows.append(row)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(tr("没有找到", "nobody found"))
        return
    table(
        ["id", tr("姓名", "name"), tr("性别", "gender"), tr("出生年", "born"), tr("手机", "phone"), tr("住址", "home")],
        [[r["id"], r["name"], Gender(r["gender"]).label(state.language), r["birth_year"] or "", r["phone"],
          r["household"]] for r in rows],
    )


@app.command("show")
def show(
    person_id: int = typer.Argument(...),
    reveal: bool = typer.Option(False, "--reveal", help="显示完整手机号和身份证号（记入审计）/ reveal numbers (audited)"),
    reason: str = typer.Option("", "--reason", help="查看原因 / why"),
    care_tags: bool = typer.Option(False, "--care-tags", help="显示关爱标签（敏感）/ show care tags (sensitive)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """居民详情 / show a person (numbers masked unless --reveal)."""
    db = state.database()
    with db.session() as s:
        p = svc.get_person(s, person_id, actor=state.actor)
        row = svc.person_row(p)
        if reveal:
            numbers = svc.reveal_person(s, actor=state.actor, person_id=p.id, reason=reason)
            row["phone"], row["id_number"] = numbers.phone or "", numbers.id_number or ""
        row["household"] = full_name(s, get_place(s, p.household_id)) if p.household_id else ""
        row["notes"] = p.notes
        if care_tags:
            row["care_tags"] = svc.view_care_tags(s, actor=state.actor, person_id=p.id)
        row["memberships"] = [
            {"id": m.id, "organisation": o.name, "organisation_kind": o.kind, "role": m.role,
             "scope_place": get_place(s, m.scope_place_id).name if m.scope_place_id else None,
             "start_date": m.start_date, "end_date": m.end_date}
            for m, o in memberships_of(s, p.id)
        ]
    if as_json:
        print_json(row)
        return
    console.print(f"[bold]{row['name']}[/bold] (id {row['id']})", highlight=False)
    console.print(
        tr("性别", "gender") + f": {Gender(row['gender']).label(state.language)}  "
        + tr("出生年", "born") + f": {row['birth_year'] or ''}  "
        + tr("手机", "phone") + f": {row['phone']}  "
        + tr("身份证", "ID") + f": {row['id_number']}",
        markup=False, highlight=False,
    )
    console.print(tr("住址", "home") + f": {row['household']}", markup=False)
    if "care_tags" in row:
        console.print(tr("关爱标签", "care tags") + ": "
                      + "、".join(CareTag(t).label(state.language) for t in row["care_tags"]), markup=False)
    if row["memberships"]:
        table(
            [tr("组织", "organisation"), tr("类型", "kind"), tr("职务", "role"), tr("负责范围", "scope"),
             tr("起", "from")],
            [[m["organisation"], OrgKind(m["organisation_kind"]).label(state.language),
              Role(m["role"]).label(state.language), m["scope_place"] or "", m["start_date"] or ""]
             for m in row["memberships"]],
            title=tr("任职", "posts"),
        )
