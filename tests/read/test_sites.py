"""Site cells: region, side and depth taken out of the words (converter/read/values/sites.py)."""

from __future__ import annotations

import pytest

from converter.read.values.sites import parse_site
from mappings.terminology import concept, entry


class Warnings(list[str]):
    def __call__(self, message: str) -> None:
        self.append(message)


@pytest.mark.parametrize(("text", "region", "laterality", "depth"), [
    ("right hand", "hand", "right", None),
    ("L lower leg", "lower-leg", "left", None),
    ("Rt forearm", "forearm", "right", None),
    ("Lt. thigh, intramuscular", "thigh", "left", "deep"),
    ("left-sided chest wall", "chest-wall", "left", None),
    ("thorax", "chest", None, None),
    ("right sided knee", "knee", "right", None),
    ("bilateral breasts", "breast", "right-and-left", None),
    ("left thigh, subcutaneous", "thigh", "left", "superficial"),
    ("deep soft tissue of the right buttock", "buttock", "right", "deep"),
    ("superficial scalp", "scalp", None, "superficial"),
    ("subcutaneous, forehead", "face", None, "superficial"),
    ("R distal femur", "femur", "right", None),
    ("proximal tibia (left)", "tibia", "left", None),
    ("Lung; liver metastases", "lung", None, None),
    ("retroperitoneal", "retroperitoneum", None, None),
    ("posterior mediastinum", "mediastinum", None, None),
    ("left parotid gland", "parotid", "left", None),
    ("tongue", "tongue", None, None),
    ("right cheek", "cheek", "right", None),
    ("pancreatic head", "pancreas", None, None),
    ("sigmoid colon", "colon", None, None),
    ("rectum", "rectum", None, None),
    ("stomach", "stomach", None, None),
    ("left kidney", "kidney", "left", None),
    ("urinary bladder", "bladder", None, None),
    ("gall bladder", "gallbladder", None, None),
    ("prostate gland", "prostate", None, None),
    ("right ovary", "ovary", "right", None),
    ("uterine corpus", "uterus", None, None),
    ("lumbar spine", "spine", None, None),
    ("left humerus", "humerus", "left", None),
    ("plantar foot", "foot", None, None),
    ("pelvis", "pelvis", None, None),
    ("left-hand side of the abdomen", "abdomen", "left", None),
    ("back of the right hand", "hand", "right", None),
    ("dorsum of foot", "foot", None, None),
    ("hepatic flexure", "colon", None, None),
    ("renal pelvis", "kidney", None, None),
    ("head and neck", "head-and-neck", None, None),
    ("Cerebellum", "cerebellum", None, None),
    ("right cerebral hemisphere", "brain", "right", None),
])
def test_region_side_and_depth_come_out_of_the_words(
        text: str, region: str, laterality: str | None, depth: str | None) -> None:
    warnings = Warnings()
    site = parse_site(text, None, warnings)
    assert (site.region, site.laterality, site.depth) == (region, laterality, depth)
    assert site.text == text
    assert not warnings


@pytest.mark.parametrize("text", ["cervix", "uterine cervix", "Cervix uteri", "neck of the uterus"])
def test_the_cervix_is_the_cervix(text: str) -> None:
    assert parse_site(text, None, Warnings()).region == "cervix"


@pytest.mark.parametrize("text", ["cervical lymph node", "left cervical lymph nodes",
                                  "cervical soft tissue", "neck"])
def test_cervical_nodes_and_soft_tissue_are_the_neck(text: str) -> None:
    assert parse_site(text, None, Warnings()).region == "neck"


def test_cervical_spine_is_the_spine_not_the_neck_or_cervix() -> None:
    assert parse_site("cervical spine", None, Warnings()).region == "spine"


def test_bare_cervical_is_no_region() -> None:
    """"cervical" alone may be the neck, the cervix or the spine: kept as text, with a warning."""
    warnings = Warnings()
    site = parse_site("cervical", None, warnings)
    assert site.region is None and site.text == "cervical"
    assert len(warnings) == 1 and "no known body region" in warnings[0]


@pytest.mark.parametrize(("text", "region"), [
    ("femoral neck", "femur"), ("neck of the femur", "femur"), ("neck of humerus", "humerus"),
    ("bladder neck", "bladder"), ("pancreatic neck", "pancreas"),
])
def test_the_neck_of_a_part_is_that_part(text: str, region: str) -> None:
    assert parse_site(text, None, Warnings()).region == region


@pytest.mark.parametrize("text", ["nasal vestibule", "philtrum", "peripheral blood", "mesentery"])
def test_sites_the_region_vocabulary_does_not_name_stay_text_and_warn(text: str) -> None:
    warnings = Warnings()
    site = parse_site(text, None, warnings)
    assert site.region is None and site.text == text and len(warnings) == 1


@pytest.mark.parametrize(("text", "region", "laterality"), [
    ("left distal radius", "radius", "left"), ("radial neck", "radius", None),
    ("right talus", "talus", "right"), ("talar neck", "talus", None),
    ("calcaneus", "calcaneus", None), ("os calcis", "calcaneus", None),
    ("left orbit", "orbit", "left"), ("orbital", "orbit", None),
    ("right upper eyelid", "upper-eyelid", "right"), ("eyelid", "eyelid", None),
    ("conjunctiva", "conjunctiva", None), ("left eye", "eye", "left"),
    ("glottic larynx", "glottis", None), ("left vocal cord", "glottis", "left"),
    ("supraglottic larynx", "supraglottis", None), ("supraglottis", "supraglottis", None),
    ("bone marrow", "bone-marrow", None),
    ("right upper lobe", "upper-lobe", "right"), ("RUL", "upper-lobe", "right"),
    ("left lower lobe of the lung", "lower-lobe", "left"), ("LLL", "lower-lobe", "left"),
    ("right middle lobe", "middle-lobe", "right"), ("upper lobe of the left lung", "upper-lobe", "left"),
    ("extrahepatic bile duct", "bile-duct", None), ("common bile duct", "common-bile-duct", None),
    ("skull base", "skull", None), ("calvarium", "skull", None),
    ("iliac wing", "ilium", None), ("pelvic bone", "pelvic-bone", None), ("left 5th rib", "rib", "left"),
    ("sternum", "sternum", None), ("patella", "patella", None),
    ("greater omentum", "omentum", None), ("peritoneal", "peritoneum", None),
    ("nasopharynx", "nasopharynx", None), ("oral cavity", "oral-cavity", None),
    ("floor of the mouth", "floor-of-mouth", None), ("Oral floor", "floor-of-mouth", None),
    ("lower lip", "lip", None),
    ("left tonsil", "tonsil", "left"), ("submandibular gland", "submandibular-gland", None),
    ("maxillary sinus", "maxillary-sinus", None), ("nasal cavity", "nasal-cavity", None),
    ("hard palate", "hard-palate", None), ("trachea", "trachea", None),
    ("left main bronchus", "bronchus", "left"), ("right pleura", "pleura", "right"),
    ("heart", "heart", None), ("thymus", "thymus", None), ("spleen", "spleen", None),
    ("jejunum", "jejunum", None), ("terminal ileum", "ileum", None), ("caecum", "cecum", None),
    ("appendix", "appendix", None), ("anal canal", "anal-canal", None),
    ("left adrenal gland", "adrenal", "left"), ("right ureter", "ureter", "right"),
    ("urethra", "urethra", None), ("left fallopian tube", "fallopian-tube", "left"),
    ("popliteal fossa", "popliteal-fossa", None), ("splenic flexure", "colon", None),
    ("left breast", "breast", "left"), ("larynx", "larynx", None), ("sacrum", "sacrum", None),
    ("T12 vertebra", "spine", None), ("scalp", "scalp", None), ("mandible", "mandible", None),
    ("maxilla", "maxilla", None), ("right femur", "femur", "right"), ("fibula", "fibula", None),
    ("left scapula", "scapula", "left"), ("mediastinum", "mediastinum", None),
    ("right testis", "testis", "right"), ("uterus", "uterus", None), ("gallbladder", "gallbladder", None),
    ("Biliary Tract", "biliary-tract", None), ("Sinonasal (nose)", "nose", None),
    ("epiglottis", "supraglottis", None),
])
def test_sites_of_bone_head_and_neck_thoracic_and_visceral_series(
        text: str, region: str, laterality: str | None) -> None:
    warnings = Warnings()
    site = parse_site(text, None, warnings)
    assert (site.region, site.laterality) == (region, laterality)
    assert site.text == text and not warnings


@pytest.mark.parametrize("text", [
    "In front of the anterior wall of the maxillary sinus (genial region)",
    "adjacent to the left kidney", "near the sternum",
])
def test_a_part_the_tumour_lies_beside_is_not_its_site(text: str) -> None:
    warnings = Warnings()
    site = parse_site(text, None, warnings)
    assert site.region is None and site.text == text
    assert len(warnings) == 1 and "no known body region" in warnings[0]


def test_a_neighbour_leaves_the_site_named_before_it() -> None:
    assert parse_site("thigh, adjacent to the femur", None, Warnings()).region == "thigh"


def test_two_regions_code_the_first_with_a_warning() -> None:
    warnings = Warnings()
    assert parse_site("hand and foot", None, warnings).region == "hand"
    assert len(warnings) == 1 and "several regions" in warnings[0]


def test_two_sides_leave_the_side_uncoded() -> None:
    warnings = Warnings()
    site = parse_site("left and right thigh", None, warnings)
    assert site.region == "thigh" and site.laterality is None and warnings


def test_every_region_is_coded_by_a_body_structure() -> None:
    """The region codes are SNOMED body structures (regions named by qualifiers are elsewhere)."""
    from mappings.terminology import vocabulary

    for key, region in vocabulary("region").items():
        item = concept(region.attributes["concept"])
        assert item.system == "http://snomed.info/sct", key
        assert entry("region", key) is region
