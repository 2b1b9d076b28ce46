"""Urban renewal (城市更新, issue 23, part "renewal projects"): the project library of old-community
renovation, shanty-town renovation (留/改/拆, 征收 households linked to the assistance context's
征收安置房 programme), lift retrofits per building unit and energy retrofits, on the register's estates
and buildings; their lifecycle, contents from a classified catalogue, funding by source, residents'
consent (an owners' vote of the estates context where there is one); eligibility rules as dated data;
progress against the plan (专栏6, 专栏3) as plan data; the map layers. See docs/renewal.md.

Other contexts use only what this module exports.
"""

from anju.renewal import layers
from anju.renewal.domain import KINDS, STATUSES, SYNTHETIC_LABEL
from anju.renewal.lifecycle import ConsentIn, StepIn
from anju.renewal.projects import ProjectIn
from anju.renewal.synthetic import synthetic_renewal

__all__ = ["KINDS", "STATUSES", "SYNTHETIC_LABEL", "ConsentIn", "ProjectIn", "StepIn", "layers", "synthetic_renewal"]
