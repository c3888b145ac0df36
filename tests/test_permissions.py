"""The permission check and the least-privilege policy: every boto3 call the package makes is granted,
nothing else is, and missing_permissions() reads IAM's policy simulation chapter by chapter."""

from __future__ import annotations

import ast
import fnmatch
import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from workshop_lib.aws import permissions as perm
from workshop_lib.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "workshop_lib"
POLICY = ROOT / perm.POLICY_FILE
ACCOUNT = "123456789012"
IAM_PREFIX = {"sso-admin": "sso"}  # boto3 client name -> IAM action prefix, where they differ
SERVICES = ("connect", "iam", "sso-admin", "identitystore", "organizations", "sts")  # the clients the package makes
NOT_OPERATIONS = {"get_paginator", "get_waiter", "can_paginate", "close", "generate_presigned_url"}


# ---- the package's boto3 calls, read from the source ---------------------------------------------

def _operations(service: str) -> dict[str, str]:
    """snake_case method -> API operation name, from botocore's own model of the service."""
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(op): op for op in model.operation_names}


class _Calls(ast.NodeVisitor):
    """Finds ``<client>.<operation>(...)``, ``get_paginator("op")``, ``paginate(client, "op")`` and
    ``reader.pages("service", "op")`` where the client is ``...client("service")`` or a name bound to one."""

    def __init__(self, path: Path, operations: set[str] = frozenset()) -> None:
        self.path = path
        self.operations = operations  # every operation name of the services the package uses
        self.imported: set[str] = {"self", "cls"}
        self.found: set[tuple[str, str, bool]] = set()  # (service, operation, sends Tags)
        self.unresolved: list[str] = []
        self.scopes: list[dict[str, tuple[str, bool]]] = [{}]  # name -> (service, is a lambda returning a client)

    # -- scopes: a function sees its own assignments and its parents' ---------------------------
    def _scoped(self, node: ast.AST) -> None:
        scope = dict(self.scopes[-1])
        for child in ast.walk(node):
            if isinstance(child, ast.Assign) and len(child.targets) == 1 and isinstance(child.targets[0], ast.Name):
                bound = self._binding(child.value)
                if bound:
                    scope[child.targets[0].id] = bound
        self.scopes.append(scope)
        self.generic_visit(node)
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _scoped

    def visit_Module(self, node: ast.Module) -> None:
        for child in ast.walk(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                self.imported |= {(a.asname or a.name).split(".")[0] for a in child.names}
        self._scoped(node)

    def _binding(self, value: ast.AST) -> tuple[str, bool] | None:
        if isinstance(value, ast.Lambda):
            service = self.service_of(value.body)
            return (service, True) if service else None
        service = self.service_of(value)
        return (service, False) if service else None

    def service_of(self, node: ast.AST) -> str | None:
        """The boto3 service of a client expression, or None when it is not (knowably) a client."""
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("client", "session_client") and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                return node.args[0].value
            if isinstance(func, ast.Name) and func.id in self.scopes[-1] and self.scopes[-1][func.id][1]:
                return self.scopes[-1][func.id][0]
        if isinstance(node, ast.Name) and node.id in self.scopes[-1] and not self.scopes[-1][node.id][1]:
            return self.scopes[-1][node.id][0]
        return None

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        tags = any(k.arg == "Tags" for k in node.keywords)
        if isinstance(func, ast.Attribute):
            service = self.service_of(func.value)
            if service and func.attr == "get_paginator" and strings:
                self.found.add((service, strings[0], False))
            elif service and func.attr not in NOT_OPERATIONS:
                self.found.add((service, func.attr, tags))
            elif func.attr == "pages" and len(strings) >= 2:
                self.found.add((strings[0], strings[1], False))
            elif func.attr in self.operations and not (isinstance(func.value, ast.Name) and func.value.id in self.imported):
                self.unresolved.append(f"{self.path.name}:{node.lineno} {ast.unparse(func)}(…)")
        if isinstance(func, ast.Name) and func.id == "paginate" and len(node.args) >= 2:
            service = self.service_of(node.args[0])
            if service and isinstance(node.args[1], ast.Constant):
                self.found.add((service, node.args[1].value, False))
            elif isinstance(node.args[1], ast.Constant):
                self.unresolved.append(f"{self.path.name}:{node.lineno} paginate(…, {node.args[1].value!r})")
        self.generic_visit(node)


# Code that only ever talks to the sandbox: `sandbox seed busy-account` builds someone else's account there, so its
# calls (organizations:CreateAccount, sso:CreatePermissionSet, …) are never the workshop's in a real account.
SANDBOX_ONLY = {Path("aws/busy_account.py")}


# Code that calls no AWS API at all: the event view talks to JupyterHub's API (`hub_auth.get_user`).
NOT_AWS = {"event"}


def all_actions() -> set[str]:
    """Every action some chapter needs: what the least-privilege policy grants."""
    return {need.action for needs in perm.NEEDS.values() for need in needs}


def _sources() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py")
            if not {"sandbox", *NOT_AWS} & set(p.relative_to(PACKAGE).parts) and p.relative_to(PACKAGE) not in SANDBOX_ONLY]


@pytest.fixture(scope="module")
def boto3_calls() -> set[tuple[str, str, bool]]:
    found: set[tuple[str, str, bool]] = set()
    unresolved: list[str] = []
    operations = set().union(*(_operations(s) for s in SERVICES))
    for path in _sources():
        visitor = _Calls(path, operations)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        found |= visitor.found
        unresolved += visitor.unresolved
    assert not unresolved, f"cannot tell which client these calls use; call them on ctx.client(\"service\") or a name bound to it: {unresolved}"
    return found


def _action(service: str, method: str) -> str:
    operations = _operations(service)
    assert method in operations, f"{service} has no operation {method!r}"
    return f"{IAM_PREFIX.get(service, service)}:{operations[method]}"


def _tag_action(action: str) -> str:
    """What tagging on create needs: iam:CreateRole -> iam:TagRole; other services' TagResource."""
    prefix, name = action.split(":")
    if prefix == "iam":
        return f"iam:Tag{name.removeprefix('Create')}"
    return f"{prefix}:TagResource"


@pytest.fixture(scope="module")
def called_actions(boto3_calls) -> set[str]:
    return {_action(service, method) for service, method, _tags in boto3_calls}


@pytest.fixture(scope="module")
def iam_definition() -> dict[str, dict]:
    """The Service Authorization Reference as parliament ships it: prefix -> action -> privilege entry."""
    import parliament

    data = json.loads((Path(parliament.__file__).parent / "iam_definition.json").read_text(encoding="utf-8"))
    return {svc["prefix"]: {p["privilege"]: p for p in svc["privileges"]} for svc in data}


def _dependent_actions(iam_definition, action: str) -> set[str]:
    prefix, name = action.split(":")
    entry = iam_definition[prefix][name]
    return {dep for resource in entry["resource_types"] for dep in resource.get("dependent_actions", [])}


def test_the_scan_finds_the_calls_we_know_of(boto3_calls):
    assert ("connect", "create_instance", True) in boto3_calls
    assert ("iam", "create_role", True) in boto3_calls
    assert ("identitystore", "list_users", False) in boto3_calls  # paginate(ctx.client("identitystore"), "list_users")
    assert ("iam", "get_account_authorization_details", False) in boto3_calls  # get_paginator(...) on reader.client("iam")
    assert ("iam", "simulate_principal_policy", False) in boto3_calls


def test_every_boto3_call_in_the_package_is_a_needed_or_optional_action(called_actions):
    unlisted = called_actions - all_actions() - set(perm.OPTIONAL)
    assert not unlisted, f"add these to workshop_lib/aws/permissions.py NEEDS and {perm.POLICY_FILE}: {sorted(unlisted)}"


def test_every_action_named_in_an_error_sentence_is_needed_or_optional():
    prefixes = {IAM_PREFIX.get(s, s) for s in SERVICES}
    named = set()
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("explained", "call") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.split(":")[0] in prefixes:
                    named.add(first.value)
    assert named, "no explained(...) labels found: has the error translation moved?"
    assert named - all_actions() - set(perm.OPTIONAL) == set()


def test_tagging_on_create_is_granted(boto3_calls):
    for service, method, tags in boto3_calls:
        if tags:
            assert _tag_action(_action(service, method)) in all_actions(), f"{service}.{method} sends Tags"


def test_dependent_actions_are_granted_in_the_same_chapter(iam_definition, called_actions):
    """What AWS checks besides the called action itself (one level: ds:CreateDirectory's own EC2
    dependencies are for Simple AD directories, which a SAML instance never creates)."""
    for chapter, needs in perm.NEEDS.items():
        actions = {n.action for n in needs}
        for action in actions & called_actions:
            missing = _dependent_actions(iam_definition, action) - actions
            assert not missing, f"chapter {chapter}: {action} also needs {sorted(missing)}"


def test_nothing_is_granted_that_the_workshop_does_not_call(called_actions, boto3_calls, iam_definition):
    called = called_actions - set(perm.OPTIONAL)
    dependent = set().union(*(_dependent_actions(iam_definition, a) for a in called))
    tagging = {_tag_action(_action(s, m)) for s, m, tags in boto3_calls if tags}
    assert all_actions() - called - dependent - tagging == set()


def test_every_action_exists_in_the_service_authorization_reference(iam_definition):
    for action in all_actions() | set(perm.OPTIONAL):
        prefix, name = action.split(":")
        assert name in iam_definition.get(prefix, {}), f"{action} is not a real IAM action"


def test_sandbox_only_chapters_are_not_simulated():
    assert set(perm.SANDBOX_ONLY_CHAPTERS).isdisjoint(perm.NEEDS)


# ---- the least-privilege policy file ------------------------------------------------------------

@pytest.fixture(scope="module")
def policy() -> dict:
    return json.loads(POLICY.read_text(encoding="utf-8"))


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _allows(policy: dict, action: str, arn: str, context: dict[str, str]) -> bool:
    """A small evaluator for our own file: Allow statements, wildcard actions and resources, String conditions."""
    for statement in policy["Statement"]:
        if statement["Effect"] != "Allow":
            continue
        if not any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in _listed(statement["Action"])):
            continue
        if not any(fnmatch.fnmatchcase(arn, pattern) for pattern in _listed(statement["Resource"])):
            continue
        conditions = statement.get("Condition", {})
        ok = True
        for operator, tests in conditions.items():
            assert operator in ("StringEquals", "StringLike"), f"the test's evaluator does not know {operator}"
            for key, wanted in tests.items():
                have = context.get(key)
                match = (lambda w: have == w) if operator == "StringEquals" else (lambda w: have is not None and fnmatch.fnmatchcase(have, w))
                ok = ok and have is not None and any(match(w) for w in _listed(wanted))
        if ok:
            return True
    return False


def test_policy_grants_exactly_the_needed_actions(policy):
    granted = {a for s in policy["Statement"] for a in _listed(s["Action"])}
    assert not any("*" in a for a in granted), "name every action: no wildcards"
    assert granted == all_actions()


@pytest.mark.parametrize("settings", [
    Settings(target="aws"),
    Settings(target="aws", name_prefix="team7-"),
    Settings(target="aws", region="us-gov-west-1"),
], ids=["default-names", "name-prefix", "govcloud"])
def test_policy_allows_every_chapter_on_the_workshops_resources(policy, settings):
    partition = "aws-us-gov" if settings.region.startswith("us-gov-") else "aws"
    for chapter, needs in perm.NEEDS.items():
        for need in needs:
            for arn in perm.resource_arns(need, settings, ACCOUNT, partition):
                assert _allows(policy, need.action, arn, dict(need.context)), f"chapter {chapter}: {need.action} on {arn}"


def test_policy_writes_iam_only_on_the_workshops_names(policy):
    for statement in policy["Statement"]:
        for action in _listed(statement["Action"]):
            if action.startswith("iam:") and action not in ("iam:SimulatePrincipalPolicy",):
                assert "*" not in _listed(statement["Resource"]), f"{action} must not apply to every resource"
    assert not _allows(policy, "iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/Administrator", {})
    assert not _allows(policy, "iam:AttachRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole", {})
    assert not _allows(policy, "iam:CreateServiceLinkedRole", f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ec2.amazonaws.com/X",
                       {"iam:AWSServiceName": "ec2.amazonaws.com"})


def test_policy_fits_in_a_customer_managed_policy(policy):
    assert len(json.dumps(policy, separators=(",", ":"))) < 6144  # IAM's limit, whitespace not counted


def test_policy_passes_parliament_apart_from_resource_star(policy):
    import parliament

    findings = parliament.analyze_policy_string(POLICY.read_text(encoding="utf-8")).findings
    assert [f.issue for f in findings if f.issue != "RESOURCE_STAR"] == []


def test_parliament_would_catch_a_misspelt_action():
    import parliament

    broken = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "connect:CreateInstances", "Resource": "*"}]})
    assert "UNKNOWN_ACTION" in {f.issue for f in parliament.analyze_policy_string(broken).findings}


# ---- who is simulated ------------------------------------------------------------------------------

def test_an_assumed_role_session_becomes_its_role():
    p = perm.principal_for(f"arn:aws:sts::{ACCOUNT}:assumed-role/AmazonSageMaker-ExecutionRole-20240101T000000/SageMaker")
    assert (p.arn, p.account, p.why_not) == (f"arn:aws:iam::{ACCOUNT}:role/AmazonSageMaker-ExecutionRole-20240101T000000", ACCOUNT, "")


def test_the_roles_path_is_used_when_the_role_can_be_read():
    real = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole-1"
    p = perm.principal_for(f"arn:aws:sts::{ACCOUNT}:assumed-role/AmazonSageMaker-ExecutionRole-1/SageMaker", lambda name: real)
    assert p.arn == real


def test_an_iam_user_in_govcloud_is_simulated_as_itself():
    p = perm.principal_for("arn:aws-us-gov:iam::123456789012:user/workshop/attendee7")
    assert (p.arn, p.partition, p.why_not) == ("arn:aws-us-gov:iam::123456789012:user/workshop/attendee7", "aws-us-gov", "")


@pytest.mark.parametrize("arn, says", [
    (f"arn:aws:iam::{ACCOUNT}:root", "root user"),
    (f"arn:aws:sts::{ACCOUNT}:federated-user/bob", "Federated-user"),
    ("not-an-arn", "not an ARN"),
])
def test_callers_that_cannot_be_simulated_say_why(arn, says):
    assert says in perm.principal_for(arn).why_not


# ---- missing_permissions() with botocore's Stubber -----------------------------------------------

SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/WorkshopAttendee/attendee7"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/event/WorkshopAttendee"


@pytest.fixture()
def clients():
    session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    made = {name: session.client(name) for name in ("sts", "iam")}
    stubs = {name: Stubber(c) for name, c in made.items()}
    for stub in stubs.values():
        stub.activate()
    yield made, stubs
    for stub in stubs.values():
        stub.deactivate()


def _expected_simulations(settings: Settings, principal_arn: str) -> list[dict]:
    """The requests missing_permissions() should send: one per resource set and context, in NEEDS order."""
    groups: dict[tuple, list[str]] = {}
    for needs in perm.NEEDS.values():
        for need in needs:
            if need.action in perm.OPTIONAL:
                continue
            key = (tuple(perm.resource_arns(need, settings, ACCOUNT)), need.context)
            if need.action not in groups.setdefault(key, []):
                groups[key].append(need.action)
    requests = []
    for (arns, context), actions in groups.items():
        request = {"PolicySourceArn": principal_arn, "ActionNames": actions, "ResourceArns": list(arns)}
        if context:
            request["ContextEntries"] = [{"ContextKeyName": k, "ContextKeyValues": [v], "ContextKeyType": "string"} for k, v in context]
        requests.append(request)
    return requests


def _stub_caller(stubs, *, role_readable: bool = True) -> None:
    stubs["sts"].add_response("get_caller_identity", {"Arn": SESSION, "Account": ACCOUNT, "UserId": "AROAEXAMPLE:attendee7"}, {})
    if role_readable:
        stubs["iam"].add_response("get_role", {"Role": {
            "Path": "/event/", "RoleName": "WorkshopAttendee", "RoleId": "AROAEXAMPLEEXAMPLE123", "Arn": ROLE,
            "CreateDate": "2026-01-01T00:00:00Z", "AssumeRolePolicyDocument": "{}"}}, {"RoleName": "WorkshopAttendee"})
    else:
        stubs["iam"].add_client_error("get_role", "AccessDenied", "not authorized to perform: iam:GetRole", expected_params={"RoleName": "WorkshopAttendee"})


def _stub_simulations(stubs, settings: Settings, principal_arn: str, decide) -> None:
    for request in _expected_simulations(settings, principal_arn):
        results = []
        for action in request["ActionNames"]:
            decision, detail = decide(action, request["ResourceArns"][0])
            result = {"EvalActionName": action, "EvalResourceName": request["ResourceArns"][0], "EvalDecision": decision}
            result.update(detail)
            results.append(result)
        stubs["iam"].add_response("simulate_principal_policy", {"EvaluationResults": results, "IsTruncated": False}, request)


def _allowed(action, arn):
    return "allowed", {}


def test_the_sandbox_is_not_checked_and_nothing_is_called():
    def no_client(service):
        raise AssertionError(f"the sandbox check must not call {service}")

    result = perm.missing_permissions(Settings(target="sandbox"), client=no_client)
    assert set(result) == set(perm.NEEDS)
    assert all(not v.checked and v.missing == [] for v in result.values())
    assert all("not checked in the sandbox" in v.explanation.lower() for v in result.values())
    assert perm.lines(result) == [result["00"].explanation]


def test_a_role_with_the_workshop_policy_lacks_nothing(clients):
    made, stubs = clients
    settings = Settings(target="aws", name_prefix="team7-")
    _stub_caller(stubs)
    _stub_simulations(stubs, settings, ROLE, _allowed)
    result = perm.missing_permissions(settings, client=made.__getitem__)
    assert all(v.ok for v in result.values()), [v.explanation for v in result.values() if not v.ok]
    assert ROLE in result["04"].explanation
    for stub in stubs.values():
        stub.assert_no_pending_responses()


def test_the_simulation_names_the_workshops_own_resources(clients):
    made, stubs = clients
    settings = Settings(target="aws", name_prefix="team7-")
    requests = _expected_simulations(settings, ROLE)
    arns = {arn for r in requests for arn in r["ResourceArns"]}
    assert f"arn:aws:iam::{ACCOUNT}:role/team7-AmazonConnectAgentAccessRole" in arns
    assert f"arn:aws:iam::{ACCOUNT}:saml-provider/team7-AmazonConnectAdminAccess" in arns
    assert f"arn:aws:iam::{ACCOUNT}:policy/team7-AmazonConnectSSOPolicy" in arns
    linked = [r for r in requests if r["ActionNames"] == ["iam:CreateServiceLinkedRole"]]
    assert {r["ContextEntries"][0]["ContextKeyValues"][0] for r in linked} == {perm.CONNECT_SERVICE, perm.ORGANIZATIONS_SERVICE}
    assert all("iam:GetAccountAuthorizationDetails" not in r["ActionNames"] for r in requests)


def test_denied_actions_are_reported_in_the_chapters_that_need_them(clients):
    made, stubs = clients
    settings = Settings(target="aws")
    agent_role = f"arn:aws:iam::{ACCOUNT}:role/AmazonConnectAgentAccessRole"

    def decide(action, arn):
        if action == "iam:CreateRole" and arn == agent_role:
            return "implicitDeny", {}
        if action == "connect:CreateInstance":
            return "implicitDeny", {"OrganizationsDecisionDetail": {"AllowedByOrganizations": False}}
        return "allowed", {}

    _stub_caller(stubs)
    _stub_simulations(stubs, settings, ROLE, decide)
    result = perm.missing_permissions(settings, client=made.__getitem__)
    assert result["04"].missing == ["iam:CreateRole"]
    assert result["06"].ok  # the admin role may be created: the denial was for the agent role only
    assert result["01"].missing == ["connect:CreateInstance"]
    assert "service control policy" in result["01"].explanation and "lift the restriction" in result["01"].explanation
    assert "Why: no policy attached to the caller allows it." in result["04"].explanation
    assert perm.POLICY_FILE in result["04"].explanation and "this role" in result["04"].explanation
    assert [v.chapter for v in result.values() if not v.ok] == ["01", "04"]
    assert perm.lines(result)[1].startswith("❌ Chapter 01 needs 1 permission that")


def test_an_unreadable_own_role_is_simulated_by_its_path_less_arn(clients):
    made, stubs = clients
    settings = Settings(target="aws")
    path_less = f"arn:aws:iam::{ACCOUNT}:role/WorkshopAttendee"
    _stub_caller(stubs, role_readable=False)
    _stub_simulations(stubs, settings, path_less, _allowed)
    result = perm.missing_permissions(settings, client=made.__getitem__)
    assert all(v.ok for v in result.values())
    stubs["iam"].assert_no_pending_responses()


def test_a_caller_who_may_not_simulate_is_told_how_to_check(clients):
    made, stubs = clients
    _stub_caller(stubs)
    stubs["iam"].add_client_error("simulate_principal_policy", "AccessDenied",
                                  f"User: {SESSION} is not authorized to perform: iam:SimulatePrincipalPolicy")
    result = perm.missing_permissions(Settings(target="aws"), client=made.__getitem__)
    assert all(not v.checked for v in result.values())
    assert "may not call iam:SimulatePrincipalPolicy" in result["00"].explanation
    assert perm.POLICY_FILE in result["00"].explanation


def test_root_credentials_are_not_simulated(clients):
    made, stubs = clients
    stubs["sts"].add_response("get_caller_identity", {"Arn": f"arn:aws:iam::{ACCOUNT}:root", "Account": ACCOUNT, "UserId": ACCOUNT}, {})
    result = perm.missing_permissions(Settings(target="aws"), client=made.__getitem__)
    assert all(not v.checked for v in result.values())
    assert "root user" in result["00"].explanation


# ---- each chapter calls only what its row of NEEDS grants (recorded against the sandbox) -----------

@pytest.mark.sandbox
def test_each_chapter_calls_only_what_its_row_grants(sandbox, tmp_path, monkeypatch):
    """Perform every chapter in order against the sandbox, count the API calls each one makes, and
    compare them with NEEDS: the per-chapter explanation is only as good as this table."""
    from workshop_lib.aws.cleanup import run_cleanup
    from workshop_lib.aws.session import CALLS, forget_clients
    from workshop_lib.chapters import all_chapters
    from workshop_lib.context import Context
    from workshop_lib.chapters.model import State

    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path / "learner"))
    monkeypatch.setenv("WORKSHOP_SANDBOX_ENDPOINT", sandbox.endpoint)
    monkeypatch.setenv("WORKSHOP_SANDBOX_HOME", str(sandbox.home))
    forget_clients()
    ctx = Context()
    extra: dict[str, set[str]] = {}
    try:
        for chapter in all_chapters():
            CALLS.reset()
            states = {step.key: step.perform(ctx).state for step in chapter.steps}
            assert all(state is State.DONE for state in states.values()), (chapter.number, states)
            called = {f"{IAM_PREFIX.get(svc, svc)}:{op}" for svc, op in CALLS.counts}
            extra[chapter.number] = called - {n.action for n in perm.NEEDS[chapter.number]} - set(perm.OPTIONAL)
        CALLS.reset()
        assert not run_cleanup(ctx).failed
        called = {f"{IAM_PREFIX.get(svc, svc)}:{op}" for svc, op in CALLS.counts}
        extra["99"] = called - {n.action for n in perm.NEEDS["99"]}
    finally:
        forget_clients()
    assert {number: sorted(actions) for number, actions in extra.items() if actions} == {}


def test_preflight_on_a_real_account_lists_missing_permissions_per_chapter(tmp_path, monkeypatch):
    from workshop_lib import settings as st
    from workshop_lib.aws import permissions, preflight
    from workshop_lib.context import Context
    from workshop_lib.chapters.foundation import preflight_check
    from workshop_lib.chapters.model import State

    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    st.save(st.Settings(target="aws", region="us-east-1"))
    monkeypatch.setattr(preflight, "run_preflight", lambda s: preflight.Preflight("aws", "us-east-1", "us-east-1", "123456789012", "arn:aws:iam::123456789012:user/learner", "o-example", "123456789012", True))
    verdicts = {
        "01": permissions.ChapterPermissions("01", ["connect:CreateInstance"], "Chapter 01 needs connect:CreateInstance."),
        "02": permissions.ChapterPermissions("02", [], "Chapter 02: all allowed."),
    }
    monkeypatch.setattr(permissions, "missing_permissions", lambda s: verdicts)
    status = preflight_check(Context())
    assert status.state is State.WRONG
    assert [f.details["missing"] for f in status.findings] == [["connect:CreateInstance"]]
    assert "least-privilege-policy.json" in status.findings[0].fix
