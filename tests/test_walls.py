"""The two walls of the design, checked on the source: engine and pbxsim never import each other, and the
pure parts import no I/O framework."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

IO_FRAMEWORKS = {"asyncio", "aiohttp", "panoramisk", "asyncpg"}
PURE_PACKAGES = ["engine/core", "engine/pbx", "engine/edge"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found


def top_levels(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def sources(folder: str) -> list[Path]:
    files = sorted((REPO / folder).rglob("*.py"))
    assert files, f"no Python sources under {folder}/"
    return files


def test_imported_modules_sees_every_import_form(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import asyncio.events\nfrom aiohttp import web\nx = __import__('pbxsim')\nfrom . import y\n")
    assert top_levels(imported_modules(probe)) == {"asyncio", "aiohttp", "pbxsim"}


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_core_imports_no_io(package: str) -> None:
    for path in sources(package):
        bad = top_levels(imported_modules(path)) & (IO_FRAMEWORKS | {"pbxsim", "wallboard"})
        assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"


def test_core_imports_nothing_of_the_wire() -> None:
    """The core speaks its own words: the AMI/ARI vocabulary, the adapters and the translation stay outside."""
    for path in sources("engine/core"):
        wire = {m for m in imported_modules(path) if m.split(".")[:2] in (["engine", "pbx"], ["engine", "adapters"],
                                                                          ["engine", "edge"])}
        assert not wire, f"{path.relative_to(REPO)} imports {sorted(wire)}"


def test_engine_never_imports_pbxsim() -> None:
    for path in sources("engine"):
        assert "pbxsim" not in top_levels(imported_modules(path)), f"{path.relative_to(REPO)} imports pbxsim"


def test_pbxsim_never_imports_engine() -> None:
    for path in sources("pbxsim"):
        bad = top_levels(imported_modules(path)) & {"engine", "dialer", "wallboard"}
        assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"


def test_pure_core_pulls_no_io_in_transitively() -> None:
    """Importing every pure module in a fresh interpreter loads none of the I/O frameworks."""
    import subprocess
    import sys

    modules = [
        ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for package in PURE_PACKAGES
        for path in sources(package)
    ]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(IO_FRAMEWORKS)!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
