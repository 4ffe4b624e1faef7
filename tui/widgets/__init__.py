"""Widgets shared by the core screens and plugin screens."""
