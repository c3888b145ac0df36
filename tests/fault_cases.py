"""The fault suite's scenarios, shared by the tests and ``bench/faults.py``.

Each scenario really runs the workshop against a sandbox server and returns what happened; the tests
assert on the outcome and the benchmark prints the figures, so both measure the same thing.

- ``transient_run``: every call's first attempt fails with one kind of transient fault;
- ``permanent_sweep``: step by step, each call site in turn fails for good;
- ``interruption_chain``: every write is followed by an interrupt, and the step is run again;
- ``kill_chain``: the workshop runs in a child process that is SIGKILLed at chosen points;
- ``sandbox_crash``: the sandbox is SIGKILLed mid-run and restarted;
- ``decoy_cleanup``: the workshop shares the account with someone else's resources, then cleans up.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
REGION = "us-east-1"

# A complete workshop in an empty sandbox: each resource exactly once.
EXPECTED = {
    "connect.instance": 1,
    "connect.user": 3,
    "iam.role": 2,
    "iam.policy": 1,
    "iam.saml_provider": 2,
    "organizations.organization": 1,
    "sso.instance": 1,
    "sso.application": 2,
    "sso.assignment": 2,
    "identitystore.user": 3,
    "identitystore.group": 2,
    "identitystore.membership": 3,
}
# ... and its ledger. An Organization that already exists is never adopted (it may be someone else's,
# and cleanup keeps it anyway), so after an interruption right after CreateOrganization it is not listed.
LEDGER = {
    "connect.instance": 1,
    "iam.saml_provider": 2,
    "iam.policy": 1,
    "iam.role": 2,
    "connect.user": 3,
    "identitystore.user": 3,
    "identitystore.group": 2,
    "identitystore.membership": 3,
    "sso.assignment": 2,
    "sso.application": 2,  # added through the simulated console: in the sandbox, cleanup removes them
}
# Where a permanent denial is an expected answer that the step explains without stopping.
SOFT_DENIALS = {
    ("start.preflight", "organizations:DescribeOrganization"): "the preflight notes it cannot read Organizations (F15) and goes on",
    ("doctor", "iam:GetAccountAuthorizationDetails"): "the doctor falls back to reading each role on its own",
    # F22 compares SessionDuration with the role's MaxSessionDuration; an unreadable role is the role card's and
    # the doctor's to report, and the mappings are still judged on their own.
    ("agent.app.mappings", "iam:GetRole"): "the mappings are judged without the role's maximum session (F22)",
    ("admin.app.mappings", "iam:GetRole"): "the mappings are judged without the role's maximum session (F22)",
}


# ---- the learner and the sandbox ------------------------------------------------------------------

@contextlib.contextmanager
def learner(home: Path, endpoint: Optional[str]) -> Iterator[Any]:
    """A learner's WORKSHOP_HOME pointed at a sandbox (``endpoint`` None: the one running in ``home``)."""
    from workshop_lib.aws.session import forget_clients
    from workshop_lib.context import Context

    names = ("WORKSHOP_HOME", "WORKSHOP_SANDBOX_ENDPOINT", "WORKSHOP_SANDBOX_HOME")
    saved = {k: os.environ.get(k) for k in names}
    os.environ["WORKSHOP_HOME"] = str(home)
    os.environ.pop("WORKSHOP_SANDBOX_HOME", None)  # an endpoint's credentials come from the homes this process started
    if endpoint:
        os.environ["WORKSHOP_SANDBOX_ENDPOINT"] = endpoint
    else:
        os.environ.pop("WORKSHOP_SANDBOX_ENDPOINT", None)
    forget_clients()
    try:
        yield Context()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        forget_clients()


def perform_all(ctx: Any, steps: Any = None) -> dict[str, Any]:
    from workshop_lib.chapters import all_steps

    return {step.key: step.perform(ctx) for _, step in (steps or all_steps())}


def not_done(statuses: dict[str, Any]) -> dict[str, str]:
    return {k: f"{s.state.value}: {s.summary}" for k, s in statuses.items() if s.state.value != "done"}


def _paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict]:
    out: list[dict] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        out.extend(page.get(key, []))
    return out


def inventory(endpoint: str, region: str = REGION) -> dict[str, list[str]]:
    """Every resource in the sandbox, by kind, each named so a duplicate or a missing one shows."""
    from sandbox_seed import sandbox_client

    c = lambda service: sandbox_client(endpoint, service, region=region)  # noqa: E731
    connect, iam, ids, sso = c("connect"), c("iam"), c("identitystore"), c("sso-admin")
    out: dict[str, list[str]] = {k: [] for k in EXPECTED}
    for inst in _paginate(connect, "list_instances", "InstanceSummaryList"):
        out["connect.instance"].append(f"{inst.get('InstanceAlias')} {inst['Id']}")
        for user in _paginate(connect, "list_users", "UserSummaryList", InstanceId=inst["Id"]):
            out["connect.user"].append(f"{inst.get('InstanceAlias')}/{user['Username']}")
    out["iam.role"] = [r["RoleName"] for r in _paginate(iam, "list_roles", "Roles")]
    out["iam.policy"] = [p["PolicyName"] for p in _paginate(iam, "list_policies", "Policies", Scope="Local")]
    out["iam.saml_provider"] = [p["Arn"].rsplit("/", 1)[-1] for p in iam.list_saml_providers()["SAMLProviderList"]]
    try:
        out["organizations.organization"] = [c("organizations").describe_organization()["Organization"]["Id"]]
    except Exception as exc:  # noqa: BLE001
        if "AWSOrganizationsNotInUse" not in str(exc):
            raise
    for inst in _paginate(sso, "list_instances", "Instances"):
        out["sso.instance"].append(inst["InstanceArn"])
        store = inst["IdentityStoreId"]
        users = {u["UserId"]: u["UserName"] for u in _paginate(ids, "list_users", "Users", IdentityStoreId=store)}
        groups = {g["GroupId"]: g["DisplayName"] for g in _paginate(ids, "list_groups", "Groups", IdentityStoreId=store)}
        out["identitystore.user"] = sorted(users.values())
        out["identitystore.group"] = sorted(groups.values())
        for gid, gname in groups.items():
            for m in _paginate(ids, "list_group_memberships", "GroupMemberships", IdentityStoreId=store, GroupId=gid):
                out["identitystore.membership"].append(f"{gname}/{users.get(m['MemberId'].get('UserId'), '?')}")
        for app in _paginate(sso, "list_applications", "Applications", InstanceArn=inst["InstanceArn"]):
            out["sso.application"].append(app["Name"])
            for a in _paginate(sso, "list_application_assignments", "ApplicationAssignments", ApplicationArn=app["ApplicationArn"]):
                out["sso.assignment"].append(f"{app['Name']}/{groups.get(a['PrincipalId'], a['PrincipalId'])}")
    return {k: sorted(v) for k, v in out.items()}


def counts(found: dict[str, list[str]]) -> dict[str, int]:
    return {k: len(v) for k, v in found.items()}


def duplicates(found: dict[str, list[str]]) -> dict[str, list[str]]:
    """Names that exist more than once (an alias counts once, whatever its ID)."""
    out = {}
    for kind, names in found.items():
        keys = [n.split(" ")[0] if kind == "connect.instance" else n for n in names]
        twice = sorted(k for k, n in Counter(keys).items() if n > 1)
        if twice:
            out[kind] = twice
    return out


def ledger_counts() -> dict[str, int]:
    from workshop_lib import settings as st

    return dict(Counter(e.kind for e in st.load().ledger if e.kind != "organizations.organization"))


# ---- the files must never be half-written ----------------------------------------------------------

@dataclass
class FileWatch:
    """Parses the settings file (and its ledger) and the stored metadata whenever asked; keeps what failed."""

    checks: int = 0
    problems: list[str] = field(default_factory=list)

    def __call__(self, service: str = "", operation: str = "", attempt: int = 0, kind: Optional[str] = None) -> None:
        if kind is not None:  # as an Injector observer: after every injected fault
            self.check(f"after {kind} on {service}:{operation}")

    def check(self, when: str = "") -> None:
        from workshop_lib import settings as st
        from workshop_lib.metadata_files import metadata_path

        self.checks += 1
        path = st.settings_path()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = None
        if text is not None:
            try:
                data = json.loads(text)
                assert data.get("schema") == st.SCHEMA, "not our schema"
                settings = st.Settings.from_dict(data)
                assert all(e.kind and e.name for e in settings.ledger), "a ledger entry without kind or name"
            except Exception as exc:  # noqa: BLE001 - any failure to read is the finding
                self.problems.append(f"{when}: settings file unreadable: {type(exc).__name__}: {exc}")
        for key in ("agent", "admin"):
            meta = metadata_path(key)
            if meta.exists():
                from lxml import etree

                try:
                    etree.fromstring(meta.read_bytes())
                except Exception as exc:  # noqa: BLE001
                    self.problems.append(f"{when}: {meta.name} unreadable: {exc}")

    def leftovers(self) -> list[str]:
        """Temporary files a finished (not killed) run must not leave behind."""
        from workshop_lib import settings as st

        home = st.workshop_home()
        return sorted(str(p.relative_to(home)) for p in home.rglob("*.tmp"))


# ---- 1. transient faults at every call site ----------------------------------------------------------

@dataclass
class TransientOutcome:
    kind: str
    injected: int
    calls: int
    attempts: int
    not_done: dict[str, str]
    inventory: dict[str, list[str]]
    ledger: dict[str, int]
    file_problems: list[str]
    call_sites: set[tuple[str, str]]
    seconds: float

    @property
    def ok(self) -> bool:
        return (not self.not_done and counts(self.inventory) == EXPECTED and self.ledger == LEDGER
                and not self.file_problems and self.injected == self.calls and self.attempts >= 2 * self.calls)

    @property
    def survived(self) -> int:
        return self.injected if self.ok else 0


def transient_run(ctx: Any, endpoint: str, kind: str) -> TransientOutcome:
    """The whole workshop with the first attempt of every AWS call failing with ``kind``."""
    from fault_injection import Fault, inject

    watch = FileWatch()
    started = time.perf_counter()
    with inject([Fault(kind, "*", attempts=1)], observer=watch) as faults:
        statuses = perform_all(ctx)
    watch.check("at the end")
    return TransientOutcome(
        kind=kind,
        injected=len(faults.injected),
        calls=sum(faults.calls.values()),
        attempts=sum(faults.attempts.values()),
        not_done=not_done(statuses),
        inventory=inventory(endpoint),
        ledger=ledger_counts(),
        file_problems=watch.problems + [f"left behind: {p}" for p in watch.leftovers()],
        call_sites=set(faults.calls),
        seconds=time.perf_counter() - started,
    )


# ---- permanent faults at every call site -------------------------------------------------------------

@dataclass
class PermanentCase:
    step: str
    action: str  # e.g. iam:CreateRole
    kind: str
    outcome: str  # the sentence the learner sees (or the status)
    handled: bool
    why: str = ""


def _explains(text: str, operation: str) -> bool:
    return operation in text and "Traceback" not in text and "Unexpected problem" not in text


def permanent_sweep(ctx: Any, kinds: str | tuple[str, ...] = "access_denied", steps: Any = None) -> tuple[list[PermanentCase], FileWatch]:
    """Step by step, fail each call site the step reaches, for good, one at a time; then let the step finish.

    Each attempt fails the first call not failed before in this step, so every call site the step makes
    (in the order it makes them) is failed once; with several ``kinds`` they take turns. A case is handled
    when ``perform`` stops with a WorkshopError naming the operation and a fix, or returns a status that
    names it (the doctor), and ``safe_check`` under the same fault returns a status instead of raising.
    """
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    turn = 0
    from fault_injection import action_name, inject
    from workshop_lib.chapters import all_steps
    from workshop_lib.errors import WorkshopError

    watch = FileWatch()
    cases: list[PermanentCase] = []
    for _, step in (steps or all_steps()):
        failed: set[tuple[str, str]] = set()
        for _attempt in range(60):
            target: list[tuple[str, str]] = []
            kind = kinds[turn % len(kinds)]

            def choose(service: str, operation: str, attempt: int, failed=failed, target=target) -> Optional[str]:
                if target:
                    return kind if target[0] == (service, operation) else None
                if (service, operation) not in failed:
                    target.append((service, operation))
                    return kind
                return None

            with inject(choose=choose, observer=watch):
                try:
                    status = step.perform(ctx)
                    raised = None
                except WorkshopError as exc:
                    status, raised = None, exc
                except Exception as exc:  # noqa: BLE001 - a raw exception is the finding
                    status, raised = None, exc
                checked = step.safe_check(ctx) if target else None
            if not target:
                break  # every call site of this step has been failed once; the step ran through
            service, operation = target[0]
            failed.add(target[0])
            turn += 1
            action = action_name(service, operation)
            soft = SOFT_DENIALS.get((step.key, action))
            if isinstance(raised, WorkshopError):
                text = str(raised)
                handled = _explains(text, operation) and bool(raised.fix)
            elif raised is not None:
                text = f"{type(raised).__name__}: {raised}"
                handled = False
            else:
                text = f"{status.state.value}: {status.summary} " + " ".join(f.line() for f in status.findings)
                text += " " + " ".join(status.details.get("lines", []))
                handled = (status.state.value != "done" and _explains(text, operation)) or soft is not None
            if checked is not None and ("Traceback" in checked.summary or "Unexpected problem" in checked.summary):
                handled = False
                text += f" | check: {checked.summary}"
            cases.append(PermanentCase(step.key, action, kind, text, handled, soft or ""))
        watch.check(f"after {step.key}")
    return cases, watch


# ---- faults during cleanup ------------------------------------------------------------------------

@dataclass
class CleanupFaultOutcome:
    injected: int  # transient faults while deleting
    transient_failed: list[str]
    left_after_transient: dict[str, list[str]]
    denied: list[str]  # what a permanent denial of each delete call stopped, as the learner reads it
    kept_in_ledger: list[str]
    left_after_rerun: dict[str, list[str]]

    @property
    def ok(self) -> bool:
        return (not self.transient_failed and not any(self.left_after_transient.values()) and bool(self.denied)
                and all(_explains(d, "Delete") for d in self.denied) and bool(self.kept_in_ledger)
                and not any(self.left_after_rerun.values()))


def ours_left(endpoint: str) -> dict[str, list[str]]:
    """What a complete workshop made that is still there (the Organization, IdC and the apps are kept by design)."""
    keep = {"organizations.organization", "sso.instance"}
    return {k: v for k, v in inventory(endpoint).items() if k not in keep and v}


def cleanup_faults(ctx: Any, endpoint: str, denied_ops: tuple[str, ...] = ("iam:DeleteRole", "connect:DeleteUser")) -> CleanupFaultOutcome:
    """Clean up twice: once through transient faults at every delete call, once through permanent denials."""
    from workshop_lib import settings as st
    from workshop_lib.aws.cleanup import plan_cleanup, run_cleanup
    from fault_injection import TRANSIENT_KINDS, action_name, inject

    # Transient: every call's first attempt fails, the kinds taking turns.
    assert not not_done(perform_all(ctx))
    turn = Counter()

    def rotate(service: str, operation: str, attempt: int) -> Optional[str]:
        if attempt > 1:
            return None
        turn["n"] += 1
        return TRANSIENT_KINDS[turn["n"] % len(TRANSIENT_KINDS)]

    with inject(choose=rotate) as faults:
        first = run_cleanup(ctx, plan_cleanup(ctx))
    injected, transient_failed, left = len(faults.injected), first.failed, ours_left(endpoint)
    # Permanent: the workshop again, then a cleanup where some deletes are denied for good.
    assert not not_done(perform_all(ctx))
    with inject(choose=lambda s, o, a: "access_denied" if action_name(s, o) in denied_ops else None):
        second = run_cleanup(ctx, plan_cleanup(ctx))
    kept = sorted(f"{e.kind} {e.name}" for e in st.load().ledger if e.kind != "organizations.organization")
    third = run_cleanup(ctx, plan_cleanup(ctx))  # the denial is lifted: running cleanup again finishes
    assert not third.failed, third.failed
    return CleanupFaultOutcome(injected, transient_failed, left, second.failed, kept, ours_left(endpoint))


# ---- 2. interruptions ----------------------------------------------------------------------------------

@dataclass
class ChainOutcome:
    interruptions: int
    clean_reruns: int
    where: list[str]
    not_done: dict[str, str]
    inventory: dict[str, list[str]]
    ledger: dict[str, int]
    file_problems: list[str]

    @property
    def ok(self) -> bool:
        return (not self.not_done and counts(self.inventory) == EXPECTED and not duplicates(self.inventory)
                and self.ledger == LEDGER and not self.file_problems and self.clean_reruns == self.interruptions)


def interruption_chain(ctx: Any, endpoint: str) -> ChainOutcome:
    """Interrupt each step right after its first successful write (before the ledger write), run it again, repeat.

    The interrupt is a KeyboardInterrupt raised from botocore's ``after-call`` hook: the kernel's
    "Interrupt" button at the worst moment. Every write the workshop makes is interrupted once.
    """
    from fault_injection import interrupt_after, is_write
    from workshop_lib.chapters import all_steps

    watch = FileWatch()
    where: list[str] = []
    statuses: dict[str, Any] = {}
    rerun_ok = 0
    for _, step in all_steps():
        interrupted_here = 0
        for _attempt in range(40):
            def act(service: str, operation: str) -> None:
                interrupter.armed = False  # one interrupt per attempt, even with worker threads
                raise KeyboardInterrupt

            with interrupt_after(lambda s, o: is_write(o), act) as interrupter:
                try:
                    statuses[step.key] = step.perform(ctx)
                    break
                except KeyboardInterrupt:
                    interrupted_here += 1
            where.append(f"{step.key} after {':'.join(interrupter.fired[0])}")
            watch.check(where[-1])
        if statuses.get(step.key) is not None and statuses[step.key].state.value == "done":
            rerun_ok += interrupted_here  # each interrupted attempt was followed by a re-run that got the step done
    watch.check("at the end")
    found = inventory(endpoint)
    clean = rerun_ok if counts(found) == EXPECTED and not duplicates(found) else 0
    return ChainOutcome(len(where), clean, where, not_done(statuses), found, ledger_counts(), watch.problems)


# SIGKILL points for the child process: an API write (kill right after its answer), "step:<key>" (kill
# between steps, once that step is done) or "settings-write" (kill inside an atomic settings write).
KILL_POINTS = (
    "connect:CreateInstance",
    "step:connect.instance",
    "organizations:CreateOrganization",
    "iam:CreateSAMLProvider",
    "settings-write",
    "iam:CreatePolicy",
    "iam:CreateRole",
    "iam:AttachRolePolicy",
    "connect:CreateUser",
    "identitystore:CreateUser",
    "identitystore:CreateGroup",
    "identitystore:CreateGroupMembership",
    "sso:CreateApplicationAssignment",
    "step:admins.group",
)


def child(point: str) -> None:
    """The workshop in a child process (``python tests/fault_cases.py POINT``), SIGKILLed at ``point``."""
    from fault_injection import action_name, interrupt_after
    from workshop_lib.chapters import all_steps
    from workshop_lib.context import Context

    def die(*_args: Any) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "settings-write":
        import workshop_lib.settings as st

        real = st.os.replace
        writes = Counter()

        def replace(src: Any, dst: Any) -> None:
            if Path(dst).name == st.FILE_NAME:
                writes["n"] += 1
                if writes["n"] == 1:  # the temporary file is written and synced: die before it replaces the old one
                    die()
            real(src, dst)

        st.os.replace = replace  # type: ignore[attr-defined]
    ctx = Context()
    select = (lambda s, o: action_name(s, o) == point) if ":" in point else (lambda s, o: False)
    with interrupt_after(select, lambda s, o: die()):
        for _, step in all_steps():
            step.perform(ctx)
            if point == f"step:{step.key}":
                die()


@dataclass
class KillOutcome:
    kills: list[tuple[str, int]]  # (point, return code): -9 when the child was killed there
    not_done: dict[str, str]
    inventory: dict[str, list[str]]
    ledger: dict[str, int]
    file_problems: list[str]

    @property
    def killed(self) -> int:
        return sum(1 for _, rc in self.kills if rc == -signal.SIGKILL)

    @property
    def ok(self) -> bool:
        return (self.killed == len(self.kills) and not self.not_done and counts(self.inventory) == EXPECTED
                and not duplicates(self.inventory) and self.ledger == LEDGER and not self.file_problems)


def kill_chain(ctx: Any, endpoint: str, points: tuple[str, ...] = KILL_POINTS, timeout: float = 60) -> KillOutcome:
    """Run the workshop in child processes, each SIGKILLed at the next point; then finish it here."""
    watch = FileWatch()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(TESTS), env.get("PYTHONPATH", "")])
    kills = []
    for point in points:
        done = subprocess.run([sys.executable, str(TESTS / "fault_cases.py"), point], env=env, cwd=str(ROOT),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        kills.append((point, done.returncode))
        if done.returncode != -signal.SIGKILL:
            watch.problems.append(f"{point}: the child ended with {done.returncode}: {done.stdout.decode()[-500:]}")
        watch.check(f"after the kill at {point}")
    statuses = perform_all(ctx)
    watch.check("at the end")
    return KillOutcome(kills, not_done(statuses), inventory(endpoint), ledger_counts(), watch.problems)


# ---- 3. the sandbox crashes -----------------------------------------------------------------------------

@dataclass
class CrashOutcome:
    error: str  # what the step said when the sandbox died
    ids_before: dict[str, list[str]]
    ids_after: dict[str, list[str]]
    not_done: dict[str, str]
    inventory: dict[str, list[str]]
    ledger: dict[str, int]
    new_pid: bool

    @property
    def ok(self) -> bool:
        kept = all(set(v) <= set(self.ids_after.get(k, [])) for k, v in self.ids_before.items())
        return (kept and self.new_pid and not self.not_done and counts(self.inventory) == EXPECTED
                and not duplicates(self.inventory) and self.ledger == LEDGER and "sandbox" in self.error)


def sandbox_crash(home: Path, kill_after: str = "iam:CreateRole") -> CrashOutcome:
    """The learner's own sandbox (in ``home``) is SIGKILLed right after ``kill_after``; restart it, continue."""
    from fault_injection import action_name, instant_retries, interrupt_after
    from workshop_lib.chapters import all_steps
    from workshop_lib.errors import WorkshopError
    from workshop_lib.sandbox.client import control

    first = control.start(home)
    error = ""
    with learner(home, None) as ctx:
        def crash(service: str, operation: str) -> None:
            interrupter.armed = False
            os.kill(first.pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while control._pid_alive(first.pid) and time.monotonic() < deadline:
                time.sleep(0.01)

        steps = all_steps()
        failed_at = None
        with instant_retries(), interrupt_after(lambda s, o: action_name(s, o) == kill_after, crash) as interrupter:
            for i, (_, step) in enumerate(steps):
                try:
                    step.perform(ctx)
                except WorkshopError as exc:
                    error, failed_at = str(exc), i
                    break
        ids_before = inventory_ids(home)
        second = control.start(home)
        statuses = perform_all(ctx, steps[failed_at or 0:])
        statuses.update({k: s for k, s in ((s.key, s.safe_check(ctx)) for _, s in steps[:failed_at or 0])})
        found = inventory(second.endpoint)
        return CrashOutcome(error, ids_before, inventory_ids(home), not_done(statuses), found, ledger_counts(), second.pid != first.pid)


def inventory_ids(home: Path) -> dict[str, list[str]]:
    """IDs and ARNs the ledger holds: after a restart the sandbox must answer with the same ones."""
    from workshop_lib import settings as st

    out: dict[str, list[str]] = {}
    for e in st.load(Path(home) / st.FILE_NAME).ledger:
        out.setdefault(e.kind, []).extend(v for v in (e.id, e.arn) if v)
    return out


# ---- 5. cleanup with someone else's resources in the account ------------------------------------------------

@dataclass
class DecoyOutcome:
    decoys: dict[str, list[str]]  # kind -> names that are not ours
    kept: dict[str, list[str]]  # decoys still there after cleanup
    ours: dict[str, list[str]]  # what the workshop made, by kind
    removed: dict[str, list[str]]  # ours gone after cleanup
    cleanup_failed: list[str]
    never_deleted: dict[str, bool]  # Organization, Identity Center instance
    ledger_left: list[str]

    @property
    def decoy_total(self) -> int:
        return sum(len(v) for v in self.decoys.values())

    @property
    def kept_total(self) -> int:
        return sum(len(v) for v in self.kept.values())

    @property
    def ours_total(self) -> int:
        return sum(len(v) for v in self.ours.values())

    @property
    def removed_total(self) -> int:
        return sum(len(v) for v in self.removed.values())

    @property
    def ok(self) -> bool:
        return (self.kept_total == self.decoy_total and self.removed_total == self.ours_total and not self.cleanup_failed
                and all(self.never_deleted.values()) and set(self.ledger_left) <= {"organizations.organization"})


DECOY_ALIAS = "someone-elses-contact-centre"


def plant_decoys(endpoint: str) -> None:
    """Someone else's work in the same account, made before the workshop: it must all survive cleanup."""
    from workshop_lib.sandbox.client import console_client
    from sandbox_seed import sandbox_client, wait_active

    c = lambda service: sandbox_client(endpoint, service, region=REGION)  # noqa: E731
    connect, iam = c("connect"), c("iam")
    # Their Organization and Identity Center: the workshop uses them and must never delete them.
    idc = console_client.enable_identity_center(endpoint, REGION, create_organization=True)
    store = idc["identity_store_id"]
    # Their Connect instance, with a user named like one of ours.
    other = connect.create_instance(IdentityManagementType="SAML", InstanceAlias=DECOY_ALIAS, InboundCallsEnabled=True,
                                    OutboundCallsEnabled=True, Tags={"team": "support"})["Id"]
    wait_active(connect, other)
    security = {p["Name"]: p["Id"] for p in connect.list_security_profiles(InstanceId=other)["SecurityProfileSummaryList"]}
    routing = connect.list_routing_profiles(InstanceId=other)["RoutingProfileSummaryList"][0]["Id"]
    for username in ("agent1@connect-workshop.com", "lead@example.com"):
        connect.create_user(InstanceId=other, Username=username, IdentityInfo={"FirstName": "Some", "LastName": "One"},
                            PhoneConfig={"PhoneType": "SOFT_PHONE"}, SecurityProfileIds=[security["Agent"]], RoutingProfileId=routing)
    # Their IAM: a SAML provider, a policy and roles, one named like ours with a suffix, one trusting their provider.
    metadata = console_client.download_metadata(endpoint, console_client.add_application(endpoint, "Someone elses Connect")).decode()
    provider = iam.create_saml_provider(Name="SomeoneElsesIdP", SAMLMetadataDocument=metadata)["SAMLProviderArn"]
    policy = iam.create_policy(PolicyName="SomeoneElsesPolicy", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))["Policy"]["Arn"]
    ec2_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="SomeoneElsesRole", AssumeRolePolicyDocument=json.dumps(ec2_trust))
    iam.attach_role_policy(RoleName="SomeoneElsesRole", PolicyArn=policy)
    saml_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithSAML"}]}
    iam.create_role(RoleName="AmazonConnectAgentAccessRole-prod", AssumeRolePolicyDocument=json.dumps(saml_trust))
    # Their identity-store users and group, one member, and their group assigned to their application.
    ids = c("identitystore")
    users = [ids.create_user(IdentityStoreId=store, UserName=name, DisplayName=name, Name={"GivenName": "Some", "FamilyName": "One"},
                             Emails=[{"Value": name, "Primary": True}])["UserId"] for name in ("someone@example.com", "lead@example.com")]
    group = ids.create_group(IdentityStoreId=store, DisplayName="Support team")["GroupId"]
    ids.create_group_membership(IdentityStoreId=store, GroupId=group, MemberId={"UserId": users[0]})
    app = next(a for a in c("sso-admin").list_applications(InstanceArn=idc["instance_arn"])["Applications"] if a["Name"] == "Someone elses Connect")
    c("sso-admin").create_application_assignment(ApplicationArn=app["ApplicationArn"], PrincipalId=group, PrincipalType="GROUP")


def decoy_cleanup(ctx: Any, endpoint: str, *, delete: Any = None) -> DecoyOutcome:
    """Plant decoys, run the workshop, then clean up (``delete``: how; default ``run_cleanup``) and compare."""
    plant_decoys(endpoint)
    decoys = inventory(endpoint)
    statuses = perform_all(ctx)
    assert not not_done(statuses), not_done(statuses)
    full = inventory(endpoint)
    ours = {k: sorted((Counter(full[k]) - Counter(decoys[k])).elements()) for k in full}
    failed: list[str] = []
    if delete is None:
        from workshop_lib.aws.cleanup import plan_cleanup, run_cleanup

        result = run_cleanup(ctx, plan_cleanup(ctx))
        failed = result.failed
    else:
        failed = delete(ctx) or []
    after = inventory(endpoint)
    kept = {k: [n for n in v if n in after[k]] for k, v in decoys.items()}
    removed = {k: [n for n in v if n not in after[k]] for k, v in ours.items()}
    from workshop_lib import settings as st

    return DecoyOutcome(
        decoys={k: v for k, v in decoys.items() if v},
        kept={k: v for k, v in kept.items() if v},
        ours={k: v for k, v in ours.items() if v},
        removed={k: v for k, v in removed.items() if v},
        cleanup_failed=list(failed),
        never_deleted={"organization": bool(after["organizations.organization"]), "identity center": bool(after["sso.instance"])},
        ledger_left=[e.kind for e in st.load().ledger],
    )


if __name__ == "__main__":
    child(sys.argv[1])
