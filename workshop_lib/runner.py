"""Execute the notebooks headless with nbclient, write executed copies and a report.

Used by `connect-sso-workshop run`, `make workshop`, the notebook tests and facilitators' environment checks.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from workshop_lib.errors import WorkshopError

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
# Put around each notebook while it runs (and removed before the copy is written): a first cell that resets the
# namespace and notes the kernel's call count, a last cell that prints the API calls made since.
CALLS_MARK = "__workshop_calls__"
START_CELL = (
    "from workshop_lib.runner import clear_namespace as _clear\n_clear(get_ipython())\n"
    "from workshop_lib.aws.session import CALLS as _calls\n"
    "__workshop_calls_before__ = dict(_calls.counts)"
)
CALLS_CELL = (
    "import json as _json\nfrom workshop_lib.aws.session import CALLS as _calls\n"
    f"print({CALLS_MARK!r} + _json.dumps(_calls.since(__workshop_calls_before__).by_name()))"
)


# Imported by each kernel as it boots (IPython's exec_lines), while this process starts the sandbox: what the
# first notebook would otherwise import (about 1 s). clear_namespace forgets the names; the modules stay loaded.
WARM_UP = ("import boto3, botocore.client, ipywidgets, pandas, workshop_lib.chapters, workshop_lib.aws.session, "
           "workshop_lib.ui.step_card, workshop_lib.ui.board, workshop_lib.ui.settings_form")
STATUS_MARK = "__workshop_steps__"
STATUS_CELL = (
    "import json as _json\nfrom workshop_lib.runner import step_statuses as _steps\n"
    f"print({STATUS_MARK!r} + _json.dumps(_steps()))"
)


def clear_namespace(shell) -> None:
    """What the notebook before defined is forgotten, as in a new kernel (imported modules stay loaded).

    Not ``%reset -f``: that also runs the garbage collector twice over the whole heap (botocore's models
    included), about 0.2–0.5 s per notebook, and resets the history."""
    hidden = shell.user_ns_hidden
    for name in [n for n in shell.user_ns if n not in hidden and not (n.startswith("__") and n.endswith("__"))]:
        del shell.user_ns[name]


def notebook_dir() -> Path:
    if NOTEBOOK_DIR.is_dir():
        return NOTEBOOK_DIR
    raise WorkshopError("The notebooks folder is not next to the package.", fix="Run from a clone of connect-sso-workshop (pip install -e .).")


def workshop_notebooks(include: list[str] | None = None) -> list[Path]:
    books = sorted(p for p in notebook_dir().glob("*.ipynb") if not p.name.startswith("."))
    if include:
        books = [p for p in books if any(p.name.startswith(i) for i in include)]
    return books


@dataclass
class NotebookResult:
    name: str
    ok: bool
    seconds: float
    error: str = ""
    cell: int | None = None
    calls: dict[str, int] = field(default_factory=dict)  # "service:Operation" -> count, from the kernel

    @property
    def writes(self) -> int:
        return count_writes(self.calls)


def count_writes(calls: dict[str, int]) -> int:
    """How many of ``calls`` ("service:Operation" -> n) change something, by the session's CallCounter rule."""
    from workshop_lib.aws.session import CallCounter

    return CallCounter({tuple(k.split(":", 1)): n for k, n in calls.items()}).writes()  # type: ignore[misc]


def merge_calls(*many: dict[str, int]) -> dict[str, int]:
    total: dict[str, int] = {}
    for calls in many:
        for op, n in calls.items():
            total[op] = total.get(op, 0) + n
    return dict(sorted(total.items()))


@dataclass
class RunReport:
    started: str
    target: str
    notebooks: list[NotebookResult] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)  # every API call of the run, kernels included

    @property
    def ok(self) -> bool:
        return all(n.ok for n in self.notebooks)

    @property
    def writes(self) -> int:
        return count_writes(self.calls)

    def markdown(self) -> str:
        lines = [f"# Workshop run {self.started} ({self.target})", "", "| notebook | result | seconds | API calls | writes |", "|---|---|---|---|---|"]
        for n in self.notebooks:
            result = "ok" if n.ok else f"FAILED at cell {n.cell}: {n.error}"
            lines.append(f"| {n.name} | {result} | {n.seconds:.1f} | {sum(n.calls.values())} | {n.writes} |")
        if self.calls:
            lines += ["", f"API calls by operation: {sum(self.calls.values())} in all, {self.writes} writes.", "", "| operation | calls |", "|---|---|"]
            lines += [f"| {op} | {n} |" for op, n in sorted(self.calls.items(), key=lambda kv: (-kv[1], kv[0]))]
        if self.steps:
            lines += ["", "| chapter | step | status | summary |", "|---|---|---|---|"]
            lines += [f"| {s['chapter']} | {s['step']} | {s['status']} | {s['summary'].replace('|', '/')} |" for s in self.steps]
        return "\n".join(lines) + "\n"


def run_notebooks(
    out_dir: Path,
    include: list[str] | None = None,
    timeout: int = 600,
    say: Callable[[str], None] = print,
    kernel_name: str = "python3",
    shared_kernel: bool = True,
    read_steps: bool = False,
    prepare: Callable[[], None] | None = None,
) -> RunReport:
    """Execute each notebook in order and report every one (a failure does not hide the notebooks after it).

    With ``shared_kernel`` (the default) one kernel runs every notebook, as a learner's session would if they
    kept one kernel: each notebook still gets its own client, outputs and executed copy, its namespace is reset
    first, and its API calls are counted from its own start. A kernel that dies is replaced for the next
    notebook. Without it, each notebook gets a fresh kernel (slower: ~1–2 s of start-up each).

    ``prepare`` (starting the sandbox, say) runs once the first kernel has been launched, while it boots.
    With ``read_steps``, every step's status is read at the end in the last kernel, whose clients are warm
    (its calls are added to the report's); ``attach_status`` reads them in this process when that failed.
    """
    import shutil
    import tempfile

    from jupyter_client.manager import KernelManager

    from workshop_lib import settings as settings_mod

    out_dir.mkdir(parents=True, exist_ok=True)
    ipc_dir = Path(tempfile.mkdtemp(prefix="workshop-kernels-"))
    report = RunReport(started=_dt.datetime.now().replace(microsecond=0).isoformat(), target=settings_mod.load().target)
    kernels = iter(range(10_000))

    def new_kernel() -> "KernelManager":
        # IPC transport: the kernel talks over local sockets in a private folder, not TCP ports.
        km = KernelManager(kernel_name=kernel_name, transport="ipc", ip=str(ipc_dir / f"k{next(kernels)}"))
        # No IPython history: nobody reads it, and its SQLite writes cost time on every cell.
        km.start_kernel(cwd=str(notebook_dir()), extra_arguments=["--HistoryManager.enabled=False", f"--IPKernelApp.exec_lines={WARM_UP}"])
        return km

    km = None
    try:
        books = workshop_notebooks(include)
        if books:
            km = new_kernel()
        if prepare is not None:
            prepare()
        for path in books:
            if km is None or not km.is_alive():
                if km is not None:
                    km.shutdown_kernel(now=True)
                km = new_kernel()
            result = _run_one(path, km, out_dir, timeout, kernel_name, say)
            report.calls = merge_calls(report.calls, result.calls)
            report.notebooks.append(result)
            if not shared_kernel:
                km.shutdown_kernel(now=False)
                km = None
        if read_steps and km is not None and km.is_alive():
            _steps_in_kernel(report, km, timeout, kernel_name)
    finally:
        if km is not None and km.has_kernel:
            km.shutdown_kernel(now=True)  # nothing of the workshop's lives in the kernel: each step saved its state
        shutil.rmtree(ipc_dir, ignore_errors=True)
    return report


def step_statuses() -> list[dict]:
    """Every step's current status (read-only checks), as the report lists them."""
    from workshop_lib.chapters.board import board_rows
    from workshop_lib.context import Context

    return [{"chapter": row.chapter, "step": row.key, "status": row.status.state.value, "summary": row.status.summary}
            for row in board_rows(Context())]


def _steps_in_kernel(report: RunReport, km, timeout: int, kernel_name: str) -> None:
    """``step_statuses`` run in the kernel that ran the notebooks, with its calls counted; nothing on failure."""
    nbformat, nbclient = _notebook_tools()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (START_CELL, STATUS_CELL, CALLS_CELL)])
    try:
        nbclient.NotebookClient(nb, km=km, timeout=timeout, kernel_name=kernel_name,
                                resources={"metadata": {"path": str(notebook_dir())}}).execute()
    except Exception:  # noqa: BLE001 - the caller reads the statuses itself
        return
    steps = _marked(nb.cells[1], STATUS_MARK)
    if isinstance(steps, list):
        report.steps = steps
        report.calls = merge_calls(report.calls, _kernel_calls(nb.cells[2]))


def _notebook_tools():
    """nbformat and nbclient, imported without rfc3987_syntax.

    nbformat imports jsonschema, and jsonschema imports rfc3987_syntax when it is installed (jupyter-events
    pulls it in); that module compiles a Lark grammar at import, 2–4 s of CPU, for IRI formats the notebook
    schema never uses. Hidden only for this import: anything importing rfc3987_syntax later gets it."""
    hidden = "rfc3987_syntax" not in sys.modules
    if hidden:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # makes `import rfc3987_syntax` raise ImportError
    try:
        import nbclient
        import nbformat
    finally:
        if hidden and sys.modules.get("rfc3987_syntax", False) is None:
            del sys.modules["rfc3987_syntax"]
    return nbformat, nbclient


def _run_one(path: Path, km, out_dir: Path, timeout: int, kernel_name: str, say: Callable[[str], None]) -> NotebookResult:
    """One notebook in the kernel ``km``: a hidden first cell resets the namespace and notes the call count,
    a hidden last cell prints the calls made since; both are removed before the executed copy is written."""
    nbformat, nbclient = _notebook_tools()
    from nbclient.exceptions import CellExecutionError

    NotebookClient = nbclient.NotebookClient
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(START_CELL, metadata={"tags": ["workshop-calls"]}))
    nb.cells.append(nbformat.v4.new_code_cell(CALLS_CELL, metadata={"tags": ["workshop-calls"]}))
    client = NotebookClient(nb, km=km, timeout=timeout, kernel_name=kernel_name,
                            resources={"metadata": {"path": str(path.parent)}}, store_widget_state=True)
    started = time.monotonic()
    say(f"running {path.name} …")
    try:
        client.execute()
        result = NotebookResult(path.name, True, time.monotonic() - started)
    except CellExecutionError as exc:
        failed = next((i for i, c in enumerate(nb.cells) if c.get("cell_type") == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        result = NotebookResult(path.name, False, time.monotonic() - started, f"{exc.ename}: {exc.evalue}", None if failed is None else failed - 1)
    except Exception as exc:  # noqa: BLE001 - a kernel that dies or times out is reported, not raised
        result = NotebookResult(path.name, False, time.monotonic() - started, f"{type(exc).__name__}: {exc}")
    nb.cells.pop(0)
    result.calls = _kernel_calls(nb.cells.pop())
    nbformat.write(nb, out_dir / path.name)
    say(f"  {'ok' if result.ok else 'FAILED: ' + result.error} ({result.seconds:.1f} s)")
    return result


def _marked(cell, mark: str):
    """The JSON a hidden cell printed after ``mark`` (None when it printed none)."""
    for out in cell.get("outputs", []):
        for line in str(out.get("text", "")).splitlines():
            if line.startswith(mark):
                try:
                    return json.loads(line[len(mark):])
                except ValueError:
                    return None
    return None


def _kernel_calls(cell) -> dict[str, int]:
    """The API calls the kernel reported in the appended cell (empty when the notebook stopped before it)."""
    calls = _marked(cell, CALLS_MARK)
    return dict(sorted(calls.items())) if isinstance(calls, dict) else {}


def attach_status(report: RunReport) -> None:
    """Add every step's current status (read-only checks) to the report, read in this process."""
    report.steps = step_statuses()


def write_report(report: RunReport, out_dir: Path) -> Path:
    path = out_dir / "report.md"
    path.write_text(report.markdown(), encoding="utf-8")
    (out_dir / "report.json").write_text(json.dumps({"ok": report.ok, "target": report.target, "notebooks": [n.__dict__ for n in report.notebooks], "steps": report.steps, "calls": report.calls, "writes": report.writes}, indent=2), encoding="utf-8")
    return path
