import sys

from gongzhi.core.cli import main

sys.exit(main())
