"""The deliberation plugin's error codes (``delib.*``), Chinese first, English second.

Registered with :func:`gongzhi.core.errors.register_messages` when this module is imported.
Every module of the plugin that raises a ``delib.*`` code imports it — the pure
:mod:`gongzhi.plugins.deliberation.rules` included — so that the codes exist however the
plugin is entered (the app, the CLI, ``gongzhi deliberation tally FILE`` with the
rules alone, a test that imports one module).
"""

from __future__ import annotations

from gongzhi.core.errors import register_messages

# code -> (Chinese template, English template); fields as str.format
MESSAGES: dict[str, tuple[str, str]] = {
    # deliberation rules (plugins/deliberation/rules.py)
    "delib.not_entitled": ("参与者 {voter} 不在名册上或没有表决权", "participant {voter} is not on the roster or has no vote"),
    "delib.not_present": ("参与者 {voter} 未到场，只能由到场的受托人代为投票", "participant {voter} is absent and can vote only through a present proxy holder"),
    "delib.no_proxy": ("参与者 {holder} 没有受 {voter} 委托", "participant {holder} holds no proxy for {voter}"),
    "delib.proxy_lapsed": ("委托人 {voter} 本人在场，委托失效，应由本人投票", "{voter} is present, so the proxy has lapsed; they vote in person"),
    "delib.proxy_chain": ("委托不能转委托，受托人须本人到场：{holder} 不能代 {voter} 投票", "a proxy cannot be passed on and its holder must be present: {holder} cannot vote for {voter}"),
    "delib.objection_needs_reason": ("参与者 {voter} 提出异议须说明理由", "participant {voter}'s objection must give a reason"),
    "delib.bad_ranking": ("排序无效：{detail}", "invalid ranking: {detail_en}"),
    "delib.unknown_option": ("没有编号为 {option} 的选项", "there is no option {option}"),
    "delib.choice_not_allowed": ("「{kind}」轮次不接受{what}", "a {kind_en} round does not accept {what_en}"),
    "delib.base_not_allowed": ("基数「{base}」不适用于「{kind}」轮次（可选：{allowed}）", "base '{base}' does not fit a {kind_en} round (allowed: {allowed})"),
    "delib.bad_rule": ("表决规则无效：{detail}", "invalid voting rule: {detail_en}"),
    "delib.bad_roster": ("名册有误：{detail}", "invalid roster: {detail_en}"),
    "delib.too_many_seats": ("席位数 {seats} 多于候选人数 {count}", "{seats} seats but only {count} candidates"),
    "delib.constraints_unsatisfiable": ("{seats} 席的名额条件无法同时满足：{constraints}", "no {seats} of the candidates meet the constraints: {constraints_en}"),
    "delib.not_an_owner": ("参与者 {voter} 名下没有登记专有部分，不是业主，不能参加业主共同决定", "participant {voter} owns no registered unit and cannot vote in an owners' decision"),
    "delib.seat_tie_needs_rerun": ("「{title}」第 {ref} 轮有 {seats} 个席位并列未定，一次抽定不够：请另开一轮（round rerun）在并列者中选出这些席位", "round {ref} of '{title}' has {seats} tied seats left; one pick cannot fill them: open a new round among the tied (round rerun)"),
    "delib.too_many_marks": ("本轮每张票最多选 {seats} 人，这张票选了 {count} 人", "a ballot in this round marks at most {seats} candidates; this one marks {count}"),
    "delib.duplicate_ballot": ("参与者 {voter} 有不止一张现行选票，计票只用最新一张", "participant {voter} has more than one current ballot; only the latest is counted"),
    # deliberation records (plugins/deliberation/services.py)
    "delib.consultation_not_found": ("找不到协商事项：{ref}", "consultation not found: {ref}"),
    "delib.participant_not_found": ("找不到参与人：{ref}", "participant not found: {ref}"),
    "delib.option_not_found": ("找不到方案：{ref}", "option not found: {ref}"),
    "delib.meeting_not_found": ("找不到协商会议：{ref}", "meeting not found: {ref}"),
    "delib.round_not_found": ("找不到表决轮次：{ref}", "round not found: {ref}"),
    "delib.consultation_locked": ("协商事项「{ref}」{status}，不能再修改", "consultation '{ref}' is {status_en} and can no longer change"),
    "delib.illegal_status": ("协商事项「{ref}」不能从「{from_status}」变为「{to_status}」", "consultation '{ref}' cannot go from {from_status_en} to {to_status_en}"),
    "delib.round_still_open": ("「{title}」第 {ref} 轮还在进行，请先结束计票", "round {ref} of '{title}' is still open; close it first"),
    "delib.duplicate_participant": ("{name} 已是本次协商的参与人", "{name} already takes part in this consultation"),
    "delib.invalid_weight": ("权重须是不小于 1 的整数：{value}", "the weight must be a whole number of at least 1: {value}"),
    "delib.proxy_self": ("{name} 不能受自己委托", "{name} cannot hold their own proxy"),
    "delib.proxy_taken": ("{giver} 的委托已交给 {holder}", "{giver}'s proxy is already held by {holder}"),
    "delib.option_inactive": ("方案 {ref} 已撤回或已合并", "option {ref} has been withdrawn or merged"),
    "delib.option_in_open_round": ("方案 {ref} 正在第 {round} 轮表决中，不能改动", "option {ref} is on the ballot of open round {round} and cannot change"),
    "delib.merge_into_self": ("方案 {ref} 不能合并到自身", "option {ref} cannot be merged into itself"),
    "delib.unknown_preset": ("没有名为「{value}」的表决规则，可选：{choices}", "no voting rule named '{value}'; choose from: {choices}"),
    "delib.too_few_options": ("「{kind}」至少需要 2 个方案（现有 {count} 个）", "a {kind_en} round needs at least 2 options (got {count})"),
    "delib.motion_one_option": ("赞成/反对或无异议表决只针对一个方案（给了 {count} 个）", "a yes/no or consent round votes on one option (got {count})"),
    "delib.illegal_round_state": ("「{title}」第 {ref} 轮当前「{state}」，不能变为「{to_state}」", "round {ref} of '{title}' is {state_en} and cannot become {to_state_en}"),
    "delib.round_not_open": ("「{title}」第 {ref} 轮当前「{state}」，不能投票", "round {ref} of '{title}' is {state_en}; no ballots can be recorded"),
    "delib.option_not_on_ballot": ("方案 {option} 不在第 {round} 轮的选票上", "option {option} is not on the ballot of round {round}"),
    "delib.nothing_to_undo": ("{voter} 在本轮没有可撤销的选票", "{voter} has no ballot in this round to undo"),
    "delib.ballot_conflict": ("「{title}」第 {ref} 轮的这张票刚被他人同时录入，请刷新后重试", "someone recorded this ballot of round {ref} of '{title}' at the same moment; reload and try again"),
    "delib.results_hidden": ("「{title}」第 {ref} 轮在计票前不公开结果", "round {ref} of '{title}' hides its results until it closes"),
    "delib.round_not_closed": ("「{title}」第 {ref} 轮尚未计票", "round {ref} of '{title}' has not been closed and counted"),
    "delib.round_not_tied": ("「{title}」第 {ref} 轮的结果是「{outcome}」，不是平局", "round {ref} of '{title}' ended {outcome_en}, not in a tie"),
    "delib.tie_already_broken": ("「{title}」第 {ref} 轮的平局已经处理", "the tie of round {ref} of '{title}' has already been broken"),
    "delib.not_a_winner": ("方案 {option} 不是「{title}」第 {ref} 轮选出的方案", "option {option} is not what round {ref} of '{title}' chose"),
    "delib.rerun_needs_option": ("请指明新一轮要去掉的方案（「{title}」第 {ref} 轮的全部方案并列）", "name the option(s) to leave out of the new round (all options of round {ref} of '{title}' tie)"),
    "delib.already_decided": ("协商事项「{ref}」已经作出决定", "consultation '{ref}' has already been decided"),
    "delib.not_decided": ("协商事项「{ref}」尚未作出决定，无可修正", "consultation '{ref}' has no decision to amend"),
    "delib.amendment_no_change": ("修正没有改变协商事项「{ref}」的决定", "the amendment changes nothing in the decision of '{ref}'"),
    "delib.round_not_adopted": ("「{title}」第 {ref} 轮的结果是「{outcome}」，不能据此作出决定", "round {ref} of '{title}' ended {outcome_en}; nothing to decide on"),
    "delib.unknown_group": ("没有分组「{groups}」的有表决权参与人（现有分组：{known}）", "no voting participant is in group(s) {groups_en} (groups here: {known_en})"),
    "delib.round_already_counted": ("「{title}」第 {ref} 轮已有计票结果（轮次状态被改动过），不能再次计票", "round {ref} of '{title}' already has a stored count (its state was changed by hand); it cannot be counted again"),
    "delib.round_not_current": ("第 {ref} 轮不是「{title}」当前进行中的轮次（当前：{current}），选票未录入", "round {ref} is not the round open in '{title}' (open now: {current}); no ballot recorded"),
    "delib.checkout_drops": ("{names} 离场后，其在进行中轮次的 {ballots} 张选票和 {proxies} 份委托投票在计票时将不计入；{how}", "checking {names_en} out drops {ballots} ballot(s) and {proxies} proxy vote(s) in open rounds at close; {how_en}"),
    "delib.round_already_open": ("「{title}」第 {ref} 轮还在表决，同一协商一次只开一轮：请先结束该轮并计票（界面按 c，或 gongzhi deliberation round close {consultation} {ref}）", "round {ref} of '{title}' is still open and a consultation takes ballots in one round at a time: close and count it first (c in the app, or gongzhi deliberation round close {consultation} {ref})"),
    "delib.round_has_result": ("「{title}」第 {ref} 轮已有计票结果（轮次状态被改动过），不再接受选票", "round {ref} of '{title}' already has a stored count (its state was changed by hand); it takes no more ballots"),
    "delib.docx_needs_output": ("Word 纪要须写入文件：请用 -o 指定文件名", "Word minutes go to a file: give one with -o"),
    "delib.export_invalid": ("表决文件无效：{detail}", "invalid round file: {detail}"),
    "delib.docx_unavailable": ("未安装 python-docx，无法生成 Word 纪要（可用 --format md）", "python-docx is not installed, so no Word minutes (use --format md)"),
}

register_messages(MESSAGES)
