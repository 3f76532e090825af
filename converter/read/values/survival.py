"""Survival status columns: overall survival (alive or dead) and the event of disease-free or
progression-free survival (a recurrence, progression or death, or none: censored), as registries
and cBioPortal write them (`1:DECEASED`, `0:LIVING`, `1:Recurred/Progressed`, `0:DiseaseFree`,
dead, alive, event, censored, yes, no, 1, 0).

A bare 1/0 (or yes/no) says which value is the event only when the header does ("OS event",
"Death", "DFS event") or `--columns` gives the column the unit `1=event` (or `0=event`); under
a header such as "OS status" it is an error, never a guess. It is kept as the words it means
(alive / dead, event / censored), which read back without the header or unit that told it.
"""

from __future__ import annotations

import re

from converter.read.schema import Term
from converter.read.values.terms import lookup
from converter.read.values.text import InvalidValue, Warn, norm, read_noted

# the unit hint of a status column whose 1 (or 0) is the event
EVENT_IS_1, EVENT_IS_0 = "1=event", "0=event"
EVENT_HINTS = (EVENT_IS_1, EVENT_IS_0)

_PREFIXED = re.compile(r"^\s*([01])\s*:\s*(.*)$")
_UNKNOWN = {"unknown", "unk", "na", "n a", "not available", "not reported", "[not available]",
            "[unknown]"}
_TRUE, _FALSE = {"1", "yes", "y", "true", "event"}, {"0", "no", "n", "false", "no event"}

# the words of a disease-free / progression-free status: True the event, False none (censored)
EVENT_WORDS: dict[str, bool] = {
    "recurred progressed": True, "recurred": True, "progressed": True, "recurrence": True,
    "progression": True, "relapse": True, "relapsed": True, "progressive disease": True,
    "disease free": False, "diseasefree": False, "progression free": False, "censored": False,
    "no recurrence": False, "no progression": False, "not progressed": False,
    "censor": False, "no relapse": False,
    # the words a bare indicator is kept as (below), which say themselves which is the event
    "event": True, "no event": False,
}


def _indicator(word: str, hint: str | None, what: str) -> bool:
    """A bare 1/0 or yes/no: the event or not, as the header or --columns says."""
    if hint not in EVENT_HINTS:
        raise InvalidValue(
            f"{word!r} does not say whether it means {what}; name the column e.g. "
            f"'{'OS event' if what == 'death' else 'DFS event'}' (1 = the event), or give it the "
            f"unit '1=event' (or '0=event') with --columns")
    is_one = word in _TRUE
    return is_one if hint == EVENT_IS_1 else not is_one


def parse_os_status(text: str, hint: str | None, warn: Warn) -> Term | None:
    """Alive or dead, as a status Term (vocabulary "status": alive / dead); None: unknown. A
    note in brackets ("dead (DOD)") is read past and kept in the Term's text."""
    status, note = read_noted(lambda value: _os_status(value, hint), text)
    if note is None or status is None:
        return status
    # a bare "1" reads back only as its key's word: the note follows that word
    return Term(text=text.strip() if status.text != status.key else f"{status.text} ({note})",
                key=status.key)


def _os_status(text: str, hint: str | None) -> Term | None:
    prefixed = _PREFIXED.match(text)
    words = norm(prefixed.group(2) if prefixed else text)
    if words in _UNKNOWN or not words:
        return None
    key = lookup("status", words)
    if key in ("alive", "dead", "ned", "awd", "dod", "doc"):
        if prefixed and (prefixed.group(1) == "1") != (key in ("dead", "dod", "doc")):
            raise InvalidValue(f"{text!r} says {prefixed.group(1)} but {words!r}; which is it?")
        return Term(text=text, key=key)
    if words in _TRUE | _FALSE:
        key = "dead" if _indicator(words, hint, "death") else "alive"
        return Term(text=key, key=key)  # "1" alone would not read back as a status
    raise InvalidValue("not an overall survival status; write e.g. 1:DECEASED, 0:LIVING, dead or "
                       "alive")


def parse_event_status(text: str, hint: str | None, warn: Warn) -> tuple[bool, str] | None:
    """Whether the disease-free / progression-free survival event (recurrence, progression or
    death) happened, with the text (a bare 1/0 or yes/no as "event" / "censored"; a note in
    brackets, "1 (recurred)", read past and kept in it); None: unknown."""
    event, note = read_noted(lambda value: _event_status(value, hint), text)
    if note is not None and event is not None:
        return event[0], text.strip()
    return event


def _event_status(text: str, hint: str | None) -> tuple[bool, str] | None:
    prefixed = _PREFIXED.match(text)
    words = norm(prefixed.group(2) if prefixed else text)
    if words in _UNKNOWN or not words:
        return None
    if words in EVENT_WORDS:
        occurred = EVENT_WORDS[words]
        if prefixed and (prefixed.group(1) == "1") != occurred:
            raise InvalidValue(f"{text!r} says {prefixed.group(1)} but {words!r}; which is it?")
        return occurred, text
    if words in _TRUE | _FALSE:  # "1" alone would not read back: kept as the words it means
        occurred = _indicator(words, hint, "the event (recurrence, progression or death)")
        return occurred, "event" if occurred else "censored"
    raise InvalidValue("not a disease-free or progression-free survival status; write e.g. "
                       "1:Recurred/Progressed, 0:DiseaseFree, recurred, progressed or censored")
