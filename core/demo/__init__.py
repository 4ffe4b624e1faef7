"""The demo street (``gongzhi demo``): 青（广）源街道 and its stories, from a seed.

    from gongzhi.core.demo import build_demo, overview
    summary = build_demo(db, scale="street", seed=2014)

See :mod:`gongzhi.core.demo.build` for the stages and guarantees.
"""

from gongzhi.core.demo.build import (
    DEFAULT_NOW,
    SCALES,
    STAGES,
    DemoSummary,
    Scale,
    build_demo,
    is_empty,
    overview,
)

__all__ = ["DEFAULT_NOW", "SCALES", "STAGES", "DemoSummary", "Scale", "build_demo", "is_empty", "overview"]
