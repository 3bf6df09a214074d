"""Counter — window desk for government service centers. See README.md."""

import sys

from counter_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
