"""The ``asynclint`` command: options and exit codes only; the work happens elsewhere.

Exit codes: 0 no findings, 1 findings, 2 usage error, bad configuration, a missing path or
an unexpected internal failure. Errors are one line on stderr, never a traceback.
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import click

from asynclint import __version__
from asynclint.codes import is_known_selector

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class UsageProblem(Exception):
    """A one-line problem with what the user asked for (exit 2)."""


def split_codes(values: Sequence[str], option: str) -> List[str]:
    """Codes from repeatable, comma-separated options, each checked against the registry."""
    codes = [part.strip().upper() for value in values for part in value.split(",") if part.strip()]
    for code in codes:
        if not is_known_selector(code):
            raise UsageProblem(f"{option}: unknown rule code '{code}'")
    return codes


def fail(message: str) -> "NoReturn":  # type: ignore[name-defined]
    click.echo(f"asynclint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--select", multiple=True, metavar="CODES", help="Codes or prefixes to enable (replaces the default set).")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Codes or prefixes to enable on top of the selection.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Codes or prefixes to disable.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Configuration file to use instead of the nearest pyproject.toml.")
@click.option("--statistics", is_flag=True, help="Print a count per rule code instead of each finding.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, with no summary line.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: one per core).")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply (with --fix) or count fixes that may change behaviour.")
@click.option("--diff", is_flag=True, help="Print a diff of what --fix would change; write nothing.")
@click.version_option(__version__, prog_name="asynclint", message="%(prog)s %(version)s")
def command(
    paths: Tuple[str, ...],
    select: Tuple[str, ...],
    extend_select: Tuple[str, ...],
    ignore: Tuple[str, ...],
    output_format: str,
    exit_zero: bool,
    config_path: Optional[Path],
    statistics: bool,
    quiet: bool,
    jobs: Optional[int],
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
) -> None:
    """Find asyncio misuse in PATHS (files or directories; default: the current directory)."""
    from asynclint.config import ConfigError, load_settings
    from asynclint.discovery import DiscoveryError, discover
    from asynclint.output.json_format import write_json
    from asynclint.output.text import write_findings, write_statistics, write_summary
    from asynclint.runner import options_for, run

    try:
        settings = load_settings(config_path)
        settings = apply_cli_selection(settings, select, extend_select, ignore)
        files = discover(list(paths) or ["."], settings)
    except (ConfigError, DiscoveryError, UsageProblem) as error:
        fail(str(error))

    from asynclint.fixing import FixPolicy

    options = options_for(settings, jobs)
    result = run(files, settings, options)
    policy = FixPolicy.from_settings(settings, unsafe_fixes)
    out = click.get_text_stream("stdout")
    if diff:
        sys.exit(show_diff(files, result, settings, options, policy, out))
    fixed = 0
    if fix:
        result, fixed = apply_fixes_in_place(files, result, settings, options, policy)
    findings = result.findings
    if output_format == "json":
        write_json(findings, out)
    elif statistics:
        write_statistics(findings, out)
    else:
        write_findings(findings, out, policy)
        if not quiet:
            write_summary(findings, out, policy, fixed if fix else None)
    sys.exit(EXIT_CLEAN if exit_zero or not findings else EXIT_FINDINGS)


def apply_fixes_in_place(files, result, settings, options, policy):  # type: ignore[no-untyped-def]
    """Fix files, then recompute findings on the new sources; returns (result, fixes applied)."""
    from asynclint.fixing import fix_files
    from asynclint.runner import enabled_for, recheck

    outcome = fix_files(files, result.findings, settings, enabled_for(settings, options), result.index, policy, write=True)
    for error in outcome.errors:
        click.echo(f"asynclint: warning: {error}", err=True)
    if outcome.new_text:
        result = recheck(files, result, outcome.new_text, settings, options)
    return result, sum(outcome.fixed.values())


def show_diff(files, result, settings, options, policy, out) -> int:  # type: ignore[no-untyped-def]
    """``--diff``: the would-be changes on stdout, a count on stderr; exit 1 if anything changes."""
    from asynclint.fixing import fix_files
    from asynclint.runner import enabled_for

    outcome = fix_files(files, result.findings, settings, enabled_for(settings, options), result.index, policy, write=False)
    for error in outcome.errors:
        click.echo(f"asynclint: warning: {error}", err=True)
    for text in outcome.diffs:
        out.write(text)
    count = sum(outcome.fixed.values())
    click.echo(f"Would fix {count} problem{'s' if count != 1 else ''}." if count else "No fixes to apply.", err=True)
    return EXIT_FINDINGS if outcome.diffs else EXIT_CLEAN


def apply_cli_selection(settings, select, extend_select, ignore):  # type: ignore[no-untyped-def]
    """Command-line codes override ``select`` and add to ``extend-select`` and ``ignore``."""
    changes = {}
    if select:
        changes["select"] = split_codes(select, "--select")
    if extend_select:
        changes["extend_select"] = list(settings.extend_select) + split_codes(extend_select, "--extend-select")
    if ignore:
        changes["ignore"] = list(settings.ignore) + split_codes(ignore, "--ignore")
    return dataclasses.replace(settings, **changes) if changes else settings


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Console-script entry point: turns any unexpected failure into one line and exit 2."""
    try:
        command.main(args=list(argv) if argv is not None else None, prog_name="asynclint", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("asynclint: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(EXIT_CLEAN)
    except Exception as error:  # last line of defence: never a traceback
        click.echo(f"asynclint: internal error: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_ERROR)
