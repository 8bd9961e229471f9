from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from asynclint.config import (
    ConfigError,
    Settings,
    find_config,
    load_settings,
    parse_target_version,
    settings_from_mapping,
)
from asynclint.settings import DEFAULT_EXCLUDES


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_for(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_settings_cannot_be_changed_by_whoever_holds_them() -> None:
    """One part of a run (a check, the cache key) must not see another part's edits."""
    first = Settings(ignore=["AIO100"], per_file_ignores={"tests/*": ["AIO100"]}, blocking_calls={"a.b": "c"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.ignore = ("AIO101",)  # type: ignore[misc]
    with pytest.raises(TypeError):
        first.per_file_ignores["x"] = ("AIO100",)  # type: ignore[index]
    with pytest.raises(TypeError):
        first.blocking_calls["x.y"] = "z"  # type: ignore[index]
    assert first.ignore == ("AIO100",) and first.per_file_ignores["tests/*"] == ("AIO100",)
    assert not hasattr(first.ignore, "append")
    assert first.select is None and first.exclude is None and first.fixable is None
    assert first.target_version == (3, 9)
    assert first.respect_gitignore is True
    assert ".git" in DEFAULT_EXCLUDES and "site-packages" in DEFAULT_EXCLUDES


def test_full_table_is_read(tmp_path: Path) -> None:
    config = write(
        tmp_path / "pyproject.toml",
        """
[tool.asynclint]
select = ["AIO1"]
extend-select = ["AIO109"]
ignore = ["AIO107"]
exclude = ["generated"]
extend-exclude = ["*_pb2.py"]
per-file-ignores = { "tests/*" = ["AIO100", "AIO10"] }
target-version = "py311"
blocking-calls = { "mylib.client.fetch" = "use mylib.aio.fetch" }
allow-no-await = ["*.handlers.*"]
task-keepers = ["mylib.tasks.keep"]
fixable = ["AIO100"]
unfixable = ["AIO101"]
cache-dir = ".cache/al"
respect-gitignore = false
""",
    )
    settings = load_settings(config)
    assert settings.select == ("AIO1",)
    assert settings.extend_select == ("AIO109",)
    assert settings.ignore == ("AIO107",)
    assert settings.exclude == ("generated",)
    assert settings.extend_exclude == ("*_pb2.py",)
    assert settings.per_file_ignores == {"tests/*": ("AIO100", "AIO10")}
    assert settings.target_version == (3, 11)
    assert settings.blocking_calls == {"mylib.client.fetch": "use mylib.aio.fetch"}
    assert settings.allow_no_await == ("*.handlers.*",)
    assert settings.task_keepers == ("mylib.tasks.keep",)
    assert settings.fixable == ("AIO100",)
    assert settings.unfixable == ("AIO101",)
    assert settings.cache_dir == ".cache/al"
    assert settings.respect_gitignore is False
    assert settings.project_root == tmp_path.absolute()
    assert settings.config_path == config.absolute()
    # the CLI adjusts settings with dataclasses.replace
    assert dataclasses.replace(settings, ignore=["AIO100"]).ignore == ("AIO100",)


def test_unknown_key_suggests_closest(tmp_path: Path) -> None:
    config = write(tmp_path / "pyproject.toml", '[tool.asynclint]\nselec = ["AIO100"]\n')
    message = error_for(config)
    assert message.endswith("pyproject.toml: tool.asynclint.selec: unknown key (did you mean 'select'?)")


def test_snake_case_key_is_rejected_with_kebab_suggestion(tmp_path: Path) -> None:
    config = write(tmp_path / "pyproject.toml", '[tool.asynclint]\nextend_select = ["AIO100"]\n')
    assert error_for(config).endswith("tool.asynclint.extend_select: unknown key (did you mean 'extend-select'?)")


def test_unknown_key_without_close_match(tmp_path: Path) -> None:
    config = write(tmp_path / "pyproject.toml", "[tool.asynclint]\nzzzzzz = 1\n")
    assert error_for(config).endswith("tool.asynclint.zzzzzz: unknown key")


def test_invalid_toml_is_one_line(tmp_path: Path) -> None:
    config = write(tmp_path / "pyproject.toml", "[tool.asynclint\nselect = [\n")
    message = error_for(config)
    assert "pyproject.toml: invalid TOML: " in message


def test_undecodable_file(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_bytes(b'[tool.asynclint]\nselect = ["\xff\xfe"]\n')
    assert "pyproject.toml: cannot decode file as UTF-8" in error_for(config)


def test_explicit_config_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    assert error_for(missing) == f"{missing}: no such file"


@pytest.mark.parametrize("key", ["select", "extend-select", "ignore", "fixable", "unfixable"])
def test_unknown_code(tmp_path: Path, key: str) -> None:
    config = write(tmp_path / "pyproject.toml", f'[tool.asynclint]\n{key} = ["AIO100", "AIO999"]\n')
    assert error_for(config).endswith(f"tool.asynclint.{key}: unknown rule code 'AIO999'")


def test_selectors_all_and_prefixes_are_known(tmp_path: Path) -> None:
    config = write(tmp_path / "pyproject.toml", '[tool.asynclint]\nselect = ["ALL"]\nignore = ["AIO", "AIO10"]\n')
    settings = load_settings(config)
    assert settings.select == ("ALL",) and settings.ignore == ("AIO", "AIO10")


def test_unknown_code_in_per_file_ignores(tmp_path: Path) -> None:
    config = write(tmp_path / "pyproject.toml", '[tool.asynclint.per-file-ignores]\n"tests/*" = ["XYZ1"]\n')
    assert error_for(config).endswith('tool.asynclint.per-file-ignores."tests/*": unknown rule code \'XYZ1\'')


@pytest.mark.parametrize(
    "line, expected",
    [
        ('select = "AIO100"', "tool.asynclint.select: expected a list of strings, got a string"),
        ("ignore = [1]", "tool.asynclint.ignore: expected a list of strings, got an integer in the list"),
        ("respect-gitignore = \"yes\"", "tool.asynclint.respect-gitignore: expected a boolean, got a string"),
        ("cache-dir = 3", "tool.asynclint.cache-dir: expected a string, got an integer"),
        ('per-file-ignores = ["x"]', "tool.asynclint.per-file-ignores: expected a table of glob = [codes], got an array"),
        ('per-file-ignores = { "x" = "AIO100" }', 'tool.asynclint.per-file-ignores."x": expected a list of strings, got a string'),
        ('task-keepers = ["not a name"]', "tool.asynclint.task-keepers: 'not a name' is not a dotted name"),
        ('exclude = ["!"]', "tool.asynclint.exclude: invalid pattern '!'"),
    ],
)
def test_wrong_types(tmp_path: Path, line: str, expected: str) -> None:
    config = write(tmp_path / "pyproject.toml", f"[tool.asynclint]\n{line}\n")
    assert error_for(config).endswith(expected)


@pytest.mark.parametrize("value", ["py27", "py37", "py315", "3.10", "PY310", "py3"])
def test_bad_target_version(tmp_path: Path, value: str) -> None:
    config = write(tmp_path / "pyproject.toml", f'[tool.asynclint]\ntarget-version = "{value}"\n')
    message = error_for(config)
    assert f"tool.asynclint.target-version: unknown target version '{value}'" in message
    assert "expected py38 to py314" in message


def test_target_version_not_a_string(tmp_path: Path) -> None:
    config = write(tmp_path / "pyproject.toml", "[tool.asynclint]\ntarget-version = 310\n")
    assert "tool.asynclint.target-version: unknown target version 310" in error_for(config)


@pytest.mark.parametrize("text, expected", [("py38", (3, 8)), ("py39", (3, 9)), ("py310", (3, 10)), ("py314", (3, 14))])
def test_parse_target_version(text: str, expected: tuple) -> None:
    assert parse_target_version(text) == expected


@pytest.mark.parametrize("key", ["fetch", "mylib.", "my-lib.fetch", "mylib..fetch", "mylib.class.fetch", "1lib.fetch"])
def test_bad_blocking_calls_key(tmp_path: Path, key: str) -> None:
    config = write(tmp_path / "pyproject.toml", f'[tool.asynclint.blocking-calls]\n"{key}" = "use something"\n')
    message = error_for(config)
    assert f'tool.asynclint.blocking-calls."{key}": key must be a fully qualified dotted name' in message


def test_blocking_calls_value_must_be_string(tmp_path: Path) -> None:
    config = write(tmp_path / "pyproject.toml", '[tool.asynclint.blocking-calls]\n"mylib.fetch" = 1\n')
    assert error_for(config).endswith('tool.asynclint.blocking-calls."mylib.fetch": expected a suggestion string, got an integer')


def test_odd_key_stays_on_one_line(tmp_path: Path) -> None:
    config = write(tmp_path / "pyproject.toml", '[tool.asynclint]\n"sel\\nect" = 1\n')
    assert 'pyproject.toml: tool.asynclint."sel\\nect": unknown key' in error_for(config)


@pytest.mark.parametrize(
    "requires, expected",
    [
        (">=3.10", (3, 10)),
        (">=3.8", (3, 8)),
        (">=3.6", (3, 8)),
        ("~=3.12", (3, 12)),
        ("<4,>=3.11", (3, 11)),
        (">=3.11, !=3.9.*", (3, 11)),
        ("==3.13.*", (3, 13)),
        (">=3.99", (3, 14)),
        (">3", (3, 9)),
    ],
)
def test_target_version_inferred_from_requires_python(tmp_path: Path, requires: str, expected: tuple) -> None:
    config = write(tmp_path / "pyproject.toml", f'[project]\nrequires-python = "{requires}"\n\n[tool.asynclint]\n')
    assert load_settings(config).target_version == expected


def test_explicit_target_version_beats_requires_python(tmp_path: Path) -> None:
    config = write(tmp_path / "pyproject.toml", '[project]\nrequires-python = ">=3.8"\n[tool.asynclint]\ntarget-version = "py312"\n')
    assert load_settings(config).target_version == (3, 12)


def test_inference_from_pyproject_without_asynclint_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\nrequires-python = ">=3.12"\n')
    (tmp_path / "src").mkdir()
    settings = load_settings(start=tmp_path / "src")
    assert settings.target_version == (3, 12)
    assert settings.project_root == tmp_path.absolute()


def test_upward_search_prefers_asynclint_table(tmp_path: Path) -> None:
    outer = write(tmp_path / "pyproject.toml", '[tool.asynclint]\nignore = ["AIO100"]\n')
    write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "inner"\n')
    deep = tmp_path / "pkg" / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) == outer.absolute()
    settings = load_settings(start=deep)
    assert settings.ignore == ("AIO100",)
    assert settings.project_root == tmp_path.absolute()


def test_upward_search_nearest_with_table_wins(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.asynclint]\nignore = ["AIO100"]\n')
    inner = write(tmp_path / "pkg" / "pyproject.toml", '[tool.asynclint]\nignore = ["AIO101"]\n')
    assert find_config(tmp_path / "pkg") == inner.absolute()
    assert load_settings(start=tmp_path / "pkg").ignore == ("AIO101",)


def test_upward_search_falls_back_to_nearest_pyproject(tmp_path: Path) -> None:
    outer = write(tmp_path / "pyproject.toml", '[project]\nname = "outer"\n')
    inner = write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "inner"\n')
    assert find_config(tmp_path / "pkg") == inner.absolute()
    assert find_config(tmp_path) == outer.absolute()


def test_upward_search_skips_unrelated_malformed_pyproject(tmp_path: Path) -> None:
    good = write(tmp_path / "pyproject.toml", '[tool.asynclint]\nignore = ["AIO100"]\n')
    write(tmp_path / "pkg" / "pyproject.toml", "[project\n")
    assert find_config(tmp_path / "pkg") == good.absolute()


def test_upward_search_reports_malformed_asynclint_config(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.asynclint\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        find_config(tmp_path)


def test_no_config_anywhere_gives_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("asynclint.config.find_config", lambda start: None)
    settings = load_settings(start=tmp_path)
    assert settings == Settings(project_root=tmp_path.absolute())
    assert settings.config_path is None


def test_standalone_config_top_level_is_the_table(tmp_path: Path) -> None:
    config = write(tmp_path / "conf" / "asynclint.toml", 'select = ["AIO100"]\ntarget-version = "py310"\n')
    settings = load_settings(config)
    assert settings.select == ("AIO100",)
    assert settings.target_version == (3, 10)
    assert settings.project_root == (tmp_path / "conf").absolute()
    assert settings.config_path == config.absolute()


def test_standalone_config_errors_have_no_prefix(tmp_path: Path) -> None:
    config = write(tmp_path / ".asynclint.toml", 'selectt = ["AIO100"]\n')
    message = error_for(config)
    assert message.endswith(".asynclint.toml: selectt: unknown key (did you mean 'select'?)")
    assert "tool.asynclint" not in message


def test_standalone_file_ignores_tool_table(tmp_path: Path) -> None:
    # a standalone file's top level is the settings table, so a [tool] table is an unknown key
    config = write(tmp_path / "asynclint.toml", '[tool.asynclint]\nselect = ["AIO100"]\n')
    assert error_for(config).endswith("asynclint.toml: tool: unknown key")


def test_tool_asynclint_not_a_table(tmp_path: Path) -> None:
    config = write(tmp_path / "pyproject.toml", '[tool]\nasynclint = "yes"\n')
    assert error_for(config).endswith("pyproject.toml: tool.asynclint: expected a table")


def test_settings_from_mapping_for_other_front_ends() -> None:
    settings = settings_from_mapping({"ignore": ["AIO100"]}, "setup.cfg", ">=3.10", prefix="asynclint.")
    assert settings.ignore == ("AIO100",) and settings.target_version == (3, 10)
    with pytest.raises(ConfigError, match=r"^setup\.cfg: asynclint\.bogus: unknown key$"):
        settings_from_mapping({"bogus": 1}, "setup.cfg", prefix="asynclint.")
