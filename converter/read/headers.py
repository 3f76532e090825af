"""Headers → dictionary columns: which column a table's header names, with the hint its words
give for bare values (a unit, the genes a result is about, a modality, a treatment heading, the
event a status column's 1 means), and the closest columns for one that names none."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from converter.read.dictionary import (
    ALIASES,
    COLUMNS_BY_NAME,
    TIME_UNIT_WORDS,
    UNIT_HINTS,
    Column,
    area_column,
    header_key,
    header_unit,
)
from converter.read.genecolumns import gene_column, header_genes
from converter.read.values.imaging import (
    header_modality,
    header_words,
    names_imaging_findings,
    without_modality,
)
from converter.read.values.sizes import size_method

# header words that name a status column's event: its 1 (or yes) is the event
EVENT_HEADER_WORDS = {"event", "death", "deceased", "died", "dead", "recurred", "progressed"}


# column kinds whose header may name genes (the unit hint then holds them, space-separated)
GENE_CONTEXT_KINDS = {"fusion", "molecular"}


@dataclass(frozen=True, slots=True)
class Binding:
    column: Column | None  # None: deliberately ignored (--columns maps it to "ignore")
    unit: str | None = None
    # the codebook --columns gives (code → label; None: the code says nothing), if any
    codebook: Mapping[str, str | None] | None = field(default=None, hash=False)


def match_header(text: str) -> Binding | None:
    """The dictionary column (and unit hint) a header names, or None. An imaging findings
    column's hint is the modality its header names ("CT findings", "US"); a size column's adds
    the method ("Size on CT (mm)": "mm ct")."""
    binding = match_column(text)
    if binding is None and names_imaging_findings(text):
        binding = Binding(COLUMNS_BY_NAME["imaging_findings"])
    stripped = without_modality(text)
    if binding is None and stripped.casefold() != text.casefold():
        candidate = match_column(stripped)
        if candidate is not None and candidate.column is COLUMNS_BY_NAME["size"]:
            binding = candidate
    return with_header_method(binding, text) if binding is not None else None


def with_header_method(binding: Binding, header: str) -> Binding:
    """An imaging findings column with the modality its header names as its hint, a size
    column with the method its header names added to its unit; other bindings unchanged."""
    if binding.column is None:
        return binding
    if binding.column.kind == "imaging":
        return replace(binding, unit=header_modality(header))
    method = size_method(header_words(header)) if binding.column.kind == "size" else None
    if method is not None and method not in (binding.unit or "").split():
        return replace(binding, unit=" ".join(filter(None, (binding.unit, method))))
    return binding


def match_column(text: str) -> Binding | None:
    tokens = re.findall(r"[a-z0-9#]+", text.casefold())
    if not tokens:
        return None
    column = ALIASES.get(header_key(text))
    if column is not None:
        if column.kind in GENE_CONTEXT_KINDS:  # "NTRK fusion": the genes a bare result is about
            return Binding(column, " ".join(header_genes(text)) or None)
        if column.name == "treatment":  # "Neoadjuvant therapy": the heading says when
            return Binding(column, text.strip() if "adjuvant" in " ".join(tokens) else None)
        if column.units == "event":  # "OS event", "Death": 1 is the event
            return Binding(column, "1=event" if EVENT_HEADER_WORDS & set(tokens) else None)
        if column.units in ("smoking", "mitotic", "reference"):  # "Pack-years", "Mitoses/10 HPF"
            return Binding(column, header_unit(column, tokens))
        return Binding(column, unit_of(column, tokens[-1]))
    for position, token in enumerate(tokens):  # "days_to_last_followup", "OS_DAYS"
        if token in TIME_UNIT_WORDS:
            renamed = [*tokens[:position], "months", *tokens[position + 1:]]
            column = ALIASES.get(header_key("".join(renamed)))
            if column is not None and column.units == "months":
                return Binding(column, TIME_UNIT_WORDS[token])
    area = area_column(tokens)  # "Mitoses (per 10 HPFs)": the area in any wording
    if area is not None:
        return Binding(area, header_unit(area, tokens))
    named = gene_column(text)  # "EGFR", "KRAS mutation", "ALK/ROS1 status"
    if named is not None:
        return Binding(COLUMNS_BY_NAME[named[0]], " ".join(named[1]))
    for cut in (1, 2):  # "Age (y)", "Size (mm)", "Follow-up, months", "Age (in years)"
        base, unit_word = tokens[:-cut], tokens[-1]
        if not base:
            break
        column = ALIASES.get(header_key("".join(base)))
        if column is not None and unit_of(column, unit_word):
            return Binding(column, unit_of(column, unit_word))
    return None


def suggestions(header: str) -> str:
    """" (did you mean age, age_sex?)": the dictionary columns whose name or alias is closest."""
    key = header_key(header)
    close = difflib.get_close_matches(key, list(ALIASES), n=6, cutoff=0.75)
    names = list(dict.fromkeys(ALIASES[k].name for k in close))[:3]
    return f" (closest: {', '.join(names)})" if names else ""


def unit_of(column: Column, word: str) -> str | None:
    return UNIT_HINTS.get(column.units or "", {}).get(word)
