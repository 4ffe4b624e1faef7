"""WeChat group chat exports: parse, then count messages per (day, term).

Supported layouts (one message per block; blank lines ignored):

1. One line: ``2026-11-03 08:15 张三：内容`` (also ``2026/11/3 8:15:02 张三: 内容``;
   the colon full- or half-width). Following lines without a header continue the message.
2. Two lines (the phone's "export chat" / copy-paste): ``张三 2026/11/3 8:15`` (or
   ``张三 2026-11-03 08:15:02``) then the content on the next line(s).
3. Bracketed time: ``[2026-11-03 08:15:02] 张三：内容``.

Only the day and the message's terms are kept: sender names and the text are
dropped after segmentation, and a term equal to a sender's name (or an @mention) is
dropped too, so no name reaches the database.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

_D = r"(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
_T = r"\d{1,2}:\d{2}(?::\d{2})?"
ONE_LINE = re.compile(rf"^\[?{_D}\s+{_T}\]?\s+(?P<name>[^：:\s][^：:]{{0,40}}?)\s*[：:]\s*(?P<text>.*)$")
HEADER = re.compile(rf"^(?P<name>\S.{{0,40}}?)\s+{_D}\s+{_T}$")
MENTION = re.compile(r"@\S+")


@dataclass
class Message:
    day: date
    sender: str
    text: str


def parse(text: str) -> list[Message]:
    """The messages of an export; a date that does not exist (2026-02-30) is refused
    (``insights.chat_bad_date``, naming the line)."""
    out: list[Message] = []
    pending: tuple[date, str] | None = None  # a two-line header waiting for its content
    for number, raw in enumerate(text.splitlines(), start=1):
        try:
            pending = _line(out, pending, raw)
        except ValueError as exc:  # only the date is shown: the line holds a name
            from gongzhi.core.errors import DomainError

            raise DomainError("insights.chat_bad_date", line=number, value=exc.args[0]) from None
    return out


def _line(out: list[Message], pending: tuple[date, str] | None, raw: str) -> tuple[date, str] | None:
    """Read one line into ``out``; the header still waiting for its content, if any."""
    line = raw.strip().lstrip("\ufeff")
    if not line:
        return pending
    m = ONE_LINE.match(line)
    if m:
        out.append(Message(_day(m), m["name"].strip(), m["text"]))
        return None
    m = HEADER.match(line)
    if m:
        return (_day(m), m["name"].strip())
    if pending is not None:
        out.append(Message(pending[0], pending[1], line))
        return None
    if out:
        out[-1].text += "\n" + line
    return pending


def _day(m: re.Match) -> date:
    try:
        return date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        raise ValueError(f"{m['y']}-{m['m']}-{m['d']}") from None


def heat(messages: list[Message], cut) -> Counter[tuple[date, str]]:
    """Messages mentioning each term per day (a message counts once per term)."""
    names = set()  # every sender's name and each piece of it (two characters or more)
    for sender in {m.sender for m in messages}:
        names.add(sender)
        names.update(sender[i:j] for i in range(len(sender)) for j in range(i + 2, min(len(sender), i + 12) + 1))
    out: Counter[tuple[date, str]] = Counter()
    for msg in messages:
        for term in set(cut(MENTION.sub(" ", msg.text))):
            if term not in names:
                out[(msg.day, term)] += 1
    return out
