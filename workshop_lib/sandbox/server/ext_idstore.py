"""The identity store as AWS documents it, where moto is lenient: filters, reserved names, deletes of missing things.

Each rule cites the Identity Store API reference
(https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/).
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from workshop_lib.sandbox.server.awsapi import AwsError

# API_CreateUser / API_CreateGroup: "Administrator and AWSAdministrators are reserved names and can't be used
# for users or groups."
RESERVED_NAMES = frozenset({"administrator", "awsadministrators"})
# API_Filter: "UserName is a valid attribute path for the ListUsers API, and DisplayName is a valid attribute
# path for the ListGroups API."
FILTER_PATHS = {"list_users": "UserName", "list_groups": "DisplayName"}


def _store(backend: Any, store_id: str) -> Any:
    return backend._IdentityStoreBackend__get_identity_store(store_id)


def _check_filters(operation: str, filters: Any) -> None:
    allowed = FILTER_PATHS[operation]
    for item in filters or []:
        path = (item or {}).get("AttributePath")
        if path != allowed:
            raise AwsError("ValidationException", f"{path!r} is not a valid attribute path for "
                                                  f"{''.join(w.title() for w in operation.split('_'))}: "
                                                  f"filter on {allowed}.")


def _reserved(name: Any, what: str) -> None:
    if isinstance(name, str) and name.lower() in RESERVED_NAMES:
        raise AwsError("ValidationException", f"{name} is a reserved name and can't be used for {what}.")


def _wrap(original: Callable[..., Any], before: Callable[..., None]) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
        before(self, *args, **kwargs)
        return original(self, *args, **kwargs)

    wrapped._workshop = True  # type: ignore[attr-defined]
    return wrapped


def _list_users(self: Any, identity_store_id: str, filters: Any = None, **_: Any) -> None:
    _check_filters("list_users", filters)


def _list_groups(self: Any, identity_store_id: str, filters: Any = None, **_: Any) -> None:
    _check_filters("list_groups", filters)


def _create_user(self: Any, identity_store_id: str, user_name: Any = None, *args: Any, **kwargs: Any) -> None:
    _reserved(kwargs.get("user_name", user_name), "users")


def _create_group(self: Any, identity_store_id: str, display_name: Any = None, *args: Any, **kwargs: Any) -> None:
    _reserved(kwargs.get("display_name", display_name), "groups")


def _delete_user(self: Any, identity_store_id: str, user_id: str) -> None:
    # API_DeleteUser lists ResourceNotFoundException: deleting a user that is not there is an error.
    if user_id not in _store(self, identity_store_id).users:
        raise AwsError("ResourceNotFoundException", f"User with id {user_id} not found")


def _delete_group(self: Any, identity_store_id: str, group_id: str) -> None:
    if group_id not in _store(self, identity_store_id).groups:
        raise AwsError("ResourceNotFoundException", f"Group with id {group_id} not found")


def _delete_membership(self: Any, identity_store_id: str, membership_id: str) -> None:
    if membership_id not in _store(self, identity_store_id).group_memberships:
        raise AwsError("ResourceNotFoundException", f"GroupMembership with id {membership_id} not found")


def _list_memberships(self: Any, identity_store_id: str, group_id: str, *args: Any, **kwargs: Any) -> None:
    # API_ListGroupMemberships lists ResourceNotFoundException: a missing group is not an empty one.
    if group_id not in _store(self, identity_store_id).groups:
        raise AwsError("ResourceNotFoundException", f"Group with id {group_id} not found")


def _no_empty_external_ids(original: Callable[..., Any]) -> Callable[..., Any]:
    """Groups made without external IDs have none (the Group shape's ExternalIds has at least one item)."""

    @functools.wraps(original)
    def create_group(self: Any, identity_store_id: str, *args: Any, **kwargs: Any) -> Any:
        group_id, store_id = original(self, identity_store_id, *args, **kwargs)
        groups = _store(self, identity_store_id).groups
        if not groups[group_id].ExternalIds:
            groups[group_id] = groups[group_id]._replace(ExternalIds=None)
        return group_id, store_id

    return create_group


def _describe_without_empty_external_ids(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def describe_group(self: Any, *args: Any, **kwargs: Any) -> Any:
        group = original(self, *args, **kwargs)
        return group if group.ExternalIds else group._replace(ExternalIds=None)

    return describe_group


def install() -> None:
    from moto.identitystore.models import IdentityStoreBackend

    if getattr(IdentityStoreBackend.delete_user, "_workshop", False):
        return
    backend = IdentityStoreBackend
    backend.list_users = _wrap(backend.list_users, _list_users)  # type: ignore[method-assign]
    backend.list_groups = _wrap(backend.list_groups, _list_groups)  # type: ignore[method-assign]
    backend.create_user = _wrap(backend.create_user, _create_user)  # type: ignore[method-assign]
    backend.create_group = _wrap(_no_empty_external_ids(backend.create_group), _create_group)  # type: ignore[method-assign]
    backend.describe_group = _describe_without_empty_external_ids(backend.describe_group)  # type: ignore[method-assign]
    backend.delete_user = _wrap(backend.delete_user, _delete_user)  # type: ignore[method-assign]
    backend.delete_group = _wrap(backend.delete_group, _delete_group)  # type: ignore[method-assign]
    backend.delete_group_membership = _wrap(backend.delete_group_membership, _delete_membership)  # type: ignore[method-assign]
    backend.list_group_memberships = _wrap(backend.list_group_memberships, _list_memberships)  # type: ignore[method-assign]
