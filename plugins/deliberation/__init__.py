"""Roundtable consultation voting (居民议事厅 / 嘚啵嘚圆桌会).

Facilitators record who sits at the table, the options, the meetings and each
round's ballots; a closed round is counted by the pure rules in :mod:`.rules`
and kept, with its roster snapshot, so that anyone can recount it
(``gongzhi deliberation export-round`` / ``tally``). See docs/deliberation.md.
"""
