"""What one column's value means for another's, once a row's cells are read: a follow-up with
its origin, the recurrence a status states, overall / disease-free survival and their statuses,
one pan-TRK or Ki-67 of two columns, a site with its side and depth, a surgery cell that says the
operation was not done. Each helper takes the
row's values (column name → parsed value) and a `note(field, message)` for its warnings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from converter.problems import shorten
from converter.read.schema import Event, Site, Term
from converter.read.values.text import norm
from converter.read.values.treatments import parse_treatments


def assign_follow_up(values: dict[str, Any], note: Callable[[str, str], None]) -> None:
    """The follow-up time, whether it is censored and its origin; a time with words after it
    that say no origin (converter/read/values/outcomes.py) is kept as text only."""
    months, censored, origin, text = values.pop("follow_up_months")
    if months is None:
        values["follow_up_text"] = text
        return
    values["follow_up_months"], values["follow_up_censored"] = months, censored
    values["follow_up_origin"] = origin


def assign_stated_recurrence(values: dict[str, Any], stated: Event | None,
                       note: Callable[[str, str], None]) -> None:
    """A recurrence the status column states with its time ("recurred 1 yr later"): the
    recurrence, unless the recurrence column says otherwise (which is kept)."""
    if stated is None:
        return
    given: Event | None = values.get("recurrence")
    if given is None:
        values["recurrence"] = stated
    elif not given.occurred:
        note("status", "the status states a recurrence but the recurrence column says 'no'; "
                       "the recurrence column is used")
    elif given.months is None:
        values["recurrence"] = replace(given, months=stated.months)
    elif given.months != stated.months:
        note("status", f"the status says a recurrence at {stated.months} months but the "
                       f"recurrence column says {given.months}; the recurrence column is used")


def assign_survival(values: dict[str, Any], note: Callable[[str, str], None]) -> None:
    """Survival columns into the record: the OS status is the status when no status column
    gives one (else it must agree), the OS time the follow-up when none is given (censored when
    alive), and each DFS / PFS status an event at its time."""
    os_status: Term | None = values.pop("os_status", None)
    status: Term | None = values.get("status")
    if os_status is not None:
        if status is None or status.key is None:
            if status is not None:
                note("os_status", "the status is not a known one; the OS status gives alive or dead")
            values["status"] = os_status
        elif (status.key in ("dod", "doc", "dead")) != (os_status.key in ("dod", "doc", "dead")):
            note("os_status", f"the OS status says {os_status.key} but the status says "
                              f"{status.text!r}; the status is used")
    os_months = values.pop("os_months", None)
    if os_months is not None and os_months[0] is None:
        note("os_months", "the OS time's words give no time casefhir can place; it is left out")
    elif os_months is not None:
        months, censored, origin, _ = os_months
        alive = values.get("status") is not None and values["status"].key in ("alive", "ned", "awd")
        if "surgery" in values and origin is None:
            note("os_months", "overall survival counts from the diagnosis, casefhir's follow-up "
                              "from the surgery this row reports; the OS time is left out (give "
                              "its origin with --columns \"from\" to keep it)")
        elif "follow_up_months" not in values:
            values["follow_up_months"] = months
            values["follow_up_censored"] = censored or alive
            values["follow_up_origin"] = origin or "diagnosis"
        elif values["follow_up_months"] != months:
            note("os_months", f"the OS time says {months} months but the follow-up column says "
                              f"{values['follow_up_months']}; the follow-up column is used")
    for name in ("dfs", "pfs"):
        event = values.pop(f"{name}_status", None)
        months = values.pop(f"{name}_months", None)
        if event is None:
            if months is not None:
                note(f"{name}_months", f"a {name.upper()} time without its {name.upper()} status "
                                       "says nothing of an event; it is left out")
            continue
        occurred, text = event
        if months is not None and months[0] is None:
            note(f"{name}_months", f"the {name.upper()} time's words give no time casefhir can "
                                   "place; it is left out")
            months = None
        values[name] = Event(occurred, text, months[0], origin=months[2]) if months else \
            Event(occurred, text)


def one_marker_of_two(values: dict[str, Any], columns: list[str], column: str, marker_key: str,
                      marker_name: str, note: Callable[[str, str], None]) -> None:
    """A marker given both in its own column (pan_trk_ihc, ki67) and in the IHC panel: the
    first column's is kept, the other left out with a warning at it."""
    panel = values.get("ihc", ())
    if column not in values or not any(marker.key == marker_key for marker in panel):
        return
    if columns.index(column) < columns.index("ihc"):
        values["ihc"] = tuple(marker for marker in panel if marker.key != marker_key)
        note("ihc", f"{marker_name} is also given in the {column} column, which comes first; "
                    "that one is kept and this one left out")
    else:
        values.pop(column)
        note(column, f"{marker_name} is also given in the ihc column, which comes first; that "
                     "one is kept and this one left out")


def merge_site(site: Site | None, laterality: Term | None, depth: Term | None,
                note: Any) -> Site | None:
    """The site with its separate laterality and depth columns: a recognised qualifier keeps its
    column's words beside its key (the column wins over the site's own words, with a warning);
    an unrecognised one is added to the site's text, so nothing written is lost."""
    if site is None and laterality is None and depth is None:
        return None
    site = site or Site(text="")
    unknown = []
    if laterality is not None and laterality.key:
        if site.laterality and site.laterality != laterality.key:
            note("laterality", f"the site says {site.laterality} but the laterality column says "
                               f"{laterality.key}; the laterality column is used")
        site = replace(site, laterality=laterality.key, laterality_text=laterality.text)
    elif laterality is not None:
        unknown.append(laterality.text)
    if depth is not None and depth.key:
        if site.depth and site.depth != depth.key:
            note("depth", f"the site says {site.depth} but the depth column says {depth.key}; "
                          "the depth column is used")
        site = replace(site, depth=depth.key, depth_text=depth.text)
    elif depth is not None:
        unknown.append(depth.text)
    extra = [text for text in unknown if norm(text) not in norm(site.text)]
    if extra:
        site = replace(site, text=", ".join(x for x in [site.text, *extra] if x))
    return site


def surgery_not_done(values: dict[str, Any], note: Callable[[str, str], None]) -> bool:
    """A surgery cell whose words say the operation was not done or only proposed ("Surgery
    unfeasible; amputation suggested") is read as the treatment column reads them: a not-done
    and a proposed treatment, added to the row's treatments; no completed operation. True when
    it was (the margin and intent then belong to no operation)."""
    surgery: Term | None = values.get("surgery")
    if surgery is None or surgery.key is not None:
        return False
    said = parse_treatments(surgery.text, None, lambda message: None)
    if not said or any(t.status == "completed" for t in said):
        return False
    values.pop("surgery")
    values["treatments"] = (*values.get("treatments", ()), *said)
    statuses = ", ".join(dict.fromkeys(t.status for t in said))
    note("surgery", f"{shorten(surgery.text, 80)!r} says the surgery was not done ({statuses}); "
                    "written as treatments with that status, not as an operation done")
    return True
