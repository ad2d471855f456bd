"""`python -m warroom` runs the same command line as the `warroom` script."""

from warroom.cli import main

raise SystemExit(main())
