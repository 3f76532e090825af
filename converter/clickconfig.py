"""casefhir.toml applied to a click command (convert, load, validate): `--config FILE`, or the
casefhir.toml beside the input table, gives the defaults of the command's options
(converter/config.py reads it). Click then takes each option from the command line, its
environment variable, the file, or its default, in that order, so an option typed beats the file.

The file is read before click processes the options, from a first parse of the arguments: the
table's folder must be known to find the file, and an option's value must be known to check it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any, TypeVar

import click
from click.core import ParameterSource

from converter.clickerrors import shorten_values
from converter.config import CONFIG_NAME, KEY_OF_PARAM, ConfigError, SeriesConfig, beside, read_config
from converter.problems import Location, Problem, Severity

F = TypeVar("F", bound=Callable[..., Any])
META_KEY = "casefhir.config"
INPUT_PARAMS = ("input_file", "files", "inputs")  # the input argument of convert, validate, load


class ConfigProblem(click.ClickException):
    """A mistake in a casefhir.toml, as its located lines: a usage error (exit 2), the file
    holding options."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        # shortened here, as clickerrors shortens click's own errors (which then keeps these)
        self.lines = [shorten_values(problem.render()) for problem in problems]
        super().__init__(self.lines[0])

    def format_message(self) -> str:
        return self.lines[0]

    def show(self, file: IO[Any] | None = None) -> None:
        for line in self.lines:
            click.echo(line, err=True)


class ConfigColumnsProblem(ConfigProblem):
    """A mistake in the [columns] of a casefhir.toml: exit 1, as for a --columns file."""

    exit_code = 1


class ConfigCommand(click.Command):
    """A command whose option defaults may come from a casefhir.toml."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        config = None if ctx.resilient_parsing else self._config(ctx, args)
        if config is None:
            return super().parse_args(ctx, args)
        ctx.default_map = {**(ctx.default_map or {}), **config.values}
        ctx.meta[META_KEY] = config
        try:
            return super().parse_args(ctx, args)
        except click.BadParameter as exc:  # a value from the file that click refused
            name = exc.param.name if exc.param is not None else None
            if name is None or name not in KEY_OF_PARAM or \
                    ctx.get_parameter_source(name) is not ParameterSource.DEFAULT_MAP:
                raise
            where = config.location(name)
            raise ConfigProblem([Problem(Severity.ERROR, f"{KEY_OF_PARAM[name]}: "
                                         f"{exc.message}", where)]) from None

    def _config(self, ctx: click.Context, args: list[str]) -> SeriesConfig | None:
        try:  # a first parse, only to see the input and --config; click parses again
            opts, _, _ = self.make_parser(ctx).parse_args(args=list(args))
        except click.UsageError:
            return None  # the real parse reports it
        help_option = self.get_help_option(ctx)  # its name differs between click versions
        if (help_option is not None and opts.get(help_option.name or "")) or \
                opts.get("no_config"):
            return None
        inputs = next((opts[name] for name in INPUT_PARAMS if name in opts), None)
        if isinstance(inputs, str):
            inputs = [inputs]
        table = _table_of(list(inputs or ()), opts.get("input_format"))
        path = opts.get("config")
        if path is not None and table is None and inputs:
            raise click.UsageError("--config is for a case-series table; FHIR input takes no "
                                   "configuration", ctx)
        if path is None:
            path = beside(table) if table else None
            if path is None:
                return None
            if not opts.get("quiet"):
                click.echo(f"using {path} (options not given on the command line; --no-config "
                           "ignores it)", err=True)
        elif not _is_file(path):
            raise click.BadParameter(f"{path!r} is not a file", ctx, param_hint="--config")
        try:
            return read_config(str(path), ctx.info_name or self.name or "", table)
        except ConfigError as exc:
            raise (ConfigProblem if exc.usage else ConfigColumnsProblem)(exc.problems) from None


def _table_of(inputs: list[str], input_format: str | None) -> str | None:
    """The case-series table among the inputs (None: FHIR input, or none yet)."""
    from converter.server.caseunits import is_fhir_input

    if "-" in inputs:  # not looked at here: a terminal would be read before casefhir says so
        return "-"
    if not inputs or any(is_fhir_input(path, input_format) for path in inputs):
        return None
    return inputs[0]


def _is_file(path: str) -> bool:
    from pathlib import Path

    return Path(path).is_file()


def config_options(command: F) -> F:
    """--config and --no-config, and the command class that applies them."""
    command = click.option("--no-config", is_flag=True,
                           help=f"Ignore the {CONFIG_NAME} beside the input table.")(command)
    return click.option(
        "--config", "config", type=click.Path(dir_okay=False), metavar="FILE",
        help=f"Options of the series from a TOML file (default: {CONFIG_NAME} beside the input "
             "table, if any): series-id, doi, columns, findings, encoding... (README, "
             "'Per-series configuration'). Options given here beat the file.")(command)


def inline_column_map() -> Any:
    """The [columns] map of the casefhir.toml of this run (None: none)."""
    context = click.get_current_context(silent=True)
    config = context.meta.get(META_KEY) if context is not None else None
    return config.column_map if isinstance(config, SeriesConfig) else None


def config_location(param: str) -> Location | None:
    """Where this run's casefhir.toml gave the parameter `param` (None: it did not)."""
    context = click.get_current_context(silent=True)
    config = context.meta.get(META_KEY) if context is not None else None
    if isinstance(config, SeriesConfig) and context is not None and \
            context.get_parameter_source(param) is ParameterSource.DEFAULT_MAP:
        return config.location(param)
    return None


def config_inputs() -> list[tuple[str, str | None]]:
    """The casefhir.toml of this run as an input of converter/paths.py's checks."""
    context = click.get_current_context(silent=True)
    config = context.meta.get(META_KEY) if context is not None else None
    return [("--config", config.path)] if isinstance(config, SeriesConfig) else []
