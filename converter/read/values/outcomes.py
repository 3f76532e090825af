"""Outcomes: the status at last follow-up, local recurrence and
metastasis (with their times and sites).
"""

from __future__ import annotations

import re

from converter.problems import shorten
from converter.read.schema import Event, Term
from converter.read.values.terms import keyword_hits, lookup
from converter.read.values.text import InvalidValue, Warn, norm
from converter.read.values.times import parse_duration, split_months
from converter.read.values.times import parse_follow_up as follow_up_time
from mappings.terminology import vocabulary

# "improvement of 19 months", "over 36 years", "for 2 years": the length of what the words
# describe, not the time of the last follow-up (nor of a recurrence)
_SPAN = re.compile(r"\b(of|for|over|lasting|during|throughout)\s+(about\s+|some\s+)?\d", re.I)
# "37 months after surgery", "6 months after the surgery", "12 mo postoperatively": words that
# only say the follow-up counts from the surgery
_AFTER_SURGERY = re.compile(
    r"^\s*(.*?\d.*?)\s*(after|from|post|following)\s+(the\s+)?(surgery|operation|resection)\s*$|"
    r"^\s*(.*?\d.*?)\s*(postoperatively|post-operatively|postop|post-op|after operation)\s*$",
    re.I)


def parse_status(text: str, hint: str | None,
                 warn: Warn) -> tuple[Term, int | float | None, Event | None]:
    """The status, the follow-up time it states, and a recurrence it states with its time
    ("recurred 1 yr later", "recurrence after 8 months": a recurrence at 12 / 8 months, not a
    follow-up time)."""
    rest, months = split_months(text)
    if months is not None and _SPAN.search(text):
        warn(f"{shorten(text, 80)!r} gives a length of time (of, for, over ...), not the time of "
             "the last follow-up; the time is kept only in the text")
        rest, months = text, None
    rest = re.sub(r"^\s*[01]\s*:\s*", "", rest)  # cBioPortal's "1:DECEASED", "0:LIVING"
    key = lookup("status", rest) if rest else None
    if key is None:
        key = lookup("status", text)
    if key is None:
        warn(f"{shorten(text, 80)!r} is not a known follow-up status (NED, AWD, DOD, DOC, alive, dead); "
             "kept as text without a code")
    recurred = _STATED_RECURRENCE.search(rest) and not _DENIED_RECURRENCE.search(rest)
    if recurred and months is not None:
        return Term(text=text, key=key), None, Event(True, text, months)
    return Term(text=text, key=key), months, None


_STATED_RECURRENCE = re.compile(r"\b(recurred|recurrence|recurrent|relapsed?|local recurrence|lr)\b",
                                re.I)
_DENIED_RECURRENCE = re.compile(r"\b(no|without|free of|never)\b[^,;]*\b(recurr|relaps)", re.I)


_RECURRENCE_WORDS = {"lr", "local recurrence", "recurrence", "recurred", "relapse", "local relapse",
                     "relapsed", "recurrent", "yes local recurrence", "local"}


def _event(text: str, warn: Warn, what: str) -> tuple[bool | None, str, int | float | None]:
    rest, months = split_months(text)
    n = norm(rest)
    if not n:
        return (True if months is not None else None), rest, months
    key = lookup("presence", rest)
    if key is None and (n in _RECURRENCE_WORDS or (  # "Recurred 8 months after excision"
            _STATED_RECURRENCE.search(rest) and not _DENIED_RECURRENCE.search(rest))):
        key = "yes"
    if key is None:
        return None, rest, months
    return key == "yes", rest, months


def parse_recurrence(text: str, hint: str | None, warn: Warn) -> Event:
    occurred, _, months = _event(text, warn, "recurrence")
    if occurred is None:
        raise InvalidValue("not a recurrence answer; write yes, no or 'yes (14 mo)'")
    if not occurred and months is not None:
        months = None  # "no recurrence at 36 mo" is follow-up, not a recurrence time
    return Event(occurred, text, months)


def parse_metastasis(text: str, hint: str | None, warn: Warn) -> Event:
    occurred, rest, months = _event(text, warn, "metastasis")
    site_keys = keyword_hits("metastasis_site", rest)
    if occurred is False:
        return Event(False, text)
    if site_keys:
        sites = tuple(Term(text=vocabulary("metastasis_site")[k].label, key=k) for k in site_keys)
        return Event(True, text, months, sites)
    if occurred is None:
        site = re.sub(r"^(yes|y|present)\b[\s,:;-]*", "", rest, flags=re.I).strip(" ()") or rest
        warn(f"{shorten(site, 80)!r} is not a known metastasis site; kept as text without a code")
        return Event(True, text, months, (Term(text=site),))
    return Event(True, text, months)


_ITEM_SPLIT = re.compile(r"\s*[;,]\s*(?![^()]*\))")
_BOTH_SPLIT = re.compile(r"\s+(?:and|with|\+)\s+(?![^()]*\))", re.I)
_NAMES_METASTASIS = re.compile(r"metasta|\bmets?\b|\bdm\b", re.I)
_NAMES_RECURRENCE = re.compile(r"recurr|relaps|\blr\b", re.I)
_DENIED = re.compile(r"^\s*(?:no|none|neither|without|free of)\b", re.I)


def parse_recurrence_metastasis(text: str, hint: str | None,
                                warn: Warn) -> tuple[Event | None, Event | None]:
    """A "Recurrence/metastasis" cell, as papers print both in one column: each item naming a
    metastasis is read as one ("lung and liver metastases"), each naming a recurrence as one
    ("Local recurrence", "Recurrence ten months later"); "no"/"none" alone, or "no recurrence or
    metastasis", says neither happened, "no recurrence" only that there was none. An item
    naming neither ("yes", "progression") does not say which it was: left out, with a warning,
    never guessed."""
    if not _NAMES_METASTASIS.search(text) and not _NAMES_RECURRENCE.search(text):
        occurred, _, _ = _event(text, warn, "recurrence")
        if occurred is False:  # "no", "none", "-": neither
            return Event(False, text), Event(False, text)
        warn(f"{shorten(text, 80)!r} does not say whether it was a recurrence or a metastasis; "
             "left out")
        return None, None
    recurrences: list[str] = []
    metastases: list[str] = []
    for item in filter(None, _ITEM_SPLIT.split(text.strip())):
        names = bool(_NAMES_RECURRENCE.search(item)), bool(_NAMES_METASTASIS.search(item))
        if names == (True, True) and _DENIED.match(item):  # "no recurrence or metastasis"
            recurrences.append(item)
            metastases.append(item)
            continue
        parts = _BOTH_SPLIT.split(item) if names == (True, True) else [item]
        for part in parts:
            if _NAMES_METASTASIS.search(part) and not _NAMES_RECURRENCE.search(part):
                metastases.append(part)
            elif _NAMES_RECURRENCE.search(part) and not _NAMES_METASTASIS.search(part):
                recurrences.append(part)
            else:
                warn(f"{shorten(part, 80)!r} does not say whether it was a recurrence or a "
                     "metastasis; left out")
    recurrence = parse_recurrence("; ".join(recurrences), hint, warn) if recurrences else None
    metastasis = parse_metastasis("; ".join(metastases), hint, warn) if metastases else None
    return recurrence, metastasis


# the months (None: no time could be read), whether censored ("36+"), the origin the cell
# names (None: the column's) and, when no time could be read, the cell's words
FollowUp = tuple[int | float | None, bool, str | None, str | None]


def parse_follow_up(text: str, hint: str | None, warn: Warn) -> FollowUp:
    """A follow-up or survival time in months, whether it is censored ("36+") and the origin
    its cell names ("24 mo from randomisation", "37 months after surgery", "12 mo
    postoperatively": the surgery). Other words after the time ("22 months after the delayed
    surgery") give no time, with a warning: the words are kept, never a wrong time."""
    try:
        months, censored, origin = follow_up_time(text, hint, warn)
        return months, censored, origin, None
    except InvalidValue:
        after = _AFTER_SURGERY.match(text)
        if after is not None:
            try:
                months, censored, _ = parse_duration(after.group(1) or after.group(5), hint)
                return months, censored, "surgery", None
            except InvalidValue:
                pass
        if split_months(text)[1] is None:
            raise
    warn(f"{shorten(text, 80)!r}: the words after the time do not say an origin casefhir knows "
         "(diagnosis, surgery, study entry ...); kept as text, without a time")
    return None, False, None, text
