"""Which parser reads each kind of column (the data dictionary's `kind`), and the kinds where a
lone dash is an answer rather than an empty cell.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from converter.read.values.alterations import parse_fusion, parse_molecular
from converter.read.values.ihc import parse_ihc_panel
from converter.read.values.imaging import parse_imaging
from converter.read.values.ki67 import parse_ki67
from converter.read.values.mitoses import parse_mitotic_count
from converter.read.values.outcomes import (
    parse_follow_up,
    parse_metastasis,
    parse_recurrence,
    parse_recurrence_metastasis,
    parse_status,
)
from converter.read.values.performance import parse_ecog, parse_karnofsky
from converter.read.values.references import parse_reference
from converter.read.values.sites import parse_site
from converter.read.values.sizes import parse_size
from converter.read.values.smoking import parse_smoking
from converter.read.values.stages import parse_grade, parse_stage
from converter.read.values.survival import parse_event_status, parse_os_status
from converter.read.values.terms import (
    parse_border,
    parse_depth,
    parse_enhancement,
    parse_fusion_method,
    parse_ihc,
    parse_laterality,
    parse_margin,
    parse_presence,
    parse_sex,
    parse_signal,
    parse_surgery,
    parse_surgery_intent,
    parse_vascularity,
)
from converter.read.values.text import Warn, parse_case_id, parse_text
from converter.read.values.times import parse_age, parse_age_sex, parse_months
from converter.read.values.treatments import parse_treatment_response, parse_treatments
from converter.read.values.tumours import parse_diagnosis

Parser = Callable[[str, "str | None", Warn], Any]


PARSERS: dict[str, Parser] = {
    "case_id": parse_case_id,
    "age": parse_age,
    "age_sex": parse_age_sex,
    "recurrence_metastasis": parse_recurrence_metastasis,
    "sex": parse_sex,
    "diagnosis": parse_diagnosis,
    "site": parse_site,
    "laterality": parse_laterality,
    "depth": parse_depth,
    "size": parse_size,
    "fusion": parse_fusion,
    "molecular": parse_molecular,
    "fusion_method": parse_fusion_method,
    "pan_trk_ihc": parse_ihc,
    "ihc_panel": parse_ihc_panel,
    "vascularity": parse_vascularity,
    "presence": parse_presence,
    "border": parse_border,
    "signal": parse_signal,
    "enhancement": parse_enhancement,
    "imaging": parse_imaging,
    "text": parse_text,
    "surgery": parse_surgery,
    "surgery_intent": parse_surgery_intent,
    "margin": parse_margin,
    "treatments": parse_treatments,
    "response": parse_treatment_response,
    "recurrence": parse_recurrence,
    "metastasis": parse_metastasis,
    "months": parse_months,
    "status": parse_status,
    "follow_up": parse_follow_up,
    "os_status": parse_os_status,
    "event_status": parse_event_status,
    "stage": parse_stage,
    "grade": parse_grade,
    # other columns papers print (issue 13)
    "smoking": parse_smoking,
    "ecog": parse_ecog,
    "karnofsky": parse_karnofsky,
    "ki67": parse_ki67,
    "mitotic_count": parse_mitotic_count,
    "reference": parse_reference,
}


# kinds where a lone "-" means "no"/"negative" rather than an empty cell
DASH_IS_VALUE = {"presence", "vascularity", "pan_trk_ihc", "fusion", "molecular", "recurrence", "metastasis"}
