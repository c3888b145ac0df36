"""Where moto's own identifiers break the botocore model, so AWS's validation would refuse them back.

The sandbox validates every request against the model (:mod:`validate`), so an identifier moto made in a
shape AWS never uses would be refused when the learner sends it back. Each fix cites the shape it meets.
Also the lookups moto repeats for every request that :func:`cache_lookups` makes once.
"""

from __future__ import annotations

from typing import Any


def _permission_set_arn(instance_arn: str) -> str:
    """``arn:aws:sso:::permissionSet/ssoins-…/ps-…`` (botocore sso-admin ``PermissionSetArn`` pattern,
    https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_PermissionSet.html); moto appends
    ``/ps-…`` to the instance ARN instead."""
    from moto.moto_api._internal import mock_random as random

    partition, _, rest = instance_arn.partition(":sso:::instance/")
    return f"{partition}:sso:::permissionSet/{rest}/ps-{random.get_random_string(length=16).lower()}"


def install() -> None:
    from moto.ssoadmin.models import PermissionSet

    PermissionSet.generate_id = staticmethod(_permission_set_arn)  # type: ignore[method-assign]


def cache_lookups() -> None:
    """Two lookups moto 5.2.5 repeats for every request, made once per server (its per-request cost was ~10 %):
    the dispatcher lists moto's package folder, a stat per service (``get_backend_for_host``), and ``call_action``
    lists a response class's methods with ``inspect.getmembers``. The folder does not change while the server
    runs; a class's method names change only when an extension adds one, which changes the size of its namespace."""
    from moto import backends
    from moto.core import responses

    if getattr(responses.method_names_from_class, "_workshop_cached", False):
        return
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]
    listed = responses.method_names_from_class
    names: dict[tuple[type, int], frozenset[str]] = {}

    def method_names_from_class(clazz: type) -> frozenset[str]:
        key = (clazz, len(vars(clazz)))
        if key not in names:
            names[key] = frozenset(listed(clazz))
        return names[key]

    method_names_from_class._workshop_cached = True  # type: ignore[attr-defined]
    responses.method_names_from_class = method_names_from_class  # type: ignore[assignment]


# Required members of the identity store's answers that moto 5.2.5 leaves out (the botocore model marks
# UserArn, GroupArn, MembershipArn and Revision required: API_User, API_Group, API_GroupMembership in
# https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/). Filled in from the model.
_ARN_KINDS = {"UserArn": ("UserId", "user"), "GroupArn": ("GroupId", "group"), "MembershipArn": ("MembershipId", "membership")}


def complete_answer(operation: Any, body: bytes) -> bytes:
    """The identity store's JSON answer with the required ARNs and revisions moto leaves out."""
    import json

    if operation is None or operation.output_shape is None or not body:
        return body
    try:
        answer = json.loads(body)
    except ValueError:
        return body
    if not isinstance(answer, dict) or not _complete(operation.output_shape, answer):
        return body
    return json.dumps(answer).encode("utf-8")


def _complete(shape: Any, value: Any) -> bool:
    changed = False
    if shape.type_name == "structure" and isinstance(value, dict):
        for name in shape.required_members:
            if value.get(name) is not None:
                continue
            if name in _ARN_KINDS and value.get(_ARN_KINDS[name][0]):
                ident = value[_ARN_KINDS[name][0]]
                value[name] = f"arn:aws:identitystore:::{_ARN_KINDS[name][1]}/{ident}"
                changed = True
            elif name == "Revision":
                value[name] = "1"
                changed = True
        for name, member in shape.members.items():
            if value.get(name) is not None:
                changed = _complete(member, value[name]) or changed
    elif shape.type_name == "list" and isinstance(value, list):
        for item in value:
            changed = _complete(shape.member, item) or changed
    return changed
