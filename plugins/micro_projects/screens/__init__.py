"""The micro-projects' TUI screens, one per file: the board (the section), the
project page, the fund view and the evaluation grid. What they show is read by
:mod:`gongzhi.plugins.micro_projects.queries`; what they write goes through
:mod:`gongzhi.plugins.micro_projects.services`."""
