"""``python -m tui``: the ``gongzhi`` command (used by ``gongzhi serve`` for each browser session)."""

import sys

from gongzhi.tui.cli import main

sys.exit(main())
