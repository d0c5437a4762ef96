"""`python -m imaging_atlas` runs the same command line as `imaging-atlas` (imaging_atlas/cli.py)."""

from imaging_atlas.cli import main

raise SystemExit(main())
