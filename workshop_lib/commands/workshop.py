"""`lab`, `run`, `status` and `cleanup`: the workshop as a whole."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from workshop_lib.settings import TARGETS


def add_parser(sub: argparse._SubParsersAction) -> None:
    lab = sub.add_parser("lab", help="start the sandbox (when it is the target) and open JupyterLab on the notebooks")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    lab.add_argument("--port", type=int, default=0, help="JupyterLab's port (default: a free one from 8888)")
    lab.set_defaults(func=run_lab)

    run = sub.add_parser("run", help="execute the notebooks headless and write executed copies and a report")
    run.add_argument("--target", choices=TARGETS, help="override the settings' target for this run (rehearsal: the sandbox "
                     "behaving as a real account, console steps left to you)")
    run.add_argument("--fresh", action="store_true", help="sandbox and rehearsal only: reset the sandbox and start from empty settings")
    run.add_argument("--only", action="append", metavar="NN", help="run only notebooks starting with NN (repeatable)")
    run.add_argument("--out", help="folder for executed notebooks and the report (default: $WORKSHOP_HOME/runs/<time>/, with runs/latest pointing at it)")
    run.add_argument("--yes", action="store_true", help="on a real AWS account: do not ask before creating resources")
    run.add_argument("--adopt", action="append", metavar="KIND:NAME", default=[],
                     help="use this existing resource as it is (read and checked, never changed or deleted), e.g. iam.role:AmazonConnectAgentAccessRole")
    run.set_defaults(func=run_run)

    status = sub.add_parser("status", help="print the status of every step")
    status.add_argument("--chapter", action="append", metavar="NN", help="only these chapters")
    status.set_defaults(func=run_status)

    clean = sub.add_parser("cleanup", help="delete what the workshop created (from its ledger), asking first")
    clean.add_argument("--yes", action="store_true", help="do not ask")
    clean.set_defaults(func=run_cleanup_cmd)


def _notebook_folder() -> Path:
    from workshop_lib.runner import notebook_dir

    return notebook_dir()


def run_lab(args: argparse.Namespace) -> int:
    from workshop_lib import settings as settings_mod

    settings_mod.apply_environment()
    s = settings_mod.load()
    if s.target in settings_mod.SANDBOX_TARGETS:
        from workshop_lib.sandbox.client import control

        info = control.ensure_running()
        print(f"Sandbox running at {info}")
    argv = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={_notebook_folder()}", "--ServerApp.ip=127.0.0.1"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and workshop VMs often run as root
        argv.append("--allow-root")
    if args.port:
        argv.append(f"--port={args.port}")
    if args.no_browser or os.environ.get("CI"):
        argv.append("--no-browser")
    os.execv(sys.executable, argv)
    return 0  # not reached


def run_run(args: argparse.Namespace) -> int:
    from workshop_lib import settings as settings_mod
    from workshop_lib.aws.session import CALLS
    from workshop_lib.runner import attach_status, merge_calls, run_notebooks, write_report

    wanted = args.target or os.environ.get("WORKSHOP_TARGET") or settings_mod.load().target
    if args.fresh and wanted not in settings_mod.SANDBOX_TARGETS:  # refuse before anything is written to the settings
        from workshop_lib.errors import InputError

        raise InputError("--fresh only applies to the sandbox: it would forget what was created in your account.", fix="Leave out --fresh, or use `cleanup` first.")
    if args.target:
        os.environ["WORKSHOP_TARGET"] = args.target
    settings_mod.apply_environment()
    s = settings_mod.load()
    if s.target not in settings_mod.SANDBOX_TARGETS and not _confirm_real_account(s, args.yes):
        return 1

    def prepare() -> None:
        """What the first notebook needs, done while its kernel boots: the sandbox (when it is the target), a
        fresh start, and the resources the learner asked to adopt."""
        if s.target in settings_mod.SANDBOX_TARGETS:
            from workshop_lib.sandbox.client import control

            if args.fresh or not os.environ.get("WORKSHOP_SANDBOX_ENDPOINT"):
                control.ensure_running()
            if args.fresh:
                control.reset()
                _fresh_settings()
        if args.adopt:
            from workshop_lib.aws.ownership import adopt
            from workshop_lib.context import Context

            for key in args.adopt:
                print(f"Using {adopt(Context(), key)} as it is: the workshop reads and checks it, and never changes or deletes it.")

    out = Path(args.out) if args.out else _new_run_folder()
    print(f"Executed notebooks and the report go to {out}")
    report = run_notebooks(out, include=args.only, read_steps=True, prepare=prepare)  # statuses read in the warm kernel
    if not report.steps:  # the kernel could not: read them here
        before = dict(CALLS.counts)
        attach_status(report)
        report.calls = merge_calls(report.calls, CALLS.since(before).by_name())  # the kernels' calls and the status check
    path = write_report(report, out)
    print(f"report: {path}")
    if not args.out:
        print(f"latest run: {out.parent / 'latest'}")
    if not report.ok:
        for failed in (n for n in report.notebooks if not n.ok):
            where = f" at cell {failed.cell}" if failed.cell is not None else ""
            print(f"{failed.name} failed{where}: {failed.error}", file=sys.stderr)
        return 1
    return 0


def _new_run_folder() -> Path:
    """$WORKSHOP_HOME/runs/<UTC time>/, with runs/latest pointing at it (a symlink, or a note where there are none)."""
    import datetime as dt

    from workshop_lib.settings import workshop_home

    runs = workshop_home() / "runs"
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    out, n = runs / stamp, 1
    while out.exists():
        out, n = runs / f"{stamp}-{n}", n + 1
    out.mkdir(parents=True)
    latest = runs / "latest"
    try:
        if latest.is_symlink() or latest.is_file():
            latest.unlink()
        if not latest.exists():
            latest.symlink_to(out.name, target_is_directory=True)
    except OSError:  # no symlinks (some Windows set-ups): say where the latest run is instead
        (runs / "latest.txt").write_text(str(out) + "\n", encoding="utf-8")
    return out


def creation_summary(s) -> list[str]:
    """What a whole run creates in a real account, in words, with the names the settings give."""
    people = len(s.people) or 3
    return [
        f"an Amazon Connect instance (SAML) in {s.region}, alias {s.name('instance_alias') or 'chosen on creation'}",
        "an AWS Organization (if the account has none) and the use of IAM Identity Center in " + s.identity_center_region,
        f"IAM SAML providers {s.name('agent_provider')} and {s.name('admin_provider')}, the policy {s.name('policy')}, "
        f"the roles {s.name('agent_role')} and {s.name('admin_role')}",
        f"Identity Center groups {s.name('agents_group')} and {s.name('admins_group')}, about {people} users, and Connect users for them",
    ]


def _confirm_real_account(s, yes: bool) -> bool:
    """Before anything is created in a real account: say where and what, and have the learner agree."""
    from workshop_lib.aws.accounts import caller

    who = caller(s)
    print(f"This run works in a real AWS account: {who.account}")
    print(f"  as:      {who.arn}")
    print(f"  Region:  {s.region} (Identity Center: {s.identity_center_region})")
    print(f"  profile: {s.profile or 'the default credentials'}")
    print("It will create, tagged with your owner id " + (s.owner_id or "(made on first save)") + ":")
    for line in creation_summary(s):
        print(f"  - {line}")
    print("Resources with these names that are not the workshop's are never changed: the run stops and says so.")
    if yes:
        return True
    if not sys.stdin.isatty():
        print("Not creating anything: add --yes to confirm when there is no terminal to ask.", file=sys.stderr)
        return False
    answer = input(f"Create these in account {who.account}? Type 'yes' to go on: ")
    if answer.strip().lower() != "yes":
        print("Nothing created.")
        return False
    return True


def _fresh_settings() -> None:
    """Start from empty settings but keep the learner's target and Regions."""
    from workshop_lib import settings as settings_mod

    with settings_mod.update() as s:
        # Other accounts' ledgers stay: a fresh sandbox must never make the workshop forget what it made on AWS.
        others = {k: v for k, v in s.accounts.items() if not k.startswith("sandbox:")}
        keep = settings_mod.Settings(target=s.target, profile=s.profile, region=s.region, idc_region=s.idc_region, name_prefix=s.name_prefix,
                                     owner_id=s.owner_id, accounts=others)
        for name in settings_mod.Settings.__dataclass_fields__:
            setattr(s, name, getattr(keep, name))
    from workshop_lib.metadata_files import metadata_path

    for key in ("agent", "admin"):
        metadata_path(key).unlink(missing_ok=True)


def run_status(args: argparse.Namespace) -> int:
    from workshop_lib.chapters.board import board_rows
    from workshop_lib.context import Context

    rows = board_rows(Context(), args.chapter)
    width = max(len(r.key) for r in rows) if rows else 10
    for r in rows:
        print(f"{r.chapter}  {r.key:<{width}}  {r.status.state.badge:<17} {r.status.summary}")  # the cards' badges
    return 0 if all(r.status.state.value in ("done", "unknown") for r in rows) else 1


def run_cleanup_cmd(args: argparse.Namespace) -> int:
    from workshop_lib.aws.cleanup import plan_cleanup, run_cleanup
    from workshop_lib.context import Context

    ctx = Context()
    plan = plan_cleanup(ctx)
    for line in plan.lines():
        print(line)
    if not plan.delete and not plan.files:
        print("Nothing to delete: the workshop made nothing in this account that is still there.")
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            print("Not deleting: add --yes to confirm when there is no terminal to ask.", file=sys.stderr)
            return 1
        answer = input(f"Delete these {len(plan.delete)} resources? Type 'delete' to confirm: ")
        if answer.strip().lower() != "delete":
            print("Nothing deleted.")
            return 1
    result = run_cleanup(ctx, plan, progress=lambda f, m: print(f"  {m}"))
    print(f"deleted {len(result.deleted)}, already gone {len(result.already_gone)}, kept {len(result.kept)}, failed {len(result.failed)}")
    if result.files:
        print(f"  removed the downloaded metadata: {', '.join(result.files)}")
    for k in result.kept:
        print(f"  {k}")
    for f in result.failed:
        print(f"  failed: {f}", file=sys.stderr)
    return 1 if result.failed else 0
