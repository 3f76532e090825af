"""This run's secrets: the bearer token or the basic-authentication password, read from a file or
the environment and checked, and the one function (`redact`) that takes them out of any text
casefhir prints, logs or reports: server messages, error messages, the --debug traceback,
--report and crosswalk files.

Every server/client.Auth registers its secrets here when it is made, in each form a server or a
proxy might echo them: as is, percent-encoded, JSON- and HTML-escaped, and base64 (the Basic
header's `user:password`, and each secret alone). Text from a server is redacted before it is
cut to length (`clip`), so a message cut short never shows part of a secret; and every
character of every occurrence is masked, however short the secret is.

A token or password that cannot be right (several lines, control or non-ASCII characters,
spaces in a token, empty) is refused with a CredentialError that names where it came from and
what is wrong with it, never its value.
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
MAX_SECRET_BYTES = 64 * 1024  # a token file bigger than this is not a token file
SERVER_TEXT_LIMIT = 300  # characters of a server's raw answer shown in a message


class CredentialError(ValueError):
    """A token, password or user that cannot be used: a usage error. The message names the file
    or environment variable and what is wrong, never the secret."""


_lock = threading.Lock()
_forms: set[str] = set()
_pattern: re.Pattern[str] | None = None


def _percent_forms(secret: str) -> set[str]:
    forms = {quote(secret, safe=""), quote(secret), quote_plus(secret)}
    return forms | {re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), f) for f in forms}


def forms_of(secret: str) -> set[str]:
    """The ways `secret` may appear in a server's answer or a message."""
    escaped = json.dumps(secret)[1:-1]
    forms = {secret, escaped, escaped.replace("/", "\\/"), html.escape(secret),
             base64.b64encode(secret.encode()).decode("ascii"),
             base64.urlsafe_b64encode(secret.encode()).decode("ascii")}
    forms |= _percent_forms(secret)
    return {form for form in forms if form}


def register(*secrets: str | None) -> None:
    """Add secrets of this run (None and empty strings are ignored)."""
    global _pattern
    new = set().union(*(forms_of(s) for s in secrets if s))
    if not new:
        return
    with _lock:
        if new <= _forms:
            return
        _forms.update(new)
        ordered = sorted(_forms, key=lambda f: (-len(f), f))
        _pattern = re.compile("|".join(map(re.escape, ordered)))


def forget() -> None:
    """Drop every registered secret (for tests that run several commands in one process)."""
    global _pattern
    with _lock:
        _forms.clear()
        _pattern = None


def redact(text: str) -> str:
    """`text` with every character of every occurrence of a registered secret (in any of its
    forms) masked; occurrences that overlap or touch are masked as one."""
    pattern = _pattern
    if pattern is None or not text or pattern.search(text) is None:
        return text
    with _lock:
        forms = sorted(_forms, key=len, reverse=True)
    spans: list[tuple[int, int]] = []
    for form in forms:
        start = text.find(form)
        while start != -1:
            spans.append((start, start + len(form)))
            start = text.find(form, start + 1)
    spans.sort()
    merged: list[list[int]] = []
    for begin, end in spans:
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    parts, last = [], 0
    for begin, end in merged:
        parts += [text[last:begin], MASK]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def redact_json(value: Any) -> Any:
    """Every string inside `value` (dicts, lists) redacted; for JSON about to be written."""
    if _pattern is None:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_json(item) for item in value]
    return value


def clip(text: str, limit: int = SERVER_TEXT_LIMIT) -> str:
    """Server text for a message: redacted first, then cut to `limit` characters."""
    text = redact(text)
    return text if len(text) <= limit else text[:limit] + "\u2026"


def body_text(body: bytes, limit: int = SERVER_TEXT_LIMIT) -> str:
    """The start of a server's raw answer, for a message (redacted, then cut)."""
    return clip(body.decode("utf-8", "replace"), limit)


# ------------------------------------------------------------------------------------ checking
def check_secret(value: str, what: str, where: str) -> str:
    """`value` (one final line end removed) when it can be a `what` ("token" or "password");
    else a CredentialError naming `where` and the fault, never the value."""
    if value.endswith("\r\n"):
        value = value[:-2]
    elif value.endswith("\n"):
        value = value[:-1]
    if not value:
        raise CredentialError(f"{where}: the {what} is empty")
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 1:
        raise CredentialError(f"{where}: the {what} has {len(lines)} lines; it must be one line")
    if not value.isascii():
        raise CredentialError(f"{where}: the {what} has non-ASCII characters; it must be "
                              "printable ASCII")
    if not all(32 <= ord(c) < 127 for c in value):
        raise CredentialError(f"{where}: the {what} has control (non-printable) characters; it "
                              "must be printable ASCII")
    if what == "token" and " " in value:
        hint = (" (give the token alone, without 'Bearer ')"
                if value.casefold().startswith("bearer ") else "")
        raise CredentialError(f"{where}: the token has spaces; a bearer token has none{hint}")
    return value


def read_secret_file(path: str, what: str, option: str) -> str:
    """A token or password from its file (one line of printable ASCII)."""
    where = f"{option} {path}"
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_SECRET_BYTES + 1)
    except OSError as exc:
        raise CredentialError(f"{where}: cannot read it: {exc.strerror}") from None
    if len(data) > MAX_SECRET_BYTES:
        raise CredentialError(f"{where}: the file is larger than {MAX_SECRET_BYTES} bytes; it "
                              f"must hold the {what} alone")
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise CredentialError(f"{where}: the {what} has non-ASCII bytes; it must be printable "
                              "ASCII") from None
    return check_secret(text, what, where)


def check_user(user: str) -> str:
    """A basic-authentication user name (not a secret, so it may be named)."""
    if not user:
        raise CredentialError("--user: the user name is empty")
    if not user.isascii() or not user.isprintable():
        raise CredentialError("--user: the user name has control or non-ASCII characters")
    if ":" in user:
        raise CredentialError("--user: a basic-authentication user name cannot hold ':'")
    return user
