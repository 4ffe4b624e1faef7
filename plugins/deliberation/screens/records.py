"""Participants, options and meetings added (and options withdrawn or merged), mixed
into :class:`ConsultationScreen`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from core.models.types import LOCAL_TZ
from plugins.deliberation.queries import OptionRow
from plugins.deliberation.screens.common import ConfirmCloseScreen, need_int
from tui.widgets.bilingual import t
from tui.widgets.forms import (
    FormError,
    FormField,
)


class RecordsMixin:
    """Forms that add to the consultation's records."""

    def action_add_participant(self) -> None:
        from plugins.deliberation import services as svc
        from plugins.deliberation.models import LABELS

        if not self._editable():
            return
        db, actor, cid = self.db, self.app.actor, self.consultation_id
        roles = [(t(zh, en), key) for key, (zh, en) in LABELS["ParticipantRole"].items()]
        proxies = [(p.name, p.id) for p in self.detail.participants]

        def submit(v: dict[str, Any]) -> Callable[[], str]:
            weight = need_int(v["weight"] or "1", "权重", "The weight")
            can_vote = {"default": None, "yes": True, "no": False}[v["votes"]]

            def write() -> str:
                with db.session() as s:
                    return svc.add_participant(s, actor=actor, consultation_id=cid, role=v["role"],
                                               person_id=v["person"], name=v["name"] or None,
                                               group=v["group"] or None, can_vote=can_vote, weight=weight,
                                               present=v["present"], proxy_for_id=v["proxy"]).name
            return write

        self.form_then_reload(t("添加参与人", "Add a participant"), [
            FormField("person", "居民（从名册中找，可空）", "Person from the register (optional)", kind="person",
                      placeholder=t("姓名、拼音首字母或手机尾号", "name, pinyin initials or phone tail")),
            FormField("name", "姓名（名册外的人员必填）", "Name (needed for someone outside the register)"),
            FormField("role", "身份", "Role", kind="select", value="resident_rep", choices=roles),
            FormField("group", "界别（空：按身份）", "Group (blank: from the role)"),
            FormField("votes", "表决权", "Vote", kind="select", value="default",
                      choices=[(t("按身份（专业人士、列席无）", "by role (experts, observers: none)"), "default"),
                               (t("有", "yes"), "yes"), (t("无", "no"), "no")]),
            FormField("weight", "权重", "Weight", value="1"),
            FormField("proxy", "受谁委托（可空）", "Holds the proxy of (optional)", kind="select", value=None,
                      choices=proxies),
            FormField("present", "已到场", "Present", kind="check", value=False),
        ], submit, lambda name: t(f"{name} 已加入", f"{name} added"), form_id="delib-participant")

    def action_add_option(self) -> None:
        from plugins.deliberation import services as svc

        if not self._editable():
            return
        db, actor, cid = self.db, self.app.actor, self.consultation_id
        active = [(f"{o.number} {o.text}", o.id) for o in self.detail.options if o.active]

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            def write() -> int:
                with db.session() as s:
                    if v["amends"] is not None:
                        return svc.amend_option(s, actor=actor, option_id=v["amends"], text=v["text"],
                                                withdraw_original=v["withdraw"]).number
                    return svc.add_option(s, actor=actor, consultation_id=cid, text=v["text"]).number
            return write

        self.form_then_reload(t("添加方案", "Add an option"), [
            FormField("text", "方案内容", "The option"),
            FormField("amends", "修正哪个方案（可空）", "Amends option (optional)", kind="select", value=None,
                      choices=active),
            FormField("withdraw", "同时撤回被修正的方案", "Withdraw the amended option", kind="check", value=False),
        ], submit, lambda n: t(f"方案{n} 已添加", f"Option {n} added"), form_id="delib-option")

    def _option(self) -> OptionRow | None:
        oid = self._highlighted("#delib-options")
        return next((o for o in self.detail.options if o.id == oid), None) if self.detail else None

    def withdraw_option(self) -> None:
        from plugins.deliberation import services as svc

        o = self._option()
        if o is None or not self._editable():
            return
        db, actor = self.db, self.app.actor

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def write() -> None:
                with db.session() as s:
                    svc.withdraw_option(s, actor=actor, option_id=o.id)

            self.write_then_reload(write, t(f"方案{o.number} 已撤回", f"Option {o.number} withdrawn"))

        self.app.push_screen(ConfirmCloseScreen(t(f"撤回方案{o.number}「{o.text}」？", f"Withdraw option {o.number}?")),
                             confirmed)

    def merge_option(self) -> None:
        from plugins.deliberation import services as svc

        o = self._option()
        if o is None or not self._editable():
            return
        db, actor, cid = self.db, self.app.actor, self.consultation_id

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            into = need_int(v["into"], "方案编号", "The option number", minimum=1)

            def write() -> int:
                with db.session() as s:
                    target = svc.option_by_number(s, cid, into)
                    svc.merge_options(s, actor=actor, option_id=o.id, into_id=target.id)
                return into
            return write

        self.form_then_reload(t(f"把方案{o.number} 并入", f"Merge option {o.number} into"),
                              [FormField("into", "并入的方案编号", "Option number to merge into")], submit,
                              lambda n: t(f"方案{o.number} 已并入方案{n}", f"Option {o.number} merged into {n}"),
                              form_id="delib-merge")

    def action_add_meeting(self) -> None:
        from plugins.deliberation import services as svc

        if not self._editable():
            return
        db, actor, cid = self.db, self.app.actor, self.consultation_id
        present = [p.id for p in self.detail.participants if p.present]

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            try:
                held_at = datetime.strptime(v["when"], "%Y-%m-%d %H:%M").replace(tzinfo=LOCAL_TZ)
            except ValueError:
                raise FormError(t("时间格式应为 YYYY-MM-DD HH:MM", "The time should be YYYY-MM-DD HH:MM")) from None
            others = need_int(v["others"] or "0", "旁听人数", "Residents listening")

            def write() -> int:
                with db.session() as s:
                    return svc.add_meeting(s, actor=actor, consultation_id=cid, held_at=held_at, venue=v["venue"],
                                           attendance=present if v["attendance"] else [], others_attending=others,
                                           notes=v["notes"]).number
            return write

        self.form_then_reload(t("添加协商会议", "Add a meeting"), [
            FormField("when", "时间", "When", value=datetime.now(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
                      placeholder="YYYY-MM-DD HH:MM"),
            FormField("venue", "地点", "Venue"),
            FormField("attendance", f"到场的参与人记为出席（{len(present)} 人）",
                      f"Those checked in attend ({len(present)})", kind="check", value=True),
            FormField("others", "旁听居民人数", "Residents listening", value="0"),
            FormField("notes", "会议记录", "Minutes notes"),
        ], submit, lambda n: t(f"第 {n} 次会议已记录", f"Meeting {n} recorded"), form_id="delib-meeting")

