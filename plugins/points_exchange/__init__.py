"""Points exchange (积分兑换 / 爱心超市).

Grid workers earn points for reporting information, taking part in services and
mediating disputes; residents for volunteering and sensible suggestions; points buy
daily goods at the community's love supermarket. The ledger follows TigerBeetle's
guarantees: immutable transfers with client-made idempotency keys, two-phase
(pending → posted / voided) transfers for earnings that need approval, corrections
by one reversing transfer, and a person's account that never goes below zero.
See docs/points.md.
"""
