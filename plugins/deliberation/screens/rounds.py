"""The rounds' actions, mixed into :class:`ConsultationScreen`: a new round, start,
close and count, publish, settle a tie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plugins.deliberation.screens.common import PRESET_LABELS, ConfirmCloseScreen, parse_numbers
from tui.widgets.bilingual import t
from tui.widgets.forms import (
    FormError,
    FormField,
)


class RoundsMixin:
    """Round actions on the round the vote grid shows."""

    def action_close_round(self) -> None:
        from plugins.deliberation import services as svc
        from plugins.deliberation.models import RoundState

        r = self.current_round()
        if r is None or self.busy:
            return
        if r.state != RoundState.open:
            self.app.notify(t("本轮不在表决中", "This round is not open for voting"), severity="warning")
            return
        db, actor, rid = self.db, self.app.actor, r.id

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def write() -> None:
                with db.session() as s:
                    svc.close_round(s, actor=actor, round_id=rid)

            self.write_then_reload(write, t(f"第 {r.number} 轮已关闭并计票", f"Round {r.number} closed and counted"))

        self.app.push_screen(ConfirmCloseScreen(
            t(f"关闭第 {r.number} 轮并计票？关闭后不能再记录表决。",
              f"Close round {r.number} and count it? No ballot can be recorded afterwards.")), confirmed)

    def _round_call(self, fn: Callable[..., Any], done_text: str) -> None:
        """A one-click round action (start, publish) on the highlighted round; the service
        says when the round is in the wrong state."""
        r = self.current_round()
        if r is None or self.busy:
            return
        db, actor = self.db, self.app.actor

        def write() -> None:
            with db.session() as s:
                fn(s, actor=actor, round_id=r.id)

        self.write_then_reload(write, done_text.format(n=r.number))

    def action_start_round(self) -> None:
        from plugins.deliberation import services as svc

        self._round_call(svc.start_round, t("第 {n} 轮开始表决", "Round {n} is open"))

    def action_publish(self) -> None:
        from plugins.deliberation import services as svc

        self._round_call(svc.publish_round, t("第 {n} 轮结果已公布", "Round {n} published"))

    def action_new_round(self) -> None:
        from plugins.deliberation import services as svc

        if not self._editable():
            return
        d, db, actor, cid = self.detail, self.db, self.app.actor, self.consultation_id
        presets = [(t(*PRESET_LABELS.get(k, (k, k))), k) for k in PRESET_LABELS]
        meetings = [(t(f"第 {n} 次会议 {when} {venue}", f"meeting {n} {when} {venue}"), mid)
                    for mid, n, when, venue in d.meetings]

        def submit(v: dict[str, Any]) -> Callable[[], Any]:
            nums = parse_numbers(v["options"])
            if nums is None:
                raise FormError(t("方案编号须是整数，以空格或逗号分隔", "Option numbers are whole numbers"))

            def write() -> Any:
                with db.session() as s:
                    ids = [svc.option_by_number(s, cid, n).id for n in nums] if nums else None
                    return svc.open_round(s, actor=actor, consultation_id=cid, preset=v["preset"], option_ids=ids,
                                          title=v["title"], secret=v["secret"], hide_results=v["hide"],
                                          meeting_id=v["meeting"], start=v["start"]).number
            return write

        def opened(_number: int) -> None:
            self.round_id = None  # show the new round

        self.form_then_reload(t("新建表决轮次", "New round"), [
            FormField("preset", "表决规则", "Rule", kind="select", value="simple_majority", choices=presets),
            FormField("options", "方案编号（空：选择类为全部有效方案）", "Option numbers (blank: every active one)",
                      placeholder="1 3"),
            FormField("title", "事项（可空）", "Motion (optional)"),
            FormField("meeting", "所属会议（可空）", "Meeting (optional)", kind="select", value=None, choices=meetings),
            FormField("secret", "无记名表决", "Secret ballot", kind="check", value=False),
            FormField("hide", "计票前不显示结果", "Hide the tally until it closes", kind="check", value=False),
            FormField("start", "立即开始表决", "Open it now", kind="check", value=True),
        ], submit, lambda n: t(f"第 {n} 轮已建立", f"Round {n} created"), form_id="delib-round", after=opened)

    def action_tie(self) -> None:
        from plugins.deliberation import services as svc
        from plugins.deliberation.models import LABELS

        r = self.current_round()
        if r is None or self.busy or self.detail is None:
            return
        if r.outcome != "tie" or r.tie_broken:
            self.app.notify(t("本轮没有待处理的平局", "This round has no tie to settle"), severity="warning")
            return
        numbers = self.detail.numbers
        tied = "、".join(str(numbers.get(w, w)) for w in r.winners)
        db, actor, cid = self.db, self.app.actor, self.consultation_id
        methods = [(t(zh, en), key) for key, (zh, en) in LABELS["TieBreakMethod"].items()]

        def submit(v: dict[str, Any]) -> Callable[[], Any]:
            if v["how"] == "break":
                number = v["option"]
                if not number.isdigit():
                    raise FormError(t("请填写选定的方案编号", "Give the chosen option's number"))

                def write() -> str:
                    with db.session() as s:
                        o = svc.option_by_number(s, cid, int(number))
                        svc.break_tie(s, actor=actor, round_id=r.id, option_id=o.id, method=v["method"],
                                      note=v["note"])
                    return t(f"平局已按记录的规则处理：方案{number}", f"Tie broken by the recorded rule: option {number}")
                return write
            nums = parse_numbers(v["without"])
            if nums is None:
                raise FormError(t("方案编号须是整数", "Option numbers are whole numbers"))

            def rerun() -> str:
                with db.session() as s:
                    without = [svc.option_by_number(s, cid, n).id for n in nums] if nums else None
                    new = svc.rerun_round(s, actor=actor, round_id=r.id, without=without)
                    return t(f"已开始第 {new.number} 轮（去掉部分方案重新表决）",
                             f"Round {new.number} opened without the options left out")
            return rerun

        def after(_text: str) -> None:
            self.round_id = None

        self.form_then_reload(t(f"第 {r.number} 轮平局（并列：方案 {tied}）", f"Round {r.number} tied (options {tied})"), [
            FormField("how", "处理方式", "How", kind="select", value="break",
                      choices=[(t("按记录的规则决定", "break it by a recorded rule"), "break"),
                               (t("去掉部分方案重新表决", "a new round without some options"), "rerun")]),
            FormField("option", "选定的方案编号（按规则决定时）", "Chosen option number (breaking it)"),
            FormField("method", "规则", "Rule", kind="select", value="lot", choices=methods),
            FormField("note", "说明（“其他”时必填）", "Note (required for “other”)"),
            FormField("without", "新一轮去掉的方案编号（空：未并列第一的）",
                      "Options to leave out of the new round (blank: those not tied at the top)"),
        ], submit, lambda text: text, form_id="delib-tie", after=after)

