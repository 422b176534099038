"""The worker writes the workflow modules' bytecode, which the sandbox reads for every new workflow."""

import importlib.util
import shutil
import sys
from pathlib import Path

import workflows
from ehcna.bootstrap import cache_workflow_bytecode


def test_workflow_bytecode_is_written_even_when_python_would_not(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # as PYTHONDONTWRITEBYTECODE=1 does
    folder = tmp_path / "workflows"
    shutil.copytree(Path(workflows.__file__).parent, folder, ignore=shutil.ignore_patterns("__pycache__"))
    modules = sorted(folder.glob("*.py"))
    assert modules and not (folder / "__pycache__").exists()

    cache_workflow_bytecode(folder)

    for module in modules:
        assert Path(importlib.util.cache_from_source(str(module))).is_file(), module.name
