"""House safety (智慧房安, issue 23): appraisal agencies filed and supervised (credit draws and events),
safety inspections planned by rule over the register's buildings, JGJ 125 appraisals, hazard cases
(留/改/拆) that restrict a building's homes through the registry's one restriction mechanism while
open, structure-change permits and curtain-wall inspections, figures and a map layer.

Other contexts use only what this module exports (the synthetic city: the services it fills through).
"""

from anju.safety.agencies import AgencyIn, EngineerIn, add_engineers, file_agency
from anju.safety.appraisals import AppraisalIn, record_appraisal
from anju.safety.domain import SYNTHETIC_LABEL
from anju.safety.hazards import CloseIn, PathIn, close_case, decide_path, hazard_source
from anju.safety.inspections import InspectionIn, PlanIn, plan_inspection, record_inspection
from anju.safety.layer import SAFETY_LAYER
from anju.safety.synthetic import SynthCounts
from anju.safety.synthetic import generate as synthetic_safety
from anju.safety.tables import safety_hazards, safety_inspections

__all__ = [
    "SAFETY_LAYER",
    "SYNTHETIC_LABEL",
    "AgencyIn",
    "AppraisalIn",
    "CloseIn",
    "EngineerIn",
    "InspectionIn",
    "PathIn",
    "PlanIn",
    "SynthCounts",
    "add_engineers",
    "close_case",
    "decide_path",
    "file_agency",
    "hazard_source",
    "plan_inspection",
    "record_appraisal",
    "record_inspection",
    "safety_hazards",
    "safety_inspections",
    "synthetic_safety",
]
