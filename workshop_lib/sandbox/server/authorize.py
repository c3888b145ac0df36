"""What a caller may do, and what the sandbox offers at all.

- Role sessions (credentials the sandbox's STS issued through AssumeRoleWithSAML) are authorized against the
  role's permission policies with the project's own evaluator (:mod:`workshop_lib.rules.policy_eval`): an
  explicit Deny wins, then an Allow, else the implicit deny — "Policy evaluation logic",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html. The action is
  always judged (``iam:ListRoles``); the Resource element too, for the actions whose resource the sandbox
  models (:data:`RESOURCES`: the Connect instance operations the workshop's roles are scoped to), with the
  policy variables of the session (``${aws:userid}``) and the ``connect:InstanceId`` condition key. For other
  actions the resource is not judged (the sandbox does not model their resource types).
  ``sts:GetCallerIdentity`` needs no permission
  (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html). The refusal is AccessDenied
  (query services) or AccessDeniedException (JSON services), HTTP 403, in AWS's words: "User: <ARN> is not
  authorized to perform: <action> on resource: <ARN> because no identity-based policy allows the <action>
  action", or "... with an explicit deny in an identity-based policy"
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
- An operation of a served service that moto and the extensions do not implement answers an error that names
  it, in the service's own error shape, instead of an HTML page or a 500.
"""

from __future__ import annotations

from typing import Any

from workshop_lib.sandbox.server.guard import SERVED, Caller, Refusal, aws_error

# IAM action prefixes by SigV4 signing name (sso-admin's actions are sso:…).
ACTION_PREFIX = {"iam": "iam", "sts": "sts", "organizations": "organizations", "connect": "connect", "sso": "sso",
                 "identitystore": "identitystore"}
NO_PERMISSION_NEEDED = frozenset({"sts:GetCallerIdentity"})
_RESPONSE_CLASSES = {
    "iam": ("moto.iam.responses", "IamResponse"), "sts": ("moto.sts.responses", "TokenResponse"),
    "organizations": ("moto.organizations.responses", "OrganizationsResponse"),
    "sso": ("moto.ssoadmin.responses", "SSOAdminResponse"),
    "identitystore": ("moto.identitystore.responses", "IdentityStoreResponse"),
}


def issued_session(access_key_id: str) -> tuple[str, Any] | None:
    """(account, moto's AssumedRole) for temporary credentials this sandbox's STS issued."""
    from moto.sts.models import sts_backends

    for account, per_account in dict.items(sts_backends):
        for sts in dict.values(per_account):
            role = sts.get_assumed_role_from_access_key(access_key_id)
            if role is not None:
                return account, role
    return None


def user_access_key(access_key_id: str) -> Any:
    """The active access key of an IAM user made in this sandbox (CreateAccessKey), or None.

    Its requests are answered as that user's account (moto maps the key to it). They are not judged against the
    user's policies: only role sessions are (tests use such keys as a second account's administrator)."""
    from moto.iam.models import iam_backends

    for per_account in dict.values(iam_backends):
        for iam in dict.values(per_account):
            key = iam.access_keys.get(access_key_id)
            if key is not None and key.status == "Active" and not getattr(key, "role_arn", None):
                return key
    return None


# What each action is authorized against, from "Actions, resources, and condition keys for Amazon Connect"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonconnect.html): DescribeInstance
# and DeleteInstance take the instance resource type, arn:${Partition}:connect:${Region}:${Account}:instance/
# ${InstanceId}; ListInstances takes none, so only Resource "*" allows it. GetFederationToken is listed with the
# instance resource type and the connect:InstanceId key, and Connect authorizes it on the signed-in user inside the
# instance, <instance ARN>/user/${aws:userid}, the Resource of the policy the Connect Administrator Guide gives for
# SAML ("Configure SAML with IAM for Amazon Connect",
# https://docs.aws.amazon.com/connect/latest/adminguide/configure-saml.html); a policy on the instance ARN alone
# does not let an agent sign in (failure mode F9).
RESOURCES = {
    "connect:GetFederationToken": "{instance}/user/{userid}",
    "connect:DescribeInstance": "{instance}",
    "connect:DeleteInstance": "{instance}",
    "connect:ListInstances": "*",
}


def requested_resource(action: str, values: dict[str, Any], region: str, account: str,
                       userid: str) -> tuple[str | None, dict[str, str]]:
    """(the resource ARN the action is authorized against, or None where the sandbox does not model it; the
    request's policy variables and condition keys)."""
    context = {"aws:userid": userid} if userid else {}
    template = RESOURCES.get(action)
    if template is None:
        return None, context
    instance = str(values.get("InstanceId") or "")
    if instance.startswith("arn:"):  # Connect accepts the instance ARN where it takes an InstanceId
        instance_arn = instance
    else:
        from workshop_lib.errors import InputError
        from workshop_lib.rules.regions import partition_of

        try:
            partition = partition_of(region)
        except InputError:
            partition = "aws"
        instance_arn = f"arn:{partition}:connect:{region}:{account}:instance/{instance}"
    if instance:
        context["connect:instanceid"] = instance_arn.rsplit("/", 1)[-1]
    return template.format(instance=instance_arn, userid=userid), context


def session_refusal(caller: Caller, operation: Any, values: dict[str, Any] | None = None) -> Refusal | None:
    """AccessDenied when a role session's policies do not allow the operation on its resource; None otherwise."""
    if not caller.session_token or not caller.access_key_id:
        return None  # the sandbox's own credentials: the account's administrator
    action = f"{ACTION_PREFIX[caller.service]}:{operation.name}"
    if action in NO_PERMISSION_NEEDED:
        return None
    found = issued_session(caller.access_key_id)
    if found is None:
        return None
    account, session = found
    from workshop_lib.rules.policy_eval import decide, documents, evaluate
    from workshop_lib.sandbox.server.federation import role_policies, session_for_access_key

    federated = session_for_access_key(account, caller.access_key_id)
    resource, context = requested_resource(action, values or {}, caller.region, account,
                                           federated.userid if federated is not None else "")
    try:
        docs = documents(role_policies(account, session.role_arn))
    except Exception:  # a document the evaluator cannot read allows nothing it cannot see
        docs = []
    matches = evaluate(docs, action, resource, context)
    if decide(matches) is False:
        who = f"arn:aws:sts::{account}:assumed-role/{session.role_arn.rsplit('/', 1)[-1]}/{session.session_name}"
        on = f" on resource: {resource}" if resource not in (None, "*") else ""
        explicit = any(m.effect == "Deny" and m.applies is True for m in matches)
        why = ("with an explicit deny in an identity-based policy" if explicit
               else f"because no identity-based policy allows the {action} action")
        protocol = SERVED[caller.service]
        return aws_error(protocol, "AccessDenied" if protocol == "query" else "AccessDeniedException",
                         f"User: {who} is not authorized to perform: {action}{on} {why}", 403)
    return None


def unidentified(caller: Caller) -> Refusal | None:
    """A role session's request that names no operation of the service's model cannot be authorized, so it is not
    served (moto may still route a path the model does not, such as one with a trailing slash); None for others."""
    if not caller.session_token or not caller.access_key_id:
        return None
    protocol = SERVED[caller.service]
    return aws_error(protocol, "InvalidAction" if protocol == "query" else "UnknownOperationException",
                     "The request names no operation of this service, so it cannot be authorized for a role session.",
                     400)


def not_offered(service: str, operation_name: str) -> Refusal:
    protocol = SERVED[service]
    return aws_error(protocol, "InvalidAction" if protocol == "query" else "UnknownOperationException",
                     f"The workshop's sandbox does not offer {ACTION_PREFIX[service]}:{operation_name}: it simulates only "
                     "what the workshop uses. Try it on a real AWS account.", 400)


def unimplemented(service: str, operation: Any) -> Refusal | None:
    """Before dispatch, for query and JSON services: the operation has no handler in moto or the extensions."""
    spec = _RESPONSE_CLASSES.get(service)
    if spec is None:
        return None  # REST-JSON (Connect): known only after routing, see :func:`unanswered`
    import importlib

    from botocore import xform_name

    handler_class = getattr(importlib.import_module(spec[0]), spec[1])
    return None if hasattr(handler_class, xform_name(operation.name)) else not_offered(service, operation.name)


def unanswered(service: str, operation: Any, status: str, headers: list[tuple[str, str]]) -> Refusal | None:
    """After dispatch: moto's HTML 404 (no route) means the operation is not implemented."""
    if operation is None or not status.startswith("404"):
        return None
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    return not_offered(service, operation.name) if "html" in content_type else None


def corrected_status(status: str, chunks: list[bytes]) -> str:
    """AccessDenied is HTTP 403 wherever AWS answers it (IAM and STS common errors); moto sends 400 for codes its
    service model does not list, such as STS's AccessDenied from AssumeRoleWithSAML."""
    if status.startswith("400") and any(b"<Code>AccessDenied</Code>" in chunk for chunk in chunks):
        return "403 Forbidden"
    return status
