"""`python -m imaging_atlas`: the command-line interface."""

from imaging_atlas.cli import main

raise SystemExit(main())
