"""Statistical secrecy of the published indicators: the suppression pattern and the exact audit that
proves it safe against an attacker who reads every published table and knows the definitions.

- `relations`: the indicator groups, their exam scopes and the relations a reader derives from them;
- `tree`, `counts`: one year's counts on the geographic tree, and what the tables show of them;
- `system`: the attacker's linear system of one year;
- `audit`: the exact audit with HiGHS against tau-ARGUS's protection criterion;
- `sectors`: the statistical sectors' protection by construction;
- `repair`: the cheapest masking that restores a failing count;
- `suppression`: the pattern of one year and of every year (`suppression_masks`).
"""

from imaging_atlas.secrecy.audit import THRESHOLD
from imaging_atlas.secrecy.suppression import primary_suppression, suppression_masks, under_threshold
from imaging_atlas.secrecy.tree import NO_DOMICILE, build_tree, parent_units

__all__ = [
    "NO_DOMICILE",
    "THRESHOLD",
    "build_tree",
    "parent_units",
    "primary_suppression",
    "suppression_masks",
    "under_threshold",
]
