"""`python -m gdviz`: the command line (see gdviz.cli)."""

from gdviz.cli import main

raise SystemExit(main())
