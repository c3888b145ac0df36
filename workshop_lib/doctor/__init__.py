"""The doctor: read the whole sign-in chain, then name the broken link (failure modes F1–F22) and its fix.

``run_doctor`` gathers facts through ``workshop_lib.aws.facts`` and judges them with the pure checks in
``workshop_lib.doctor.checks``; the checks do not care whether the facts came from AWS or the sandbox.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Mapping, Optional, Union

from workshop_lib.doctor.report import DoctorReport

if TYPE_CHECKING:
    from datetime import datetime

    from workshop_lib.aws.snapshot import ConsoleSettingsProvider, Facts
    from workshop_lib.aws.facts import ClientFactory
    from workshop_lib.findings import Finding
    from workshop_lib.settings import Settings

METADATA_FOLDER = "metadata"
MAX_METADATA_FILE_BYTES = 20_000_000

__all__ = ["DoctorReport", "check_facts", "run_doctor", "stored_metadata"]


def check_facts(facts: "Facts", *, now: Optional["datetime"] = None) -> list["Finding"]:
    """Every finding for a Facts snapshot (pure: no AWS calls)."""
    from workshop_lib.doctor.checks import check_facts as _check

    return _check(facts, now=now)


def stored_metadata(home: Optional[Path] = None) -> dict[str, bytes]:
    """The metadata files the chapters downloaded, ``$WORKSHOP_HOME/metadata/<app>.xml``, keyed by file stem."""
    from workshop_lib.settings import workshop_home

    folder = (home or workshop_home()) / METADATA_FOLDER
    found: dict[str, bytes] = {}
    try:
        paths = sorted(folder.glob("*.xml"))
    except OSError:
        return found
    for path in paths:
        try:
            if path.is_file() and path.stat().st_size <= MAX_METADATA_FILE_BYTES:
                found[path.stem] = path.read_bytes()
        except OSError:
            continue
    return found


def run_doctor(
    settings: Optional["Settings"] = None,
    *,
    metadata: Optional[Mapping[str, Any]] = None,
    console_settings: Union["ConsoleSettingsProvider", None, Literal["auto"]] = "auto",
    page_size: Optional[int] = None,
    client: Optional["ClientFactory"] = None,
    now: Optional["datetime"] = None,
) -> DoctorReport:
    """Check the whole chain for the settings' target.

    ``metadata``: app → downloaded metadata (default: the files under ``$WORKSHOP_HOME/metadata``);
    ``console_settings``: chain → console-only values ("auto": ``aws.console.console_values``, the simulated
    console on the sandbox target, the values the learner pasted back on rehearsal or a real account); ``page_size`` forces smaller pages (tests, benchmarks).
    """
    from workshop_lib.aws import console
    from workshop_lib.aws import facts as facts_mod
    from workshop_lib.aws.session import CALLS

    if settings is None:
        from workshop_lib.context import Context

        settings = Context().settings  # the current account's ledger and role IDs, never another's (no false F10)
    if metadata is None:
        metadata = stored_metadata()
    if console_settings == "auto":
        console_settings = console.provider_for(settings)
    before = dict(CALLS.counts)
    started = time.perf_counter()
    facts = facts_mod.gather_facts(
        settings,
        metadata=metadata,
        console_settings=console_settings,  # type: ignore[arg-type]
        page_size=page_size,
        client=client,
    )
    seconds = time.perf_counter() - started
    by_op = CALLS.since(before).counts
    findings = check_facts(facts, now=now)
    return DoctorReport(
        findings=findings, facts=facts, calls=sum(by_op.values()), calls_by_operation=by_op, seconds=seconds
    )
