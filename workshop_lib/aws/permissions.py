"""Which permissions the caller lacks, chapter by chapter, found by IAM policy simulation. Read-only.

``NEEDS`` lists, for each chapter, every IAM action its API calls need and the resources they act on.
``docs/least-privilege-policy.json`` grants exactly these; tests keep that file, this table and the
package's boto3 calls in step. Console-only steps (enabling Identity Center, adding the application,
mappings, passwords) are done by the learner in the AWS console and are not simulated here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

if TYPE_CHECKING:
    from workshop_lib.settings import Settings

POLICY_FILE = "docs/least-privilege-policy.json"
CONNECT_SERVICE = "connect.amazonaws.com"
ORGANIZATIONS_SERVICE = "organizations.amazonaws.com"
# Amazon Connect names its service-linked role AWSServiceRoleForAmazonConnect_<suffix>; any suffix will do here.
SERVICE_LINKED_ROLES = {
    CONNECT_SERVICE: "aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect_ConnectSSOWorkshop",
    ORGANIZATIONS_SERVICE: "aws-service-role/organizations.amazonaws.com/AWSServiceRoleForOrganizations",
}
# Actions the workshop tries but copes without; the least-privilege policy leaves them out.
OPTIONAL = {
    "iam:GetAccountAuthorizationDetails": "the doctor reads the workshop's roles one by one instead; "
                                          "allowing it would let the holder read every role and policy in the account",
}
# Why the simulator denied an action, as the explanation says it.
NOT_ALLOWED = "no policy attached to the caller allows them"
SCP = "an Organizations service control policy denies them"
BOUNDARY = "a permissions boundary denies them"
EXPLICIT_DENY = "an explicit Deny in a policy blocks them"
NO_ANSWER = "the policy simulator gave no answer for them"
SANDBOX_ONLY_CHAPTERS = {"08": "the troubleshooting labs break the chain in the sandbox only"}


@dataclass(frozen=True)
class Need:
    """One IAM action on one kind of resource, with the request context the policy's conditions test.

    ``resource`` is ``*`` or a kind filled in from the settings: ``iam-role:<name key>``,
    ``iam-policy:<name key>``, ``iam-saml-provider:<name key>`` or ``service-linked-role:<service>``.
    """

    action: str
    resource: str = "*"
    context: tuple[tuple[str, str], ...] = ()


def _anywhere(*actions: str) -> list[Need]:
    return [Need(a) for a in actions]


def _on(resource: str, *actions: str) -> list[Need]:
    return [Need(a, resource) for a in actions]


def _service_linked_role(service: str, *actions: str) -> list[Need]:
    kind = f"service-linked-role:{service}"
    return [Need("iam:CreateServiceLinkedRole", kind, (("iam:AWSServiceName", service),))] + _on(kind, *actions)


# ---- what each chapter calls -------------------------------------------------------------------

_CALLER = _anywhere("sts:GetCallerIdentity")
_IDENTITY_CENTER = _anywhere("sso:ListInstances", "sso:ListApplications")
# connect:DescribeInstance and ListInstances depend on ds:DescribeDirectories (Service Authorization Reference).
_READ_INSTANCE = _anywhere("connect:DescribeInstance", "ds:DescribeDirectories")
# connect:CreateInstance's dependent actions: the instance's directory and its service-linked role.
_CREATE_INSTANCE = _anywhere(
    "connect:CreateInstance", "connect:TagResource",
    "ds:AuthorizeApplication", "ds:CheckAlias", "ds:CreateAlias", "ds:CreateDirectory",
    "ds:CreateIdentityPoolDirectory", "ds:DeleteDirectory", "ds:DescribeDirectories", "ds:UnauthorizeApplication",
) + _service_linked_role(CONNECT_SERVICE, "iam:AttachRolePolicy", "iam:PutRolePolicy")


def _federation(side: str, *, with_policy: bool) -> list[Need]:
    """Chapter 04 (agents) or the IAM half of 06 (admins): provider, policy, role, and the mappings' values."""
    needs = _CALLER + _IDENTITY_CENTER
    needs += _on(f"iam-saml-provider:{side}_provider",
                 "iam:GetSAMLProvider", "iam:CreateSAMLProvider", "iam:TagSAMLProvider", "iam:UpdateSAMLProvider",
                 "iam:ListSAMLProviderTags")
    if with_policy:
        needs += _on("iam-policy:policy",
                     "iam:GetPolicy", "iam:GetPolicyVersion", "iam:CreatePolicy", "iam:TagPolicy",
                     "iam:ListPolicyVersions", "iam:DeletePolicyVersion", "iam:CreatePolicyVersion", "iam:ListPolicyTags")
    needs += _on(f"iam-role:{side}_role",
                 "iam:GetRole", "iam:CreateRole", "iam:TagRole", "iam:UpdateAssumeRolePolicy",
                 "iam:ListAttachedRolePolicies", "iam:AttachRolePolicy", "iam:ListRoleTags", "iam:UpdateRole")
    return needs


def _people() -> list[Need]:
    """Chapter 05 (agents) or the people half of 06 (admins): Connect users, IdC users, group, assignment."""
    return _IDENTITY_CENTER + _anywhere(
        "connect:ListUsers", "connect:ListSecurityProfiles", "connect:ListRoutingProfiles",
        "connect:CreateUser", "connect:TagResource",
        "identitystore:ListUsers", "identitystore:GetUserId", "identitystore:CreateUser",
        "identitystore:GetGroupId", "identitystore:CreateGroup",
        "identitystore:ListGroupMemberships", "identitystore:CreateGroupMembership",
        "sso:ListApplicationAssignments", "sso:CreateApplicationAssignment",
    )


def _doctor() -> list[Need]:
    needs = _CALLER + _READ_INSTANCE + _IDENTITY_CENTER + _anywhere(
        "organizations:DescribeOrganization", "sso:ListApplicationAssignments",
        "identitystore:GetGroupId", "identitystore:ListGroupMemberships", "identitystore:ListUsers",
        "connect:ListUsers", "connect:ListSecurityProfiles", "connect:DescribeUser",
    )
    for side in ("agent", "admin"):
        needs += _on(f"iam-saml-provider:{side}_provider", "iam:GetSAMLProvider")
        needs += _on(f"iam-role:{side}_role", "iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:GetRolePolicy")
    return needs + _on("iam-policy:policy", "iam:GetPolicy", "iam:GetPolicyVersion")


def _cleanup() -> list[Need]:
    needs = _anywhere(
        "sso:ListInstances", "sso:DeleteApplicationAssignment",
        "identitystore:DeleteGroupMembership", "identitystore:ListGroupMembershipsForMember",
        "identitystore:DeleteUser", "identitystore:DeleteGroup",
        "connect:DeleteUser", "connect:ListInstances", "connect:DeleteInstance",
        "ds:DeleteDirectory", "ds:DescribeDirectories", "ds:UnauthorizeApplication",
        # Identity checked again at delete time, and what else refers to a user (aws/cleanup.py).
        "identitystore:DescribeUser", "identitystore:DescribeGroup", "identitystore:GetUserId", "identitystore:GetGroupId",
        "sso:ListAccountAssignmentsForPrincipal", "sso:ListApplicationAssignmentsForPrincipal",
        "sso:ListApplications", "sso:ListApplicationAssignments", "sso:DeleteApplication", "connect:DescribeInstance",
    )
    for side in ("agent", "admin"):
        needs += _on(f"iam-role:{side}_role", "iam:GetRole", "iam:ListRoleTags", "iam:ListAttachedRolePolicies", "iam:DetachRolePolicy",
                     "iam:ListRolePolicies", "iam:DeleteRolePolicy", "iam:DeleteRole")
        needs += _on(f"iam-saml-provider:{side}_provider", "iam:ListSAMLProviderTags", "iam:DeleteSAMLProvider")
    return needs + _on("iam-policy:policy", "iam:GetPolicy", "iam:ListPolicyTags", "iam:ListEntitiesForPolicy",
                       "iam:ListPolicyVersions", "iam:DeletePolicyVersion", "iam:DeletePolicy")


def _unique(needs: Iterable[Need]) -> tuple[Need, ...]:
    return tuple(dict.fromkeys(needs))


NEEDS: dict[str, tuple[Need, ...]] = {
    "00": _unique(_CALLER + _anywhere("organizations:DescribeOrganization", "connect:ListInstances",
                                      "ds:DescribeDirectories", "iam:SimulatePrincipalPolicy")),
    "01": _unique(_READ_INSTANCE + _anywhere("connect:ListInstances") + _CREATE_INSTANCE),  # List: adopt one an interrupted run made
    "02": _unique(_anywhere("organizations:DescribeOrganization", "organizations:CreateOrganization", "sso:ListInstances")
                  + _service_linked_role(ORGANIZATIONS_SERVICE)),
    "03": _unique(_IDENTITY_CENTER),
    "04": _unique(_federation("agent", with_policy=True)),
    "05": _unique(_people()),
    "06": _unique(_IDENTITY_CENTER + _federation("admin", with_policy=False) + _people()),
    "07": _unique(_doctor()),
    "99": _unique(_cleanup()),
}


# ---- turning kinds into ARNs -------------------------------------------------------------------

def resource_arns(need: Need, settings: "Settings", account: str, partition: str = "aws") -> list[str]:
    """The ARNs a need acts on for these settings (their names, with the learner's prefix)."""
    if need.resource == "*":
        return ["*"]
    kind, _, key = need.resource.partition(":")
    iam = f"arn:{partition}:iam::{account}"
    if kind == "iam-role":
        return [f"{iam}:role/{settings.name(key)}"]
    if kind == "iam-policy":
        return [f"{iam}:policy/{settings.name(key)}"]
    if kind == "iam-saml-provider":
        return [f"{iam}:saml-provider/{settings.name(key)}"]
    if kind == "service-linked-role":
        return [f"{iam}:role/{SERVICE_LINKED_ROLES[key]}"]
    raise ValueError(f"unknown resource kind {need.resource!r}")


# ---- the caller ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Principal:
    """Who the simulation is for: an IAM role or user ARN, or why there is none."""

    arn: str
    account: str
    partition: str
    why_not: str = ""  # set when this caller cannot be simulated


def principal_for(caller_arn: str, get_role: Optional[Callable[[str], Optional[str]]] = None) -> Principal:
    """The IAM ARN to simulate for a caller ARN: an assumed-role session becomes its role.

    STS leaves the role's path out of session ARNs (SageMaker's roles live under ``/service-role/``);
    ``get_role(name)`` may return the role's real ARN, or None when it cannot be read.
    """
    parts = caller_arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return Principal(caller_arn, "", "aws", f"{caller_arn!r} is not an ARN.")
    _, partition, service, _, account, resource = parts
    if service == "iam" and resource == "root":
        return Principal(caller_arn, account, partition, "These are the account's root user credentials, which may do everything; "
                         "use an IAM role or user for the workshop instead.")
    if service == "iam" and resource.startswith("user/"):
        return Principal(caller_arn, account, partition)
    if service == "sts" and resource.startswith("assumed-role/"):
        role_name = resource.split("/")[1]
        arn = (get_role(role_name) if get_role else None) or f"arn:{partition}:iam::{account}:role/{role_name}"
        return Principal(arn, account, partition)
    if service == "sts" and resource.startswith("federated-user/"):
        return Principal(caller_arn, account, partition, "Federated-user sessions cannot be simulated; "
                         f"compare their policy with {POLICY_FILE} by hand.")
    return Principal(caller_arn, account, partition, f"{caller_arn} is not an IAM role or user, so it cannot be simulated.")


# ---- the result ------------------------------------------------------------------------------------

@dataclass
class ChapterPermissions:
    """One chapter's verdict: the actions the caller lacks and a sentence saying what to do."""

    chapter: str
    missing: list[str] = field(default_factory=list)
    explanation: str = ""
    checked: bool = True

    @property
    def ok(self) -> bool:
        return self.checked and not self.missing


def _unchecked(why: str) -> dict[str, ChapterPermissions]:
    return {number: ChapterPermissions(number, [], why, checked=False) for number in NEEDS}


def missing_permissions(settings: "Settings", *, client: Optional[Callable[[str], Any]] = None) -> dict[str, ChapterPermissions]:
    """For each chapter, the IAM actions the caller lacks (IAM policy simulation), with an explanation.

    In the sandbox nothing is checked: it allows every call, and has no policy simulator.
    ``client(service)`` returns a boto3 client (default: the settings' target).
    """
    from workshop_lib.settings import SANDBOX_TARGETS

    if settings.target in SANDBOX_TARGETS:
        return _unchecked("Not checked in the sandbox: the simulated AWS allows every call, so there is nothing to lack.")
    if client is None:
        from workshop_lib.aws.session import client as session_client

        def client(service: str) -> Any:
            return session_client(service, settings)

    import botocore.exceptions as bx

    from workshop_lib.aws.errors import DENIED_CODES, error_code, explained

    with explained("sts:GetCallerIdentity"):
        caller = client("sts").get_caller_identity()["Arn"]
    iam = client("iam")

    def real_role_arn(name: str) -> Optional[str]:
        try:
            return iam.get_role(RoleName=name)["Role"]["Arn"]
        except bx.ClientError:
            return None  # not allowed to read its own role: the path-less ARN usually works too

    principal = principal_for(caller, real_role_arn)
    if principal.why_not:
        return _unchecked(f"Permissions not checked: {principal.why_not}")
    try:
        verdicts = _simulate(iam, principal, settings)
    except bx.ClientError as exc:
        code = error_code(exc)
        if code in DENIED_CODES:
            return _unchecked(f"Permissions not checked: {principal.arn} may not call iam:SimulatePrincipalPolicy. "
                              f"Attach {POLICY_FILE}, which allows it, or compare your policy with it by hand.")
        if code == "NoSuchEntity":
            return _unchecked(f"Permissions not checked: IAM does not know {principal.arn} (a role with a path?). "
                              f"Compare your policy with {POLICY_FILE} by hand.")
        message = exc.response.get("Error", {}).get("Message", code)
        return _unchecked(f"Permissions not checked: the policy simulator answered {code}: {message}")
    return {number: _verdict(number, needs, verdicts, settings, principal) for number, needs in NEEDS.items()}


Verdicts = dict[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], set[str]]


def _key(need: Need, settings: "Settings", principal: Principal) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    return tuple(resource_arns(need, settings, principal.account, principal.partition)), need.context


def _simulate(iam: Any, principal: Principal, settings: "Settings") -> Verdicts:
    """(action, resource ARNs, context) -> why it is denied (empty: allowed); one simulation per resource and context."""
    groups: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], list[str]] = {}
    for needs in NEEDS.values():
        for need in needs:
            if need.action in OPTIONAL:
                continue
            actions = groups.setdefault(_key(need, settings, principal), [])
            if need.action not in actions:
                actions.append(need.action)
    verdicts: Verdicts = {}
    paginator = iam.get_paginator("simulate_principal_policy")
    for (arns, context), actions in groups.items():
        request: dict[str, Any] = {"PolicySourceArn": principal.arn, "ActionNames": actions, "ResourceArns": list(arns)}
        if context:
            request["ContextEntries"] = [{"ContextKeyName": k, "ContextKeyValues": [v], "ContextKeyType": "string"} for k, v in context]
        for page in paginator.paginate(**request):
            for result in page.get("EvaluationResults", []):
                verdicts.setdefault((result["EvalActionName"], arns, context), set()).update(_denial_reasons(result))
    return verdicts


def _denial_reasons(result: dict) -> set[str]:
    decisions = [result.get("EvalDecision", "")]
    decisions += [r.get("EvalResourceDecision", "") for r in result.get("ResourceSpecificResults", []) or []]
    if all(d == "allowed" for d in decisions):
        return set()
    reasons = set()
    if result.get("OrganizationsDecisionDetail", {}).get("AllowedByOrganizations") is False:
        reasons.add(SCP)
    if result.get("PermissionsBoundaryDecisionDetail", {}).get("AllowedByPermissionsBoundary") is False:
        reasons.add(BOUNDARY)
    if "explicitDeny" in decisions:
        reasons.add(EXPLICIT_DENY)
    return reasons or {NOT_ALLOWED}


def _verdict(number: str, needs: tuple[Need, ...], verdicts: Verdicts, settings: "Settings", principal: Principal) -> ChapterPermissions:
    denied: dict[str, set[str]] = {}
    for need in needs:
        if need.action in OPTIONAL:
            continue
        reasons = verdicts.get((need.action, *_key(need, settings, principal)), {NO_ANSWER})
        if reasons:
            denied.setdefault(need.action, set()).update(reasons)
    if not denied:
        return ChapterPermissions(number, [], f"Chapter {number}: {principal.arn} has every permission its API steps need.")
    missing = sorted(denied)
    reasons = sorted(set().union(*denied.values()))
    restricted = any(r in (SCP, BOUNDARY, EXPLICIT_DENY) for r in reasons)
    explanation = (
        f"Chapter {number} needs {len(missing)} permission{'s' if len(missing) > 1 else ''} that {principal.arn} lacks: "
        f"{', '.join(missing)}. Why: {'; '.join(r if len(missing) > 1 else r.replace('them', 'it') for r in reasons)}. "
        f"Ask your facilitator to attach {POLICY_FILE} to this {'role' if ':role/' in principal.arn else 'user'}"
        f"{' and to lift the restriction named above' if restricted else ''}."
    )
    return ChapterPermissions(number, missing, explanation)


def lines(result: dict[str, ChapterPermissions]) -> list[str]:
    """One line per chapter, for the preflight card and the CLI."""
    first = next(iter(result.values()), None)
    if first is not None and not first.checked:
        return [first.explanation]
    return [("✅ " if v.ok else "❌ ") + v.explanation for v in result.values()]
