"""Both notebooks run top to bottom on a small workspace, and report.html renders in headless Chromium.

The workspace's outputs come from test_report.write_workspace. Chromium is Debian's `chromium` package
(installed by the setup script); the browser test is skipped, with the reason, only when it is absent.
A screenshot of the rendered report is kept under outputs/test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from test_report import write_workspace

from pipeline.api import load_results
from pipeline.report import build_report

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = REPO / "outputs" / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
]


@pytest.fixture(scope="module")
def small_workspace(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> Path:
    return write_workspace(tmp_path_factory.mktemp("workspace"), shared)


def run_notebook(name: str, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    monkeypatch.setenv("OPENTIDE_WORKSPACE", str(workspace))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb


def images(nb: nbformat.NotebookNode) -> int:
    return sum("image/png" in out.get("data", {}) for cell in nb.cells for out in cell.get("outputs", []))


@pytest.mark.parametrize("name", ["01_explore", "02_new_target"])
def test_notebooks_are_stored_without_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.slow
def test_explore_notebook_runs_and_shows_figures(small_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = run_notebook("01_explore", small_workspace, monkeypatch)
    assert images(nb) >= 4
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.slow
def test_new_target_notebook_trains_and_compares(small_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = run_notebook("02_new_target", small_workspace, monkeypatch)
    assert images(nb) >= 1
    head = small_workspace / "targets" / "regulation" / "head.json"
    assert head.is_file() and head.stat().st_size > 1000
    packaged = REPO / "pipeline" / "targets" / "regulation" / "head.json"
    assert not packaged.exists() or packaged.stat().st_mtime < head.stat().st_mtime


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (apt-get install -y chromium)")
def test_report_renders_in_headless_chromium(small_workspace: Path, tmp_path: Path) -> None:
    from matplotlib.image import imread

    page = build_report(load_results(small_workspace), small_workspace / "outputs")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    cmd = [
        str(chromium()),
        *CHROMIUM_FLAGS,
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1280,2400",
        f"--screenshot={shot}",
        page.as_uri(),
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    log = run.stderr
    assert run.returncode == 0, log[-2000:]
    console = [line for line in log.splitlines() if "CONSOLE" in line or "Failed to load" in line]
    assert not console, console
    dom = subprocess.run(
        [str(chromium()), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile2'}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0 and dom.stdout.count("<img") == 4 and "Evidence sentences" in dom.stdout
    pixels = imread(shot)[..., :3]
    assert pixels.shape[0] >= 1000 and pixels.std() > 0.05, "the screenshot is blank"
    # the net-stance line's blue (#08519c) is on screen: the first chart was decoded and drawn
    blue = np.all(np.abs(pixels - np.array([0x08, 0x51, 0x9C]) / 255) < 0.06, axis=-1)
    assert blue.sum() > 200
