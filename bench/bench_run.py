"""The full headless workshop: wall time (goal ≤ 60 s), API calls vs the minimal set (goal ≤ 1.5×), writes on a second run (goal 0).

Runs `connect-sso-workshop run --target sandbox --fresh` exactly as a facilitator would, in a temporary
WORKSHOP_HOME with its own sandbox, then runs it again without --fresh. API calls are counted in each
notebook's kernel (the run report's per-notebook `calls`) and compared with MINIMAL below: the calls an
ideal implementation of the same notebooks needs, one line of reason each. The final status report the
command writes (every step checked once more) is shown separately. Prints the figures, no asserts.

    .venv/bin/python bench/bench_run.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, by_operation, goal, parse_args  # noqa: E402

WALL_GOAL = 60.0
RATIO_GOAL = 1.5

# (notebook, "service:Operation", calls, why it cannot be avoided). A step card shows a verified status, so
# each card reads once after acting; what a create call returns (IDs, ARNs) is not read back.
MINIMAL: list[tuple[str, str, int, str]] = [
    # 00 start here: environment, settings form, preflight, status board on an empty account
    ("00", "connect:ListInstances", 1, "the settings form offers the account's instances to pick"),
    ("00", "sts:GetCallerIdentity", 1, "preflight: which account the credentials belong to"),
    ("00", "organizations:DescribeOrganization", 1, "preflight: is it an Organization's management account"),
    ("00", "organizations:DescribeOrganization", 1, "status board: the Organization step"),
    ("00", "sso-admin:ListInstances", 1, "status board: is Identity Center enabled (everything in it waits on that)"),
    ("00", "iam:GetSAMLProvider", 2, "status board: the agent and admin providers"),
    ("00", "iam:GetRole", 2, "status board: the agent and admin roles"),
    ("00", "iam:GetPolicy", 1, "status board: the shared policy"),
    ("00", "iam:GetAccountAuthorizationDetails", 1, "status board: the doctor's row reads roles and policies in one call"),
    # 01 Connect instance
    ("01", "connect:CreateInstance", 1, "create the SAML instance"),
    ("01", "connect:DescribeInstance", 2, "poll: one read while it is being created, one that sees it ACTIVE"),
    ("01", "connect:DescribeInstance", 1, "the SAML card reads its identity management type"),
    # 02 Organizations and Identity Center
    ("02", "organizations:DescribeOrganization", 1, "is there an Organization already"),
    ("02", "organizations:CreateOrganization", 1, "create it with all features"),
    ("02", "organizations:DescribeOrganization", 1, "the card verifies it"),
    ("02", "sso-admin:ListInstances", 1, "Identity Center enabled (console step): verify, learn the identity store"),
    # 03 agent application (console steps, verified by API)
    ("03", "sso-admin:ListInstances", 1, "the Identity Center instance for this notebook's kernel"),
    ("03", "sso-admin:ListApplications", 3, "each card (application, metadata, relay state) finds the application"),
    # 04 IAM federation
    ("04", "iam:GetSAMLProvider", 1, "does the provider exist"),
    ("04", "iam:CreateSAMLProvider", 1, "create it from the metadata"),
    ("04", "iam:GetSAMLProvider", 1, "the card verifies its metadata"),
    ("04", "iam:GetPolicy", 1, "does the policy exist"),
    ("04", "iam:CreatePolicy", 1, "create it"),
    ("04", "iam:GetPolicy", 1, "the card verifies it: the default version"),
    ("04", "iam:GetPolicyVersion", 1, "the card verifies it: the document"),
    ("04", "iam:GetRole", 1, "does the role exist"),
    ("04", "iam:CreateRole", 1, "create it (the answer has the RoleId)"),
    ("04", "iam:AttachRolePolicy", 1, "attach the policy"),
    ("04", "iam:GetRole", 1, "the card verifies the trust policy"),
    ("04", "iam:ListAttachedRolePolicies", 1, "the card verifies the attachment"),
    ("04", "sso-admin:ListInstances", 1, "the Identity Center instance for this kernel"),
    ("04", "sso-admin:ListApplications", 1, "the mappings card finds the application"),
    # 05 agents (2 people)
    ("05", "connect:ListUsers", 1, "which Connect users exist"),
    ("05", "connect:ListSecurityProfiles", 1, "the Agent profile's ID"),
    ("05", "connect:ListRoutingProfiles", 1, "the routing profile's ID"),
    ("05", "connect:CreateUser", 2, "one per agent"),
    ("05", "connect:ListUsers", 1, "the card verifies them"),
    ("05", "sso-admin:ListInstances", 1, "the identity store for this kernel"),
    ("05", "identitystore:ListUsers", 1, "which Identity Center users exist"),
    ("05", "identitystore:CreateUser", 2, "one per agent"),
    ("05", "identitystore:ListUsers", 1, "the card verifies them"),
    ("05", "identitystore:GetGroupId", 1, "does the group exist"),
    ("05", "identitystore:CreateGroup", 1, "create it"),
    ("05", "identitystore:ListUsers", 1, "the users' IDs for the memberships"),
    ("05", "identitystore:CreateGroupMembership", 2, "one per agent"),
    ("05", "identitystore:ListGroupMemberships", 1, "the card verifies them"),
    ("05", "sso-admin:ListApplications", 1, "the application to assign"),
    ("05", "identitystore:GetGroupId", 1, "the group to assign"),
    ("05", "sso-admin:ListApplicationAssignments", 1, "is it assigned already"),
    ("05", "sso-admin:CreateApplicationAssignment", 1, "assign it"),
    ("05", "sso-admin:ListApplicationAssignments", 1, "the card verifies it"),
    # 06 admins: the application chain again, and one person
    ("06", "sso-admin:ListInstances", 1, "the Identity Center instance for this kernel"),
    ("06", "sso-admin:ListApplications", 4, "application, metadata, relay state and mappings cards find the admin app"),
    ("06", "iam:GetSAMLProvider", 2, "provider: exists? then the card verifies it"),
    ("06", "iam:CreateSAMLProvider", 1, "the admin provider"),
    ("06", "iam:GetRole", 2, "role: exists? then the card verifies it"),
    ("06", "iam:CreateRole", 1, "the admin role"),
    ("06", "iam:AttachRolePolicy", 1, "attach the shared policy"),
    ("06", "iam:ListAttachedRolePolicies", 1, "the card verifies the attachment"),
    ("06", "connect:ListUsers", 2, "which Connect users exist; the card verifies"),
    ("06", "connect:ListSecurityProfiles", 1, "the Admin profile's ID"),
    ("06", "connect:ListRoutingProfiles", 1, "the routing profile's ID"),
    ("06", "connect:CreateUser", 1, "the administrator"),
    ("06", "identitystore:ListUsers", 3, "which users exist; the card verifies; the IDs for the membership"),
    ("06", "identitystore:CreateUser", 1, "the administrator"),
    ("06", "identitystore:GetGroupId", 2, "the admin group: exists? and for the assignment"),
    ("06", "identitystore:CreateGroup", 1, "create it"),
    ("06", "identitystore:CreateGroupMembership", 1, "the administrator"),
    ("06", "identitystore:ListGroupMemberships", 1, "the card verifies it"),
    ("06", "sso-admin:ListApplicationAssignments", 2, "assigned already? then the card verifies"),
    ("06", "sso-admin:CreateApplicationAssignment", 1, "assign the admin group"),
    # 07 sign in and the doctor (one whole-chain read)
    ("07", "connect:DescribeInstance", 1, "doctor: the instance"),
    ("07", "iam:GetAccountAuthorizationDetails", 1, "doctor: both roles and the policy in one call"),
    ("07", "iam:GetSAMLProvider", 2, "doctor: both providers' metadata"),
    ("07", "organizations:DescribeOrganization", 1, "doctor: the Organization"),
    ("07", "sso-admin:ListInstances", 1, "doctor: Identity Center"),
    ("07", "sso-admin:ListApplications", 1, "doctor: both applications"),
    ("07", "sso-admin:ListApplicationAssignments", 2, "doctor: each application's assignments"),
    ("07", "identitystore:GetGroupId", 2, "doctor: both groups"),
    ("07", "identitystore:ListGroupMemberships", 2, "doctor: both groups' members"),
    ("07", "identitystore:ListUsers", 1, "doctor: every Identity Center user (emails)"),
    ("07", "connect:ListUsers", 1, "doctor: every Connect username"),
    ("07", "connect:ListSecurityProfiles", 1, "doctor: which profile is Admin"),
    ("07", "connect:DescribeUser", 1, "doctor: one admin's security profile (F21)"),
]
DOCTOR = sum(n for nb, _op, n, _why in MINIMAL if nb == "07")
# 08 labs: per lab, (calls to break it, calls for the repair step: read, fix, verify); the doctor runs once per lab.
LABS = {
    "role-spaces": (1, 2, "break: find the app (the mapping is a console edit); repair: find the app, verify"),
    "trust-provider": (1, 4, "break: UpdateAssumeRolePolicy; repair: GetRole, UpdateAssumeRolePolicy, GetRole, ListAttachedRolePolicies"),
    "provider-metadata": (1, 3, "break: UpdateSAMLProvider; repair: GetSAMLProvider, UpdateSAMLProvider, GetSAMLProvider"),
    "connect-user": (2, 5, "break: ListUsers, DeleteUser; repair: ListUsers, two profile lists, CreateUser, ListUsers"),
    "policy-instance": (2, 6, "break: ListPolicyVersions, CreatePolicyVersion; repair: GetPolicy+Version, ListPolicyVersions, CreatePolicyVersion, GetPolicy+Version"),
    "relay-region": (1, 2, "break: find the app (console edit); repair: find the app, verify"),
    "group-unassigned": (3, 5, "break: app, group, DeleteApplicationAssignment; repair: app, group, assignments, create, verify"),
}


def minimal_by_notebook() -> dict[str, int]:
    totals: dict[str, int] = {}
    for nb, _op, n, _why in MINIMAL:
        totals[nb] = totals.get(nb, 0) + n
    totals["08"] = 1 + sum(b + r + DOCTOR for b, r, _ in LABS.values())  # + the Identity Center instance once
    return totals


def run(home: Path, out: Path, *extra: str) -> tuple[float, dict]:
    env = dict(os.environ, WORKSHOP_HOME=str(home), WORKSHOP_SANDBOX_CREATE_SECONDS=os.environ.get("WORKSHOP_SANDBOX_CREATE_SECONDS", ""))
    env.pop("WORKSHOP_SANDBOX_ENDPOINT", None)
    env.pop("WORKSHOP_SANDBOX_HOME", None)
    if not env["WORKSHOP_SANDBOX_CREATE_SECONDS"]:
        env.pop("WORKSHOP_SANDBOX_CREATE_SECONDS")
    cli = [sys.executable, "-m", "workshop_lib.cli", "run", "--target", "sandbox", "--out", str(out), *extra]
    started = time.perf_counter()
    done = subprocess.run(cli, env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else {}
    if done.returncode != 0:
        print(f"  the run exited {done.returncode}: {done.stderr.strip().splitlines()[-1:] }")
    return seconds, report


def kernel_calls(report: dict) -> dict[str, dict[str, int]]:
    return {n["name"][:2]: n.get("calls", {}) for n in report.get("notebooks", [])}


def writes(calls: dict[str, int]) -> int:
    from workshop_lib.runner import count_writes

    return count_writes(calls)


def main() -> int:
    import argparse

    sys.path.insert(0, str(ROOT))
    from workshop_lib.sandbox.client import control

    args = parse_args(argparse.ArgumentParser(description=__doc__.split("\n")[0]))
    only = ("--only", "00") if args.smoke else ()  # a smoke run: the first notebook only, once
    with tempfile.TemporaryDirectory(prefix="bench-run-") as folder:
        home = Path(folder) / "home"
        try:
            first_s, first = run(home, Path(folder) / "run1", "--fresh", *only)
            second_s, second = (first_s, first) if args.smoke else run(home, Path(folder) / "run2")
        finally:
            control.stop(home)
    if args.smoke:
        failed = [n["name"] for n in first.get("notebooks", []) if not n["ok"]] or ([] if first else ["(no report)"])
        goal("smoke: first notebook headless", f"{first_s:.1f} s", not failed, "runs")
        return 1 if failed else 0
    print("the full headless workshop: connect-sso-workshop run --target sandbox --fresh, then again without --fresh")
    not_done = [s for s in first.get("steps", []) if s["status"] not in ("done", "unknown")]
    failed = [n["name"] for n in first.get("notebooks", []) if not n["ok"]]
    print(f"  first run: {first_s:.1f} s, {len(first.get('notebooks', []))} notebooks, "
          f"{'all ok' if not failed else 'FAILED: ' + ', '.join(failed)}; steps not done afterwards: {len(not_done)}")
    for s in not_done:
        print(f"    {s['step']}: {s['status']}: {s['summary']}")
    per_nb = kernel_calls(first)
    minimal = minimal_by_notebook()
    print("\n  API calls by notebook (counted in each kernel) vs the minimal set:")
    print(f"    {'notebook':<32}{'calls':>7}{'minimal':>9}{'ratio':>7}{'writes':>8}{'2nd-run writes':>16}")
    second_nb = kernel_calls(second)
    for n in first.get("notebooks", []):
        key = n["name"][:2]
        calls = sum(per_nb.get(key, {}).values())
        m = minimal.get(key, 0)
        ratio = f"{calls / m:.2f}" if m else "-"
        print(f"    {n['name']:<32}{calls:>7}{m:>9}{ratio:>7}{writes(per_nb.get(key, {})):>8}{writes(second_nb.get(key, {})):>16}")
    total = sum(sum(c.values()) for c in per_nb.values())
    total_min = sum(minimal.values())
    chapters = sum(sum(c.values()) for k, c in per_nb.items() if k != "08")
    chapters_min = sum(v for k, v in minimal.items() if k != "08")
    all_calls: dict[str, int] = {}
    for c in per_nb.values():
        for op, n in c.items():
            all_calls[op] = all_calls.get(op, 0) + n
    print(f"\n  API calls by operation, all notebooks ({total}):")
    by_operation(all_calls, indent="    ")
    status_calls = {op: n - all_calls.get(op, 0) for op, n in first.get("calls", {}).items() if n - all_calls.get(op, 0)}
    print(f"  plus the run report's final status check of every step: {sum(status_calls.values())} calls")
    print(f"\n  minimal set: {total_min} calls ({chapters_min} for chapters 00–07, {minimal['08']} for the 7 labs); see MINIMAL in {Path(__file__).name}")
    second_w = {k: writes(c) for k, c in second_nb.items()}
    lab_w = second_w.pop("08", 0)
    goal("full run wall time", f"{first_s:.1f} s", first_s <= WALL_GOAL and not failed, f"≤ {WALL_GOAL:.0f} s")
    goal("API calls vs minimal, all notebooks", f"{total} / {total_min} = {total / total_min:.2f}×", total <= RATIO_GOAL * total_min, f"≤ {RATIO_GOAL}×")
    print(f"  API calls vs minimal, chapters 00–07 only: {chapters} / {chapters_min} = {chapters / chapters_min:.2f}×")
    goal("writes on a second run (chapters 00–07, 99)", str(sum(second_w.values())), sum(second_w.values()) == 0, "0")
    print(f"  second run: {second_s:.1f} s; the labs (08) break and repair on purpose: {lab_w} writes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
