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
    out: list[Message] = []
    pending: tuple[date, str] | None = None  # a two-line header waiting for its content
    for raw in text.splitlines():
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        m = ONE_LINE.match(line)
        if m:
            pending = None
            out.append(Message(_day(m), m["name"].strip(), m["text"]))
            continue
        m = HEADER.match(line)
        if m:
            pending = (_day(m), m["name"].strip())
            continue
        if pending is not None:
            out.append(Message(pending[0], pending[1], line))
            pending = None
        elif out:
            out[-1].text += "\n" + line
    return out


def _day(m: re.Match) -> date:
    return date(int(m["y"]), int(m["m"]), int(m["d"]))


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
