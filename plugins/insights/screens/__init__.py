"""The insights plugin's TUI section: one screen per file (overview, drill-down)."""
