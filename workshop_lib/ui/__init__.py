"""What the notebooks call: one function per cell, each returning a widget that displays itself.

Every function works top to bottom without clicks: a step cell performs the step (API steps, and
console steps through the simulated console in the sandbox) and shows its card; buttons re-run.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from workshop_lib.context import Context
from workshop_lib.errors import WorkshopError


def _friendly(fn: Callable) -> Callable:
    """A cell shows a sentence, never a traceback, whatever goes wrong (workshop_lib.edge)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the notebook's edge: a sentence, the detail behind a disclosure
            import ipywidgets as W

            from workshop_lib.ui.widgets import error_html

            return W.HTML(error_html(exc))

    return wrapper


def _context() -> Context:
    """The learner's context; on the sandbox and rehearsal targets, the sandbox is started if it is not running (kernel restarts, reboots)."""
    import os

    ctx = Context()
    if ctx.runs_on_sandbox and not os.environ.get("WORKSHOP_SANDBOX_ENDPOINT"):
        from workshop_lib.sandbox.client import control

        control.ensure_running()
    return ctx


@_friendly
def start():
    """00: apply WORKSHOP_* overrides, start the sandbox when it is the target, and show the settings form."""
    from workshop_lib import settings
    from workshop_lib.ui.settings_form import SettingsForm

    settings.apply_environment()
    return SettingsForm(_context())


@_friendly
def environment():
    """Versions, the kernel's Python, and a warning with the fix when the kernel is not the package's environment."""
    import ipywidgets as W

    from workshop_lib.environment import environment_report

    report = environment_report()
    kind = "ok" if report.ok else "warning"
    from workshop_lib.ui.widgets import message_html

    from workshop_lib.ui.markup import join, table, tag

    text = message_html(report.summary, kind)
    return W.HTML(join([text, table(["package", "version"], [[k, tag("code", v)] for k, v in report.versions.items()])]))


@_friendly
def step(key: str, run: bool = True):
    """Show a step's card; with ``run`` (the default) perform it first — safe to repeat."""
    from workshop_lib.chapters import find_step
    from workshop_lib.ui.step_card import StepCard

    card = StepCard(find_step(key), _context())
    if run:
        card.perform()
    else:
        card.refresh()
    return card


@_friendly
def check(key: str):
    """Show a step's card with its current status, changing nothing."""
    return step(key, run=False)


@_friendly
def status_board():
    from workshop_lib.ui.board import StatusBoard

    return StatusBoard(_context())


@_friendly
def metadata_upload(app_key: str = "agent"):
    from workshop_lib.ui.inspectors import MetadataUpload

    return MetadataUpload(_context(), app_key)


@_friendly
def agents_import():
    """05: onboard many agents from a CSV (upload, check every row, Import); with no file it only shows how."""
    from workshop_lib.ui.agents_csv import AgentsImport

    return AgentsImport(_context())


@_friendly
def saml_inspector():
    """The SAML response inspector; in the sandbox it opens on agent1's real signed response, verified."""
    from workshop_lib.ui.inspectors import SamlInspector

    inspector = SamlInspector()
    ctx = _context()
    if ctx.is_sandbox:
        sample = _sandbox_sample_response(ctx)
        if sample:
            inspector.text.value = sample[0]
            inspector.inspect(sample[0], sample[1])
    return inspector


def _sandbox_sample_response(ctx: Context) -> tuple[str, bytes] | None:
    """agent1's SAML response from a simulated sign-in, with the agent application's metadata."""
    from workshop_lib.aws import console
    from workshop_lib.rules.chain import AGENT
    from workshop_lib.chapters.signin import first_person
    from workshop_lib.metadata_files import read_metadata

    metadata = read_metadata(AGENT.key)
    if metadata is None:
        return None
    try:
        result = console.sign_in(ctx, first_person(ctx, AGENT).email, ctx.settings.name(AGENT.app_key))
    except WorkshopError:
        return None
    if not result.saml_response_b64:
        return None
    return result.saml_response_b64, metadata.encode("utf-8")


@_friendly
def doctor():
    from workshop_lib.ui.doctor_view import DoctorView

    return DoctorView(_context())


@_friendly
def cleanup():
    from workshop_lib.ui.cleanup_panel import CleanupPanel

    return CleanupPanel(_context())


@_friendly
def labs():
    from workshop_lib.ui.labs_panel import LabsPanel

    return LabsPanel(_context())
