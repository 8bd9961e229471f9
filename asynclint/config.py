"""Reading and validating ``[tool.asynclint]`` settings.

Every problem becomes a one-line :class:`ConfigError` naming the file and the key, because
the CLI prints it and exits 2: a traceback or a silently ignored typo would leave the user
guessing why a rule did or did not run.
"""
from __future__ import annotations

import difflib
import keyword
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from asynclint.codes import is_known_selector
from asynclint.settings import DEFAULT_TARGET_VERSION, Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib


class ConfigError(Exception):
    """One-line message such as "pyproject.toml: tool.asynclint.selec: unknown key" — the CLI prints it and exits 2."""


# py38 is accepted because the fixer must know that 3.8 lacks asyncio.to_thread.
MIN_TARGET_VERSION = (3, 8)
MAX_TARGET_VERSION = (3, 14)


# ---------------------------------------------------------------------------- finding and reading


def find_config(start: Path) -> Optional[Path]:
    """Nearest ``pyproject.toml`` with ``[tool.asynclint]``, else the nearest one at all.

    The fallback still matters: its ``requires-python`` decides the target version. A
    malformed pyproject that does not mention asynclint is skipped rather than fatal, since
    it may belong to an unrelated project further up the tree.
    """
    start = Path(start).absolute()
    if not start.is_dir():
        start = start.parent
    nearest: Optional[Path] = None
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            data = _read_toml(candidate, str(candidate))
        except ConfigError:
            if _mentions_asynclint(candidate):
                raise
            continue
        tool = data.get("tool")
        if isinstance(tool, dict) and "asynclint" in tool:
            return candidate
        if nearest is None:
            nearest = candidate
    return nearest


def load_settings(config_path: Optional[Path] = None, start: Optional[Path] = None) -> Settings:
    """Settings from an explicit file, else from the nearest pyproject, else the defaults."""
    if config_path is not None:
        path = Path(config_path)
        if not path.exists():
            raise ConfigError(f"{path}: no such file")
        if not path.is_file():
            raise ConfigError(f"{path}: not a file")
    else:
        found = find_config(Path(start) if start is not None else Path.cwd())
        if found is None:
            return Settings(project_root=Path(start).absolute() if start is not None else Path.cwd())
        path = found
    label = _label(path)
    data = _read_toml(path, label)
    if path.name == "pyproject.toml":
        table = _tool_table(data, label)
        project = data.get("project")
        requires = project.get("requires-python") if isinstance(project, dict) else None
        settings = settings_from_mapping(table, label, requires if isinstance(requires, str) else None)
    else:
        settings = settings_from_mapping(data, label, prefix="")
    absolute = path.absolute()
    return replace(settings, project_root=absolute.parent, config_path=absolute)


def _read_toml(path: Path, label: str) -> Dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{label}: cannot read file: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{label}: cannot decode file as UTF-8: {error.reason} at byte {error.start}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = " ".join(str(error).split())
        raise ConfigError(f"{label}: invalid TOML: {message}") from None


def _tool_table(data: Dict[str, Any], label: str) -> Dict[str, Any]:
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{label}: tool: expected a table")
    table = tool.get("asynclint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{label}: tool.asynclint: expected a table")
    return table


def _mentions_asynclint(path: Path) -> bool:
    try:
        return b"asynclint" in path.read_bytes()
    except OSError:
        return False


def _label(path: Path) -> str:
    """The file as the user is likely to recognise it: relative to cwd when below it."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------- validation


def parse_target_version(text: str) -> Tuple[int, int]:
    """``"py310"`` -> ``(3, 10)``; raises ConfigError (without a file name) for anything else."""
    match = re.fullmatch(r"py3(\d{1,2})", text) if isinstance(text, str) else None
    version = (3, int(match.group(1))) if match else None
    if version is None or not MIN_TARGET_VERSION <= version <= MAX_TARGET_VERSION:
        raise ConfigError(
            f"unknown target version {text!r} (expected py3{MIN_TARGET_VERSION[1]} to py3{MAX_TARGET_VERSION[1]})"
        )
    return version


def infer_target_version(requires_python: Optional[str]) -> Tuple[int, int]:
    """The lowest ``3.X`` that ``requires-python`` admits, clamped to the supported range."""
    minors = [int(m) for m in re.findall(r"(?:>=|~=|==)\s*3\.(\d+)", requires_python or "")]
    if not minors:
        return DEFAULT_TARGET_VERSION
    return max(MIN_TARGET_VERSION, min(MAX_TARGET_VERSION, (3, min(minors))))


def settings_from_mapping(
    table: Dict[str, Any], source: str, requires_python: Optional[str] = None, *, prefix: str = "tool.asynclint."
) -> Settings:
    """Validate one settings table (kebab-case keys) into Settings.

    ``source`` names the file in messages and ``prefix`` is what precedes each key there
    (empty for a standalone asynclint.toml whose top level is the table).
    """
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: {prefix.rstrip('.') or 'settings'}: expected a table")
    values: Dict[str, Any] = {}
    for key, value in table.items():
        where = f"{source}: {prefix}{_key_text(key)}"
        parse = _PARSERS.get(key)
        if parse is None:
            raise ConfigError(f"{where}: unknown key{_suggestion(key)}")
        try:
            values[key.replace("-", "_")] = parse(value)
        except _Invalid as problem:
            raise ConfigError(f"{where}{problem.subkey}: {problem.message}") from None
    if "target_version" not in values:
        values["target_version"] = infer_target_version(requires_python)
    return Settings(**values)


class _Invalid(Exception):
    def __init__(self, message: str, subkey: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.subkey = subkey  # e.g. '."tests/*"' for a problem inside a nested table


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _key_text(key: str) -> str:
    """A key as TOML would spell it, so odd keys (spaces, newlines) stay on one line; a huge
    key is cut short, so the message stays one readable line."""
    if len(key) > 80:
        return _quoted(key[:60]).rstrip('"') + f'..." ({len(key)} characters)'
    return key if _BARE_KEY.fullmatch(key) else _quoted(key)


def _quoted(key: str) -> str:
    """Nested keys are globs or dotted names, which read wrongly unquoted."""
    return '"' + key.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'


def _suggestion(key: str) -> str:
    candidates = difflib.get_close_matches(key.replace("_", "-"), list(_PARSERS), n=1, cutoff=0.6)
    return f" (did you mean {candidates[0]!r}?)" if candidates else ""


_TOML_TYPES = {str: "a string", bool: "a boolean", int: "an integer", float: "a float", list: "an array", dict: "a table"}


def _got(value: Any) -> str:
    return _TOML_TYPES.get(type(value), type(value).__name__)


def _strings(value: Any) -> List[str]:
    if not isinstance(value, list):
        raise _Invalid(f"expected a list of strings, got {_got(value)}")
    for item in value:
        if not isinstance(item, str):
            raise _Invalid(f"expected a list of strings, got {_got(item)} in the list")
    return list(value)


def _codes(value: Any) -> List[str]:
    codes = _strings(value)
    for code in codes:
        if not is_known_selector(code):
            raise _Invalid(f"unknown rule code {code!r}")
    return codes


def _patterns(value: Any) -> List[str]:
    from pathspec import GitIgnoreSpec

    patterns = _strings(value)
    for pattern in patterns:
        try:
            GitIgnoreSpec.from_lines([pattern])
        except Exception:  # pathspec's error class moved between versions
            raise _Invalid(f"invalid pattern {pattern!r}") from None
    return patterns


def _is_dotted(name: str, min_parts: int) -> bool:
    parts = name.split(".")
    return len(parts) >= min_parts and all(p.isidentifier() and not keyword.iskeyword(p) for p in parts)


def _dotted_names(value: Any) -> List[str]:
    names = _strings(value)
    for name in names:
        if not _is_dotted(name, 1):
            raise _Invalid(f"{name!r} is not a dotted name")
    return names


def _per_file_ignores(value: Any) -> Dict[str, List[str]]:
    if not isinstance(value, dict):
        raise _Invalid(f"expected a table of glob = [codes], got {_got(value)}")
    out: Dict[str, List[str]] = {}
    for glob, codes in value.items():
        try:
            out[glob] = _codes(codes)
        except _Invalid as problem:
            raise _Invalid(problem.message, "." + _quoted(glob)) from None
    return out


def _blocking_calls(value: Any) -> Dict[str, str]:
    if not isinstance(value, dict):
        raise _Invalid(f"expected a table of callable = suggestion, got {_got(value)}")
    for name, suggestion in value.items():
        # "mylib.*" is a prefix: it matches every attribute below mylib (see rules/AIO109.md).
        if not (_is_dotted(name, 2) or (name.endswith(".*") and _is_dotted(name[:-2], 1))):
            raise _Invalid("key must be a fully qualified dotted name such as 'mylib.client.fetch' or 'mylib.*'",
                           "." + _quoted(name))
        if not isinstance(suggestion, str):
            raise _Invalid(f"expected a suggestion string, got {_got(suggestion)}", "." + _quoted(name))
    return dict(value)


def _target_version(value: Any) -> Tuple[int, int]:
    try:
        return parse_target_version(value)
    except ConfigError as error:
        raise _Invalid(str(error)) from None


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected a string, got {_got(value)}")
    return value


def _size(value: Any) -> int:
    if type(value) is not int or value < 1:
        raise _Invalid(f"expected a positive number of bytes, got {_got(value)}")
    return value


def _seconds(value: Any) -> float:
    if type(value) not in (int, float) or not 0 < value <= _MAX_SECONDS:
        raise _Invalid(f"expected a number of seconds above 0 and at most {_MAX_SECONDS:,}, got {_shown(value)}")
    return float(value)


def _memory(value: Any) -> int:
    if type(value) is not int or value < _MIN_MEMORY:
        raise _Invalid(f"expected a number of bytes of at least {_MIN_MEMORY:,} (128 MiB), got {_shown(value)}")
    return value


# A worker takes about 30 MB of address space before it reads a file, and LibCST about 750
# bytes more per byte of source; a day is no budget.
_MIN_MEMORY = 128 << 20
_MAX_SECONDS = 86_400


def _shown(value: Any) -> str:
    return repr(value) if type(value) in (int, float) else _got(value)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"expected a boolean, got {_got(value)}")
    return value


_PARSERS: Dict[str, Callable[[Any], Any]] = {
    "select": _codes,
    "extend-select": _codes,
    "ignore": _codes,
    "exclude": _patterns,
    "extend-exclude": _patterns,
    "per-file-ignores": _per_file_ignores,
    "target-version": _target_version,
    "blocking-calls": _blocking_calls,
    "allow-no-await": _strings,
    "task-keepers": _dotted_names,
    "fixable": _codes,
    "unfixable": _codes,
    "cache-dir": _string,
    "respect-gitignore": _boolean,
    "max-file-size": _size,
    "max-file-time": _seconds,
    "max-file-memory": _memory,
}
