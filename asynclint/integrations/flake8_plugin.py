"""asynclint as a flake8 plugin: ``flake8 --select AIO`` runs the same engine and rules.

flake8 owns selection, ``# noqa``, ``--per-file-ignores`` and output, so the plugin asks the
engine for every code and lets flake8 decide what to show. What flake8 has no option for
(``target-version``, ``blocking-calls``, ``task-keepers``, ``allow-no-await``) comes from the
nearest ``[tool.asynclint]`` table, read once per directory per process.

Decisions worth knowing:

* The source is the ``lines`` flake8 already read; the file is never opened again.
* The engine applies ``# noqa`` itself (same syntax as flake8), so ``flake8 --disable-noqa``
  does not bring back asynclint findings silenced by a comment.
* Each file is its own project: cross-module rules (AIO110, AIO200 across modules) only see
  what the file itself defines.
* flake8 reports invalid syntax as E999 and never runs plugins on such files, so AIO001 would
  only appear when LibCST cannot parse a file CPython accepts. That is not the user's syntax
  error, so it is reported as AIO003 ("not checked") instead of a misleading AIO001.
* Rules that are off by default in asynclint are added to flake8's default ignore list:
  plain ``flake8`` leaves them off, ``--select AIO`` or ``--extend-select AIO201`` turns them on.
* Each file is parsed and checked in a helper process (one per flake8 process, kept for the
  next file), with the same time and memory budget as the command: a file that crashes
  LibCST or takes too long is one AIO003 or AIO002 finding, never a hung or dead flake8.
  flake8's own workers are daemonic, so the helper is a plain subprocess, not a
  ``multiprocessing`` child; it exits when its input closes, with flake8's process.
* A broken ``[tool.asynclint]`` table raises :class:`AsynclintConfigError`; flake8 stops and
  names the plugin and the one-line problem. Linting with silently different settings, or
  one finding per file about the same typo, would both be more surprising.
"""
from __future__ import annotations

import ast
import atexit
import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence, Tuple

from asynclint import __version__
from asynclint.api import check_source
from asynclint.codes import RULES
from asynclint.config import ConfigError, Settings, load_settings
from asynclint.findings import Finding
from asynclint.run.analysis_phase import budget_of, failure_finding
from asynclint.run.workers import Budget, Pool

# Every code the engine can emit in a flake8 run; flake8's own selection filters them.
_EVERY_CODE = ("ALL",)
_SETTINGS_BY_DIRECTORY: Dict[str, Settings] = {}
# This process's helper, by process id and budget: a helper inherited through fork belongs
# to the parent, whose pipes this process must not use.
_HELPERS: Dict[Tuple[int, Budget], Pool] = {}


class AsynclintConfigError(Exception):
    """The ``[tool.asynclint]`` table that applies to a checked file is invalid."""


def settings_for(filename: str) -> Settings:
    """Settings for the file's directory, cached so a run parses each pyproject once."""
    directory = os.path.dirname(os.path.abspath(filename)) if filename not in ("-", "stdin") else os.getcwd()
    settings = _SETTINGS_BY_DIRECTORY.get(directory)
    if settings is None:
        try:
            settings = load_settings(start=Path(directory))
        except ConfigError as error:
            raise AsynclintConfigError(f"asynclint configuration: {error}") from None
        _SETTINGS_BY_DIRECTORY[directory] = settings
    return settings


class Plugin:
    """flake8 tree plugin (``tree`` is how flake8 classifies it; the engine parses with LibCST)."""

    name = "asynclint"
    version = __version__

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str = "stdin") -> None:
        self.lines = lines
        self.filename = filename
        # Loaded here, not in run(): flake8 turns an exception raised while building the
        # plugin into a one-line error, while one raised inside run() escapes as a traceback.
        self.settings = settings_for(filename)

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        """Keep asynclint's default-off rules off in a plain ``flake8`` run."""
        off = sorted(code for code, rule in RULES.items() if not rule.default)
        if off:
            option_manager.extend_default_ignore(off)

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        text = "".join(self.lines)
        for finding in _check_isolated(text, self.filename, self.settings):
            code, message = finding.code, finding.message
            if code == "AIO001":
                code, message = "AIO003", f"not checked: LibCST cannot parse this file ({message})"
            yield finding.line, finding.column - 1, f"{code} {message}", type(self)


def _check_isolated(text: str, filename: str, settings: Settings) -> List[Finding]:
    budget = budget_of(settings)
    findings, failure = _helper(budget).call(check_source, text, filename, settings, _EVERY_CODE)
    if failure is not None:
        return [failure_finding(filename, text, failure, budget)]
    return findings


def _helper(budget: Budget) -> Pool:
    key = (os.getpid(), budget)
    pool = _HELPERS.get(key)
    if pool is None:
        for other in [k for k in _HELPERS if k[0] == key[0]]:
            _HELPERS.pop(other).close()
        _HELPERS.clear()  # what is left came from a parent process
        pool = _HELPERS[key] = Pool(1, budget)
        atexit.register(pool.close)
    return pool
