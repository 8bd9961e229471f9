"""The cache key is derived from every field of Settings, so no option can reuse stale results."""
from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path
from typing import Any, Mapping

import pytest

from asynclint.run.cache import fingerprint
from asynclint.settings import NOT_IN_CACHE_KEY, Settings
from conftest import run_cli

ENABLED = frozenset({"AIO100", "AIO201"})


def changed(value: Any) -> Any:
    """A different value of the same kind; a field of a new kind must be taught here."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, Path):
        return value / "x"
    if isinstance(value, tuple):
        return value + (value[-1],) if value else ("AIO100",)
    if isinstance(value, Mapping):
        return {**value, "x.y": ("AIO100",)}
    if value is None:
        return ("AIO100",)
    raise AssertionError(f"test_cache_key.changed does not know how to change {value!r}")


def base() -> Settings:
    return Settings(project_root=Path("/project"))


@pytest.mark.parametrize("name", [each.name for each in dataclasses.fields(Settings) if each.name not in NOT_IN_CACHE_KEY])
def test_every_field_outside_the_excluded_set_changes_the_key(name: str) -> None:
    settings = base()
    other = dataclasses.replace(settings, **{name: changed(getattr(settings, name))})
    assert fingerprint(other, ENABLED) != fingerprint(settings, ENABLED)


@pytest.mark.parametrize("name", sorted(NOT_IN_CACHE_KEY))
def test_excluded_fields_leave_the_key_alone(name: str) -> None:
    """These only decide which files run or where the cache is (see NOT_IN_CACHE_KEY)."""
    settings = base()
    other = dataclasses.replace(settings, **{name: changed(getattr(settings, name))})
    assert fingerprint(other, ENABLED) == fingerprint(settings, ENABLED)


def test_excluded_set_names_only_real_fields() -> None:
    assert NOT_IN_CACHE_KEY <= {each.name for each in dataclasses.fields(Settings)}


def test_a_new_field_is_in_the_key_without_listing_it() -> None:
    extended = dataclasses.make_dataclass("Extended", [("new_option", int, dataclasses.field(default=0))],
                                          bases=(Settings,), frozen=True)
    plain, extra = base(), extended(project_root=Path("/project"))
    assert fingerprint(extra, ENABLED) != fingerprint(plain, ENABLED)
    assert fingerprint(extra, ENABLED) != fingerprint(dataclasses.replace(extra, new_option=1), ENABLED)


def test_key_is_the_same_for_equal_settings_built_differently() -> None:
    """Deterministic: dict order, lists or tuples, and a pickle round trip do not matter."""
    one = Settings(per_file_ignores={"a/*": ["AIO100"], "b/*": ["AIO101"]}, allow_no_await=["x.*"],
                   project_root=Path("/project"))
    two = Settings(per_file_ignores={"b/*": ("AIO101",), "a/*": ("AIO100",)}, allow_no_await=("x.*",),
                   project_root=Path("/project"))
    assert fingerprint(one, ENABLED) == fingerprint(two, ENABLED)
    assert fingerprint(pickle.loads(pickle.dumps(one)), ENABLED) == fingerprint(one, ENABLED)


def test_settings_survive_the_trip_to_a_worker() -> None:
    settings = Settings(per_file_ignores={"a/*": ["AIO100"]}, blocking_calls={"a.b": "c"}, project_root=Path("/p"))
    copy = pickle.loads(pickle.dumps(settings))
    assert copy == settings
    with pytest.raises(TypeError):
        copy.blocking_calls["x.y"] = "z"  # type: ignore[index]


HANDLER = "async def handle():\n    return 1\n"


def findings(root: Path) -> list:
    result = run_cli(["--select", "AIO201", "--format", "json", "."], cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return [item["code"] for item in json.loads(result.stdout)]


def test_changed_option_in_pyproject_is_not_answered_from_the_cache(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "handlers.py").write_text(HANDLER)
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.asynclint]\nallow-no-await = []\n")
    assert findings(tmp_path) == ["AIO201"]
    assert (tmp_path / ".asynclint_cache").is_dir()
    assert findings(tmp_path) == ["AIO201"]  # answered from the cache
    config.write_text('[tool.asynclint]\nallow-no-await = ["app.handlers.*"]\n')
    assert findings(tmp_path) == []
    config.write_text("[tool.asynclint]\nallow-no-await = []\n")
    assert findings(tmp_path) == ["AIO201"]


def test_the_engine_part_of_the_key_covers_every_rule_and_catalogue() -> None:
    """An edited rule or catalogue in a development checkout (same version number) must not
    reuse old results: the code hash reads the whole package, not only the cache's own folder."""
    import asynclint
    from asynclint.run.cache import engine_package

    package = engine_package()
    assert package == Path(asynclint.__file__).resolve().parent
    hashed = {path.relative_to(package).as_posix() for path in package.rglob("*.py")}
    assert {"apis/blocking_calls.py", "codes.py", "engine/walker.py", "checks/tasks.py"} <= hashed
