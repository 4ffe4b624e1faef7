"""Example gongzhi plugin: the community notice board (公示栏).

It adds one table (``notice_item``), a ``gongzhi notice`` command group, a TUI
section, and posts a notice whenever a request is resolved (办结公示).
"""
