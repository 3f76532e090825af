"""The drug table (mappings/terminology/drugs.tsv, derived from the GDC agents and NCIt)."""

from __future__ import annotations

from mappings.terminology.drugs import drug_key, drugs, find_drug


def test_every_gdc_agent_is_there_and_only_verified_codes() -> None:
    table = drugs()
    agents = [d for d in table.values() if d.kind == "agent"]
    assert len(agents) > 4_000
    assert not {"other", "placebo", "unknown", "not reported"} & set(table)
    coded = {d.name: d.ncit_code for d in agents if d.ncit_code}
    # an NCIt code only where NCIt's preferred name is the GDC name
    assert all(d.ncit_name is not None and drug_key(d.ncit_name) == drug_key(d.name)
               for d in agents if d.ncit_code)
    assert coded["Paclitaxel"] == "C1411"
    assert coded["Docetaxel"] == "C1526"
    assert table["crizotinib"].ncit_code is None  # not in the shared NCIt copy: not coded


def test_the_longest_name_within_an_item() -> None:
    found = find_drug("adjuvant high-dose interferon alfa-2b")
    assert found is not None and found.name == "Interferon Alfa-2B"
    found = find_drug("Trastuzumab Emtansine 3.6 mg/kg")
    assert found is not None and found.name == "Trastuzumab Emtansine"
    regimen = find_drug("6 cycles of VAC")
    assert regimen is not None and regimen.kind == "regimen" and regimen.agents is not None
    assert find_drug("hyperthermia") is None
