"""The plugin loads by its entry point, cheaply: jieba is imported only when a text is
segmented, never at plugin import (the app's first frame must not wait for it)."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points


def test_registered_by_entry_point():
    eps = {ep.name: ep.value for ep in entry_points(group="gongzhi.plugins")}
    assert eps["insights"] == "gongzhi.plugins.insights.plugin"


def test_plugin_import_does_not_import_jieba():
    code = ("import sys, gongzhi.plugins.insights.plugin, gongzhi.plugins.insights.segment, gongzhi.plugins.insights.services, "
            "gongzhi.plugins.insights.queries, gongzhi.plugins.insights.cli; print('jieba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    code = "import sys; from gongzhi.plugins.insights.segment import Segmenter; Segmenter().cut('井盖'); print('jieba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
