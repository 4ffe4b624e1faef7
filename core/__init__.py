"""gongzhi core: people, places, organisations and requests, and the machinery
(database, migrations, configuration, audit, errors, CLI) that every plugin uses.

The core imports neither ``tui`` nor ``plugins``; an import-linter contract and a
test keep it that way.
"""

__version__ = "0.1.0"
