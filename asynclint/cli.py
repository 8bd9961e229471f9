"""The ``asynclint`` command: options and exit codes only; the work happens elsewhere.

Exit codes: 0 no findings, 1 findings, 2 usage error, bad configuration, a missing path or
an unexpected internal failure. Errors are one line on stderr, never a traceback.
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import List, NoReturn, Optional, Sequence, Tuple

import click

from asynclint import __version__
from asynclint.codes import is_known_selector
from asynclint.output.escape import visible
from asynclint.settings import Settings

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


def fail(message: str) -> NoReturn:
    click.echo(f"asynclint: error: {visible(message)}", err=True)
    sys.exit(EXIT_ERROR)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--select", multiple=True, metavar="CODES", help="Codes or prefixes to enable (replaces the default set).")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Codes or prefixes to enable on top of the selection.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Codes or prefixes to disable.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif", "github"]), default="text", show_default=True,
              help="text: path:line:col: CODE message; json; sarif (SARIF 2.1.0); github (Actions annotations).")
@click.option("--show-source", is_flag=True, help="With text output, show each finding's line with a caret under it.")
@click.option("--stdin-filename", metavar="PATH", help="Read source from stdin and report it as PATH (its config and per-file-ignores apply).")
@click.option("--explain", "explain_code", metavar="CODE", help="Print the rule's page and exit.")
@click.option("--list-rules", is_flag=True, help="Print every rule: code, name, default, fix; then exit.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Configuration file to use instead of the nearest pyproject.toml.")
@click.option("--statistics", is_flag=True, help="Print a count per rule code instead of each finding.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, with no summary line.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: one per core).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the results cache.")
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Cache directory (default: .asynclint_cache at the project root).")
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
    show_source: bool,
    stdin_filename: Optional[str],
    explain_code: Optional[str],
    list_rules: bool,
    exit_zero: bool,
    config_path: Optional[Path],
    statistics: bool,
    quiet: bool,
    jobs: Optional[int],
    no_cache: bool,
    cache_dir: Optional[Path],
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
) -> None:
    """Find asyncio misuse in PATHS (files or directories; default: the current directory).

    The path '-', or --stdin-filename with no paths, reads the source from standard input.
    """
    from asynclint import api
    from asynclint.config import ConfigError, load_settings
    from asynclint.run.discovery import DiscoveryError
    from asynclint.fixes.policy import FixPolicy

    out = click.get_text_stream("stdout")
    if explain_code is not None:
        sys.exit(explain(explain_code, out))
    if list_rules:
        write_rule_table(out)
        sys.exit(EXIT_CLEAN)

    use_stdin = paths == ("-",) or (stdin_filename is not None and not paths)
    try:
        if "-" in paths and not use_stdin:
            raise UsageProblem("'-' (standard input) cannot be combined with other paths")
        if stdin_filename is not None and not use_stdin:
            raise UsageProblem("--stdin-filename needs '-' or no paths")
        if show_source and output_format != "text":
            raise UsageProblem("--show-source only applies to --format text")
        start = None
        if use_stdin and config_path is None:
            from asynclint.integrations.stdin import config_start

            start = config_start(stdin_filename)
        settings = load_settings(config_path, start) if start is not None else load_settings(config_path)
        settings = apply_cli_selection(settings, select, extend_select, ignore)
        if cache_dir is not None:
            settings = dataclasses.replace(settings, cache_dir=str(cache_dir.absolute()))
    except (ConfigError, UsageProblem) as error:
        fail(str(error))

    policy = FixPolicy.from_settings(settings, unsafe_fixes)
    from asynclint.output.report import Reporter

    report = Reporter(out, output_format, show_source, quiet, statistics, policy)
    if use_stdin:
        sys.exit(run_stdin(stdin_filename, settings, api.run_options(settings, jobs), policy, report, fix, diff, exit_zero))

    bars = []
    try:
        checked = api.check_paths(paths, settings, jobs, not no_cache, fix or diff, lambda count: start_bar(bars, output_format, count))
    except DiscoveryError as error:
        fail(str(error))
    finally:
        for bar in bars:
            bar.clear()
    if diff:
        sys.exit(show_diff(checked, settings, policy, out))
    fixed = 0
    if fix:
        checked, fixed = apply_fixes_in_place(checked, settings, policy)
    by_display = {source.display: source for source in checked.files}
    report.write(checked.findings, lambda display: read_source(by_display.get(display), settings),
                 lambda display: by_display[display].path if display in by_display else Path(display),
                 settings, checked.options, checked.run.index, fixed if fix else None)
    sys.exit(EXIT_CLEAN if exit_zero or not checked.findings else EXIT_FINDINGS)


def start_bar(bars, output_format: str, count: int):  # type: ignore[no-untyped-def]
    """A progress bar on stderr for ``count`` files, if one is wanted; kept in ``bars`` to clear."""
    from asynclint.output.progress import ProgressBar, wants_progress

    errors = click.get_text_stream("stderr")
    if not wants_progress(errors, output_format, count):
        return None
    bars.append(ProgressBar(errors, count))
    return bars[-1].advance


def read_source(source, settings: Settings) -> Optional[str]:  # type: ignore[no-untyped-def]
    """A checked file's current text (after --fix, the fixed text), or None if unreadable."""
    from asynclint.source import file_limit, read_text

    return None if source is None else read_text(source.path, file_limit(settings))


def run_stdin(filename, settings: Settings, options, policy, report, fix, diff, exit_zero) -> int:  # type: ignore[no-untyped-def]
    """Check (and with --fix/--diff, fix) the source on stdin; see asynclint.integrations.stdin."""
    from asynclint.fixes.apply import unified_diff
    from asynclint.api import source_codes
    from asynclint.integrations.stdin import check_stdin

    stream = click.get_binary_stream("stdin")
    outcome = check_stdin(stream, filename, settings, policy if (fix or diff) else None)
    for warning in outcome.warnings:
        click.echo(f"asynclint: warning: {visible(warning)}", err=True)
    display = filename if filename is not None else "-"
    text = outcome.text

    def read_text(shown: str) -> Optional[str]:
        return text if shown == display else None

    def source_path(shown: str) -> Path:
        return Path(filename) if filename is not None else Path("stdin.py")

    if diff:
        if text is not None and outcome.original is not None and outcome.fixed:
            report.out.write(unified_diff(outcome.original, text, display))
        count = outcome.fixed
        click.echo(f"Would fix {count} problem{'s' if count != 1 else ''}." if count else "No fixes to apply.", err=True)
        return EXIT_FINDINGS if count else EXIT_CLEAN
    if fix:
        if text is not None:
            report.out.write(text)
            report.out.flush()
        findings_stream = click.get_text_stream("stderr")
    else:
        findings_stream = report.out
    codes = source_codes(filename, settings)
    report.write(outcome.findings, read_text, source_path, settings,
                 dataclasses.replace(options, enabled=codes), None, outcome.fixed if fix else None, out=findings_stream)
    return EXIT_CLEAN if exit_zero or not outcome.findings else EXIT_FINDINGS


def explain(code: str, out) -> int:  # type: ignore[no-untyped-def]
    """``--explain CODE``: the rule's page (or a generated summary if the page is missing)."""
    from asynclint.codes import RULES
    from asynclint.output.rule_docs import page_or_summary

    wanted = code.strip().upper()
    if wanted not in RULES:
        click.echo(f"asynclint: error: --explain: unknown rule code '{code}'", err=True)
        return EXIT_ERROR
    page = page_or_summary(wanted)
    out.write(page if page.endswith("\n") else page + "\n")
    return EXIT_CLEAN


def write_rule_table(out) -> None:  # type: ignore[no-untyped-def]
    """``--list-rules``: code, name, default on/off and fix availability, aligned."""
    from asynclint.codes import RULES

    rows = [("CODE", "NAME", "DEFAULT", "FIX")]
    rows += [(r.code, r.name, "on" if r.default else "off", r.fix or "-") for r in RULES.values()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        out.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3] + "\n")


def apply_fixes_in_place(checked, settings: Settings, policy):  # type: ignore[no-untyped-def]
    """Fix files, then report on the fixed sources; returns (checked, fixes applied)."""
    from asynclint.api import fix_paths

    checked, outcome = fix_paths(checked, settings, policy, write=True)
    for error in outcome.errors:
        click.echo(f"asynclint: warning: {visible(error)}", err=True)
    return checked, sum(outcome.fixed.values())


def show_diff(checked, settings: Settings, policy, out) -> int:  # type: ignore[no-untyped-def]
    """``--diff``: the would-be changes on stdout, a count on stderr; exit 1 if anything changes."""
    from asynclint.api import fix_paths

    _, outcome = fix_paths(checked, settings, policy, write=False)
    for error in outcome.errors:
        click.echo(f"asynclint: warning: {visible(error)}", err=True)
    for text in outcome.diffs:
        out.write(text)
    count = sum(outcome.fixed.values())
    click.echo(f"Would fix {count} problem{'s' if count != 1 else ''}." if count else "No fixes to apply.", err=True)
    return EXIT_FINDINGS if outcome.diffs else EXIT_CLEAN


def apply_cli_selection(settings: Settings, select, extend_select, ignore):  # type: ignore[no-untyped-def]
    """Command-line codes override ``select`` and add to ``extend-select`` and ``ignore``."""
    changes = {}
    if select:
        changes["select"] = split_codes(select, "--select")
    if extend_select:
        changes["extend_select"] = settings.extend_select + tuple(split_codes(extend_select, "--extend-select"))
    if ignore:
        changes["ignore"] = settings.ignore + tuple(split_codes(ignore, "--ignore"))
    return dataclasses.replace(settings, **changes) if changes else settings


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Console-script entry point: usage errors and unexpected failures become one line.

    click's standalone mode prints a usage block for a bad option; running it in
    non-standalone mode lets a bad ``--format`` be one ``asynclint: error:`` line like
    every other usage problem.
    """
    try:
        code = command.main(args=list(argv) if argv is not None else None, prog_name="asynclint", standalone_mode=False)
    except SystemExit:
        raise
    except click.UsageError as error:
        click.echo(f"asynclint: error: {error.format_message()}", err=True)
        sys.exit(EXIT_ERROR)
    except click.Abort:
        click.echo("asynclint: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        click.echo(f"asynclint: error: {error.format_message()}", err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        click.echo("asynclint: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(EXIT_CLEAN)
    except Exception as error:  # last line of defence: never a traceback
        click.echo(f"asynclint: internal error: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(code if isinstance(code, int) else EXIT_CLEAN)
