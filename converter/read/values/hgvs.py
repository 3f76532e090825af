"""HGVS sequence-variant descriptions as tables write them: protein changes (`p.Val600Glu`,
`p.V600E`, bare `V600E`, `p.(Gly12Cys)`, `p.E746_A750del`, `p.R1450Lfs*8`, `p.*757Lysext*?` ...)
normalised to 3-letter HGVS, and coding-DNA changes (`c.1799T>A`, `NM_004333.4:c.1799T>A`,
`c.2888-1G>A`, `c.2235_2249del` ...) checked and classified. Each gives the Sequence Ontology
(SO) term the description implies *by definition* — never a guess from the gene or the tumour.

Why a grammar of our own: the HGVS libraries on PyPI do not fit a cell parser that must work
offline and stay light. `hgvs` (biocommons, 1.5.7) parses offline, but installing it pulls in
psycopg2, biocommons.seqrepo, bioutils, parsley and IPython; its parser also wants an accession
and knows no bare `V600E`. `hgvs-weaver` (1.0.1, Rust) parses offline and fast (~4 µs), but is a
3.8 MB native wheel that declares maturin (a build tool) as a run-time dependency, refuses
descriptions without an accession (`p.V600E`, `c.1799T>A`), writes insertions in 1-letter code
(`p.Asp770_Asn771insSVD`) and gives no consequence. The subset of HGVS case tables use is small
and regular; the grammar below covers it and is tested against the HGVS Nomenclature's own
examples (https://hgvs-nomenclature.org/stable/recommendations/, cited in tests/read/test_hgvs.py).

Consequences (SO definitions, SO release in mappings/terminology/so.tsv):
- missense_variant — "changes one or more bases, resulting in a different amino acid sequence
  but where the length is preserved": a substitution of one amino acid by another (p.Val600Glu).
- synonymous_variant — "there is no resulting change to the encoded amino acid": p.=, p.Leu54=
  (and the MAF style p.L54L, which HGVS asks to write p.Leu54=; normalised to it).
- stop_gained — "at least one base of a codon is changed, resulting in a premature stop codon":
  a substitution to Ter (p.Arg273Ter, p.R273*), or an insertion or delins whose inserted
  sequence holds Ter. `X` is read as HGVS defines it today, an unknown amino acid (p.Gly719Xaa,
  no consequence): old papers used it for Ter (R273X) and EGFR papers for "any" (G719X), so the
  consequence is not certain; after `fs` and `ext` X can only be Ter and is read so.
- stop_lost — "at least one base of the terminator codon (stop) is changed, resulting in an
  elongated transcript": a C-terminal extension (p.Ter757LysextTer?) or Ter changed to an amino
  acid. stop_retained_variant for Ter→Ter.
- start_lost — "a codon variant that changes at least one base of the canonical start codon":
  any change of Met1 (p.Met1?, p.Met1Val).
- frameshift_variant — "causes a disruption of the translational reading frame": any `fs`.
- inframe_deletion — "an inframe non synonymous variant that deletes bases from the coding
  sequence": p.Glu746_Ala750del.
- inframe_insertion — "an inframe non synonymous variant that inserts bases into the coding
  sequence": ins and dup (a duplication inserts a copy).
- protein_altering_variant — "predicted to change the protein encoded in the coding sequence":
  an in-frame delins (p.Leu747_Pro753delinsSer). It may shorten, lengthen or keep the length, so
  neither inframe_deletion, inframe_insertion nor missense_variant holds by definition.
- None for p.?, p.0, p.(Arg12?), p.Gly719Xaa and the N-terminal extension p.Met1ext-5 (a 5' UTR
  change).

DNA change types (c.): SNV for a one-base substitution; MNV — "a multiple nucleotide variant
(substitution) in which the inserted sequence is the same length as the replaced sequence" —
for a delins of a range of exonic positions replaced by as many bases; deletion, insertion,
duplication, inversion, delins otherwise. Splice consequences come from the intron offset alone
(HGVS numbers c.77+1 the first intron base after exon base 77, c.78-1 the last before base 78):
splice_donor_variant ("changes the 2 base region at the 5' end of an intron") when every changed
base is at +1/+2, splice_acceptor_variant ("the 2 base region at the 3' end of an intron") at -1/-2,
splice_region_variant ("within 1-3 bases of the exon or 3-8 bases of the intron") when every
changed base lies between +3 and +8 (or -3 and -8); a change reaching further, or exonic bases
whose distance to the exon end is unknown, gets no splice term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

THREE_LETTER = {
    "A": "Ala", "R": "Arg", "N": "Asn", "D": "Asp", "C": "Cys", "Q": "Gln", "E": "Glu", "G": "Gly",
    "H": "His", "I": "Ile", "L": "Leu", "K": "Lys", "M": "Met", "F": "Phe", "P": "Pro", "S": "Ser",
    "T": "Thr", "W": "Trp", "Y": "Tyr", "V": "Val", "U": "Sec", "O": "Pyl", "*": "Ter",
}
_THREE = set(THREE_LETTER.values()) | {"Xaa"}
# 3-letter codes first, so "Ter" is not read as T + "er"; X alone is the old sign for a stop
_AA = r"(?:" + "|".join(sorted(_THREE)) + r"|[ACDEFGHIKLMNPQRSTVWYUOX*])"
_AA_SEQ = rf"(?:{_AA})+"


# every Sequence Ontology term name this module can give (tests check each is in so.tsv)
SO_TERMS = frozenset({
    "missense_variant", "synonymous_variant", "stop_gained", "stop_lost", "stop_retained_variant",
    "start_lost", "start_retained_variant", "frameshift_variant", "inframe_deletion",
    "inframe_insertion", "protein_altering_variant", "SNV", "MNV", "deletion", "insertion", "delins",
    "duplication", "inversion", "splice_donor_variant", "splice_acceptor_variant",
    "splice_region_variant",
})


class HgvsError(ValueError):
    """A description that starts like HGVS (p. or c.) but does not follow it; the message says
    what is wrong."""


@dataclass(frozen=True, slots=True)
class ProteinChange:
    hgvs: str  # 3-letter HGVS, e.g. "p.Val600Glu", "p.(Gly12Cys)", "p.Arg1450LeufsTer8"
    consequence: str | None  # SO term name


@dataclass(frozen=True, slots=True)
class CodingChange:
    hgvs: str  # c. description as written (validated), e.g. "c.1799T>A"
    transcript: str | None  # e.g. "NM_004333.4"
    change_type: str | None  # SO term name: SNV, MNV, deletion, insertion, delins, duplication...
    consequence: str | None  # SO splice term when the intron offset makes it certain


def _aa3(code: str) -> str:
    if code in _THREE:
        return code
    if code == "X":  # HGVS: X is an unknown amino acid (Xaa); it meant Ter only in old papers
        return "Xaa"
    return THREE_LETTER[code]


def _seq3(seq: str) -> str:
    return "".join(_aa3(code) for code in re.findall(_AA, seq))


_POS = r"(\d+)"
_P_SUB = re.compile(rf"({_AA}){_POS}({_AA}|=|\?)")
_P_RANGE = rf"({_AA}){_POS}(?:_({_AA}){_POS})?"
_P_DEL_DUP = re.compile(rf"{_P_RANGE}(del|dup)")
_P_INS = re.compile(rf"{_P_RANGE}(delins|ins)((?:Ter|\*)\d+|\d+|{_AA_SEQ}|X\[\d+\]|Xaa\[\d+\])")
_P_FS = re.compile(rf"({_AA}){_POS}({_AA})?fs(?:(?:Ter|\*|X)(\d+|\?))?")
_P_EXT_C = re.compile(rf"(?:Ter|\*|X){_POS}({_AA})ext(?:Ter|\*|X)(\d+|\?)")
_P_EXT_N = re.compile(r"(?:Met|M)1ext(-\d+)")
_P_SPECIAL = {"=": "synonymous_variant", "?": None, "0": None, "0?": None}


def _range3(first: str, start: str, last: str | None, end: str | None) -> str:
    text = f"{_aa3(first)}{start}"
    if last is not None and end is not None:
        text += f"_{_aa3(last)}{end}"
    return text


def _protein_body(body: str) -> ProteinChange | None:
    """`body` without `p.` and parentheses, e.g. "V600E" → 3-letter form and consequence."""
    if body in _P_SPECIAL:
        return ProteinChange(body, _P_SPECIAL[body])
    if m := _P_SUB.fullmatch(body):
        ref, pos, alt = _aa3(m[1]), m[2], m[3]
        if alt == "=" or (alt != "?" and _aa3(alt) == ref):
            same = {"Ter": "stop_retained_variant", "Met": "start_retained_variant"}
            return ProteinChange(f"{ref}{pos}=", same.get(ref, "synonymous_variant") if
                                 ref != "Met" or pos == "1" else "synonymous_variant")
        if ref == "Met" and pos == "1":
            return ProteinChange(f"Met1{alt if alt == '?' else _aa3(alt)}", "start_lost")
        if alt == "?":
            return ProteinChange(f"{ref}{pos}?", None)
        alt3 = _aa3(alt)
        if ref == "Ter":
            return ProteinChange(f"Ter{pos}{alt3}", "stop_lost")
        if alt3 == "Xaa":  # G719X: any amino acid, perhaps a stop: no consequence by definition
            return ProteinChange(f"{ref}{pos}Xaa", None)
        return ProteinChange(f"{ref}{pos}{alt3}", "stop_gained" if alt3 == "Ter" else "missense_variant")
    if m := _P_DEL_DUP.fullmatch(body):
        where = _range3(m[1], m[2], m[3], m[4])
        return ProteinChange(f"{where}{m[5]}", "inframe_deletion" if m[5] == "del" else "inframe_insertion")
    if m := _P_INS.fullmatch(body):
        where, kind, inserted = _range3(m[1], m[2], m[3], m[4]), m[5], m[6]
        if kind == "ins" and m[3] is None:
            raise HgvsError("an insertion names the two amino acids it lies between "
                            "(p.Lys23_Leu24insAsp, not p.Lys23insAsp)")
        if re.fullmatch(r"(?:Ter|\*)\d+", inserted):  # p.Lys2_Leu3insTer12: a stop in what is inserted
            inserted_text, stop = "Ter" + inserted.lstrip("Ter*"), True
        elif inserted.isdigit() or "[" in inserted:
            inserted_text = inserted.replace("Xaa", "X").replace("X[", "Xaa[")
            stop = False
        else:
            inserted_text = _seq3(inserted)
            stop = "Ter" in inserted_text
        consequence = ("stop_gained" if stop else
                       "inframe_insertion" if kind == "ins" else "protein_altering_variant")
        return ProteinChange(f"{where}{kind}{inserted_text}", consequence)
    if m := _P_FS.fullmatch(body):
        text = f"{_aa3(m[1])}{m[2]}{_aa3(m[3]) if m[3] else ''}fs"
        if m[4] is not None:
            text += f"Ter{m[4]}"
        return ProteinChange(text, "frameshift_variant")
    if m := _P_EXT_C.fullmatch(body):
        return ProteinChange(f"Ter{m[1]}{_aa3(m[2])}extTer{m[3]}", "stop_lost")
    if m := _P_EXT_N.fullmatch(body):
        return ProteinChange(f"Met1ext{m[1]}", None)
    return None


_P_WRAPPED = re.compile(r"p\.(\()?(.*?)(\))?")


_PROTEIN_REFERENCE = re.compile(r"((?:NP|XP)_\d+(?:\.\d+)?|ENSP\d+(?:\.\d+)?):(?=p\.)")


def protein_reference(text: str) -> tuple[str | None, str]:
    """`NP_004324.2:p.Val600Glu` → ("NP_004324.2", "p.Val600Glu")."""
    if m := _PROTEIN_REFERENCE.match(text.strip()):
        return m[1], text.strip()[m.end():]
    return None, text


def protein_change(text: str) -> ProteinChange | None:
    """The protein change `text` describes, with or without `p.` and parentheses, in 1- or
    3-letter code; None when `text` is not one. Raises HgvsError for text that starts with `p.`
    but does not follow HGVS (`p.V600`). A protein reference before it (NP_...:) is dropped: see
    protein_reference."""
    text = protein_reference(text)[1].strip()
    explicit = text.startswith("p.")
    if explicit:
        m = _P_WRAPPED.fullmatch(text)
        assert m is not None  # the pattern matches anything starting with "p."
        opened, body, closed = m[1] is not None, m[2], m[3] is not None
        if opened != closed:
            raise HgvsError(f"unbalanced parentheses in {text!r}")
    else:
        body, opened = text, False
        if body.startswith("(") and body.endswith(")"):
            body, opened = body[1:-1], True
    found = _protein_body(body)
    if found is None:
        if explicit:
            raise HgvsError(f"{text!r} is not an HGVS protein change (e.g. p.Val600Glu, p.V600E, "
                            "p.Glu746_Ala750del, p.Arg1450fs)")
        return None
    hgvs = f"p.({found.hgvs})" if opened else f"p.{found.hgvs}"
    return ProteinChange(hgvs, found.consequence)


# a transcript (RefSeq, Ensembl or LRG), optionally with a gene in brackets: NM_004333.4(BRAF):
_TRANSCRIPT = re.compile(r"((?:[NX][MRCGTW]_\d+|ENST\d+|LRG_\d+(?:t\d+)?)(?:\.\d+)?)(?:\(([^()]+)\))?:")
_C_POS = r"(?:([-*]?\d+)([+-]\d+)?|\?)"
_C_BASES = r"[ACGTNRYKMSWBDHV]+"
_C_CHANGE = re.compile(
    rf"c\.(?P<start>{_C_POS})(?:_(?P<end>{_C_POS}))?"
    rf"(?:(?P<ref>[ACGT])>(?P<alt>[ACGT])"
    rf"|(?P<kind>delins|del|dup|ins|inv)(?P<seq>{_C_BASES}|\d+|N\[\d+\])?(?:ins(?P<oldins>{_C_BASES}|\d+))?)")
_C_ONE_POS = re.compile(r"([-*]?\d+)([+-]\d+)?")


def _offsets(position: str) -> tuple[str, int]:
    m = _C_ONE_POS.fullmatch(position)
    if m is None:
        return position, 0
    return m[1], int(m[2] or 0)


def _same_length(start: str, end: str | None, inserted: str) -> bool:
    """A delins of exonic coding positions replaced by as many bases (an MNV by SO's definition)."""
    first = _C_ONE_POS.fullmatch(start)
    last = _C_ONE_POS.fullmatch(end) if end is not None else first
    if first is None or last is None or not inserted.isalpha():
        return False
    if first[2] or last[2] or first[1].startswith(("-", "*")) or last[1].startswith(("-", "*")):
        return False
    length = int(last[1]) - int(first[1]) + 1
    return length >= 2 and length == len(inserted)


def _splice_term(start: str, end: str | None, insertion: bool) -> str | None:
    """SO splice term certain from the intron offsets of the changed bases (module docstring)."""
    anchor1, offset1 = _offsets(start)
    anchor2, offset2 = _offsets(end) if end is not None else (anchor1, offset1)
    if anchor1 != anchor2 or "?" in (start, end):
        return None
    low, high = sorted((offset1, offset2))
    changed = {low, high} if insertion else set(range(low, high + 1))
    if insertion and high - low != 1:
        return None
    if changed <= {1, 2}:
        return "splice_donor_variant"
    if changed <= {-1, -2}:
        return "splice_acceptor_variant"
    if all(3 <= c <= 8 for c in changed) or all(-8 <= c <= -3 for c in changed) or (
            insertion and (changed <= set(range(2, 9)) or changed <= set(range(-8, -1)))):
        return "splice_region_variant"
    return None


def coding_change(text: str) -> CodingChange | None:
    """The coding-DNA change `text` describes (`c.1799T>A`, `NM_004333.4:c.1799T>A`), or None
    when it is not one. Raises HgvsError for text that starts like one but does not follow HGVS
    (`c.1799T>`)."""
    text = text.strip()
    transcript = None
    if m := _TRANSCRIPT.match(text):
        transcript, rest = m[1], text[m.end():]
        if m[2] and re.fullmatch(r"(?:NM|NR|XM|XR|ENST)_?\d+(?:\.\d+)?", m[2]):
            transcript = m[2]  # NC_000023.11(NM_004006.2):c.3921dup: the transcript in brackets
    else:
        rest = text
    if not rest.startswith("c."):
        if transcript is not None:
            raise HgvsError(f"{text!r}: only coding DNA (c.) changes are read after a transcript")
        return None
    m = _C_CHANGE.fullmatch(rest)
    if m is None:
        raise HgvsError(f"{text!r} is not an HGVS coding DNA change (e.g. c.1799T>A, c.2235_2249del, "
                        "c.35_36insA, c.2888-1G>A)")
    start, end, kind, seq = m["start"], m["end"], m["kind"], m["seq"]
    if m["ref"]:
        if end is not None:
            raise HgvsError(f"{text!r}: a substitution changes one nucleotide (c.1799T>A); "
                            "write several with delins")
        change_type = "SNV"
    elif kind == "delins" or m["oldins"] is not None:
        inserted = m["oldins"] or seq
        if not inserted:
            raise HgvsError(f"{text!r}: a delins names the inserted nucleotides (c.2235_2249delinsA)")
        change_type = "MNV" if _same_length(start, end, inserted) else "delins"
    elif kind == "ins":
        if end is None or not seq:
            raise HgvsError(f"{text!r}: an insertion names the two nucleotides it lies between and "
                            "what is inserted (c.35_36insA)")
        change_type = "insertion"
    elif m["oldins"] is None and kind in ("del", "dup", "inv"):
        change_type = {"del": "deletion", "dup": "duplication", "inv": "inversion"}[kind]
    else:
        raise HgvsError(f"{text!r} is not an HGVS coding DNA change")
    consequence = _splice_term(start, end, change_type == "insertion")
    return CodingChange(rest, transcript, change_type, consequence)


def looks_like_hgvs(token: str) -> bool:
    """Whether `token` is meant as an HGVS description (so a failure to parse is a mistake)."""
    return bool(re.match(r"(?:[pcgnr]\.|(?:[NX][MRCGTWP]_|ENS[TP]|LRG_)\d)", token))
