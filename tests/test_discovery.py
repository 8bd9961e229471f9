from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List

import pytest

from asynclint.config import Settings
from asynclint.run.discovery import DiscoveryError, SourceFile, discover, module_name


def touch(root: Path, *names: str, text: str = "") -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def shown(paths: List[str], settings: Settings) -> List[str]:
    return [source.display.replace(os.sep, "/") for source in discover(paths, settings)]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def settings_for(root: Path, **changes: object) -> Settings:
    return Settings(project_root=root, **changes)  # type: ignore[arg-type]


def test_walks_py_and_pyi_sorted(project: Path) -> None:
    touch(project, "src/b.py", "src/a.pyi", "src/pkg/__init__.py", "src/pkg/mod.py", "src/notes.txt", "src/c.pyc")
    assert shown(["src"], settings_for(project)) == [
        "src/a.pyi",
        "src/b.py",
        "src/pkg/__init__.py",
        "src/pkg/mod.py",
    ]


def test_source_file_fields(project: Path) -> None:
    touch(project, "src/a.py", "b.py")
    found = discover(["./src/", "b.py"], settings_for(project))
    assert found == [
        SourceFile(Path("b.py"), "b.py", True),
        SourceFile(Path("./src/") / "a.py", os.path.join("src", "a.py"), False),
    ]
    assert found[1].path.read_text() == ""


def test_dot_display_has_no_prefix(project: Path) -> None:
    touch(project, "a.py", "pkg/b.py")
    assert shown(["."], settings_for(project)) == ["a.py", "pkg/b.py"]


def test_absolute_path_stays_absolute(project: Path) -> None:
    touch(project, "a.py")
    assert shown([str(project)], settings_for(project)) == [str(project / "a.py").replace(os.sep, "/")]


def test_missing_path_is_an_error(project: Path) -> None:
    touch(project, "a.py")
    with pytest.raises(DiscoveryError) as caught:
        discover(["a.py", "nosuch/"], settings_for(project))
    assert str(caught.value) == "nosuch/: no such file or directory"


def test_default_excludes_at_any_depth(project: Path) -> None:
    touch(
        project,
        "keep.py",
        "build/gen.py",
        "pkg/build/gen.py",
        "pkg/__pycache__/x.py",
        ".venv/lib/site.py",
        "venv/lib/site.py",
        "lib/site-packages/dep.py",
        "node_modules/x.py",
        ".git/hooks/hook.py",
    )
    assert shown(["."], settings_for(project)) == ["keep.py"]


def test_exclude_replaces_defaults_and_extend_exclude_adds(project: Path) -> None:
    touch(project, "build/gen.py", "generated/x.py", "pkg/api_pb2.py", "pkg/api.py", "pkg/generated/y.py", "docs/conf.py")
    touch(project, "pkg/docs/z.py")
    settings = settings_for(project, exclude=["generated", "/docs"], extend_exclude=["*_pb2.py"])
    assert shown(["."], settings) == ["build/gen.py", "pkg/api.py", "pkg/docs/z.py"]


def test_anchored_exclude_is_relative_to_project_root(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(project, "src/gen/x.py", "src/ok.py", "other/src/gen/y.py")
    settings = settings_for(project, exclude=["src/gen"])
    # run from a subdirectory: the pattern still applies relative to the root
    monkeypatch.chdir(project / "src")
    assert shown(["."], settings) == ["ok.py"]
    monkeypatch.chdir(project)
    assert shown(["."], settings) == ["other/src/gen/y.py", "src/ok.py"]


def test_exclude_with_trailing_slash_matches_only_directories(project: Path) -> None:
    touch(project, "tmp/x.py", "pkg/tmp.py")
    assert shown(["."], settings_for(project, exclude=["tmp/", "tmp.py/"])) == ["pkg/tmp.py"]


def test_explicit_file_is_always_checked(project: Path) -> None:
    touch(project, "build/gen.py", "scripts/tool", "ignored.py")
    (project / ".gitignore").write_text("ignored.py\n")
    found = discover(["build/gen.py", "scripts/tool", "ignored.py"], settings_for(project))
    assert [(s.display.replace(os.sep, "/"), s.explicit) for s in found] == [
        ("build/gen.py", True),
        ("ignored.py", True),
        ("scripts/tool", True),
    ]


def test_explicit_excluded_directory_is_walked(project: Path) -> None:
    touch(project, "build/lib/gen.py", "build/lib/__pycache__/c.py")
    assert shown(["build"], settings_for(project)) == ["build/lib/gen.py"]


def test_root_gitignore(project: Path) -> None:
    touch(project, "a.py", "secret.py", "out/x.py", "pkg/secret.py", "pkg/b.py")
    (project / ".gitignore").write_text("# comment\nsecret.py\n/out/\n")
    assert shown(["."], settings_for(project)) == ["a.py", "pkg/b.py"]
    assert shown(["pkg"], settings_for(project)) == ["pkg/b.py"]


def test_root_gitignore_applies_when_walking_a_subdirectory(project: Path) -> None:
    touch(project, "pkg/sub/gen.py", "pkg/sub/ok.py")
    (project / ".gitignore").write_text("pkg/sub/gen.py\n")
    assert shown(["pkg/sub"], settings_for(project)) == ["pkg/sub/ok.py"]


def test_nested_gitignore_is_relative_to_its_directory(project: Path) -> None:
    touch(project, "gen.py", "pkg/gen.py", "pkg/deep/gen.py", "pkg/ok.py", "other/local.py", "pkg/local.py")
    (project / "pkg" / ".gitignore").write_text("/gen.py\nlocal.py\n")
    assert shown(["."], settings_for(project)) == ["gen.py", "other/local.py", "pkg/deep/gen.py", "pkg/ok.py"]


def test_gitignore_of_intermediate_directory_applies(project: Path) -> None:
    touch(project, "pkg/sub/gen.py", "pkg/sub/ok.py")
    (project / "pkg" / ".gitignore").write_text("gen.py\n")
    assert shown(["pkg/sub"], settings_for(project)) == ["pkg/sub/ok.py"]


def test_gitignore_negation_within_a_file(project: Path) -> None:
    touch(project, "a_gen.py", "keep_gen.py", "b.py")
    (project / ".gitignore").write_text("*_gen.py\n!keep_gen.py\n")
    assert shown(["."], settings_for(project)) == ["b.py", "keep_gen.py"]


def test_gitignore_not_respected_when_disabled(project: Path) -> None:
    touch(project, "a.py", "secret.py", "pkg/gen.py")
    (project / ".gitignore").write_text("secret.py\n")
    (project / "pkg" / ".gitignore").write_text("*\n")
    assert shown(["."], settings_for(project, respect_gitignore=False)) == ["a.py", "pkg/gen.py", "secret.py"]


def test_gitignore_with_invalid_line_keeps_valid_ones(project: Path) -> None:
    touch(project, "a.py", "gen.py")
    (project / ".gitignore").write_text("!\ngen.py\n")
    assert shown(["."], settings_for(project)) == ["a.py"]


def test_directory_named_like_a_python_file(project: Path) -> None:
    touch(project, "x.py/inner.py", "x.py/readme.txt")
    assert shown(["."], settings_for(project)) == ["x.py/inner.py"]
    assert shown(["x.py"], settings_for(project)) == ["x.py/inner.py"]


def test_dedupe_same_file_given_twice(project: Path) -> None:
    touch(project, "pkg/a.py", "pkg/b.py")
    found = discover(["pkg", "pkg/a.py", "./pkg/a.py", "pkg"], settings_for(project))
    assert [(s.display.replace(os.sep, "/"), s.explicit) for s in found] == [("pkg/a.py", True), ("pkg/b.py", False)]


needs_symlinks = pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")


@needs_symlinks
def test_symlink_loop_terminates(project: Path) -> None:
    touch(project, "pkg/a.py")
    os.symlink(project / "pkg", project / "pkg" / "loop")
    os.symlink(project, project / "pkg" / "up")
    assert shown(["."], settings_for(project)) == ["pkg/a.py"]


@needs_symlinks
def test_symlinked_directory_is_walked_only_when_named(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    touch(elsewhere, "ext.py")
    touch(project, "a.py", "pkg/b.py")
    os.symlink(elsewhere, project / "linked")
    os.symlink(project / "pkg", project / "alias")  # inside the project: not followed either
    assert shown(["."], settings_for(project)) == ["a.py", "pkg/b.py"]
    assert shown(["linked"], settings_for(project)) == ["linked/ext.py"]


@needs_symlinks
def test_broken_symlink_is_skipped(project: Path) -> None:
    touch(project, "a.py")
    os.symlink(project / "gone.py", project / "broken.py")
    os.symlink(project / "gone", project / "brokendir")
    assert shown(["."], settings_for(project)) == ["a.py"]


@needs_symlinks
def test_symlinked_file_counts_once(project: Path) -> None:
    touch(project, "a.py")
    os.symlink(project / "a.py", project / "alias.py")
    assert shown(["."], settings_for(project)) == ["a.py"]


def test_unreadable_directory_is_listed_and_vanished_one_skipped(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(project, "a.py", "locked/b.py", "gone/c.py")
    real_scandir = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        name = os.path.basename(os.fspath(path))
        if name == "locked":
            raise PermissionError(13, "Permission denied", path)
        if name == "gone":
            raise FileNotFoundError(2, "No such file or directory", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = discover(["."], settings_for(project))
    assert [(source.display, source.problem) for source in found] == [
        ("a.py", ""),
        (os.path.join("locked", ""), "cannot read directory: Permission denied"),
    ]


def test_directory_outside_project_root(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    touch(outside, "a.py", "build/b.py", "pkg/c.py")
    assert shown([str(outside)], settings_for(project)) == [
        str(outside / "a.py").replace(os.sep, "/"),
        str(outside / "pkg" / "c.py").replace(os.sep, "/"),
    ]


def test_module_name(tmp_path: Path) -> None:
    touch(tmp_path, "src/shop/__init__.py", "src/shop/util.py", "src/shop/sub/__init__.py", "src/shop/sub/deep.pyi")
    touch(tmp_path, "scripts/foo.py", "scripts/my-script.py", "loose/__init__.py")
    assert module_name(tmp_path / "src" / "shop" / "util.py") == "shop.util"
    assert module_name(tmp_path / "src" / "shop" / "__init__.py") == "shop"
    assert module_name(tmp_path / "src" / "shop" / "sub" / "deep.pyi") == "shop.sub.deep"
    assert module_name(tmp_path / "src" / "shop" / "sub" / "__init__.py") == "shop.sub"
    assert module_name(tmp_path / "scripts" / "foo.py") == "foo"
    assert module_name(tmp_path / "scripts" / "my-script.py") == "my-script"
    assert module_name(tmp_path / "loose" / "__init__.py") == "loose"


def test_module_name_of_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(tmp_path, "pkg/__init__.py", "pkg/mod.py")
    monkeypatch.chdir(tmp_path / "pkg")
    assert module_name(Path("mod.py")) == "pkg.mod"
