"""`python -m imaging_atlas.explorer`: write the offline Atlas explorer."""

import sys

from imaging_atlas.explorer.site import main

sys.exit(main())
