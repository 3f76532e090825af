"""Click's own usage errors (an unknown option, a value that is not one of the choices) with the
values they echo shortened, as every casefhir message shortens what it quotes from its input:
`--format $(cat 5MB-file)` must not print five megabytes back."""

from __future__ import annotations

import re
from typing import Any

import click

from converter.problems import shorten

LONGEST = 200  # characters of one value: a long file path still shows whole
_QUOTED = re.compile("'([^']{" + str(LONGEST + 1) + ",})'")
_LONG_WORD = re.compile(r"[^\s'()]{" + str(LONGEST + 1) + ",}")
MAX_MESSAGE = 2_000


def shorten_values(message: str) -> str:
    """`message` with every quoted value and every word over LONGEST characters shortened."""
    message = _QUOTED.sub(lambda m: f"'{shorten(m.group(1), LONGEST)}'", message)
    message = _LONG_WORD.sub(lambda m: shorten(m.group(), LONGEST), message)
    if len(message) > MAX_MESSAGE:  # many short words
        message = message[:MAX_MESSAGE - 500] + "\u2026" + message[-499:]
    return message


def shortened(exc: click.ClickException) -> click.ClickException:
    """The same error with its values shortened: a new one (click's message is final), of the
    kind that keeps the exit code (2 for usage errors, 1 for the others click raises)."""
    message = shorten_values(exc.format_message())
    if message == exc.format_message():
        return exc
    if isinstance(exc, click.UsageError):
        return click.UsageError(message, exc.ctx)
    return click.ClickException(message)


class ShortErrorsGroup(click.Group):
    """A command group whose usage errors, and those of its commands, quote values short."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as exc:
            raise shortened(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            raise shortened(exc) from None
