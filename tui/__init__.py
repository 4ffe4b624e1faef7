"""The Textual terminal UI of gongzhi: the app shell, the core screens, shared widgets.

``tui`` imports ``core`` and never a plugin by name: plugin sections, screens and
palette commands arrive through hooks.
"""
