"""Whose is it? The workshop changes and deletes only what carries its tag with this settings file's owner id.

Every resource AWS can tag (IAM roles, policies and SAML providers, the Connect instance and its users) is
tagged ``connect-sso-workshop = <owner id>`` when the workshop creates it; the owner id is made once per
settings file, so two attendees sharing an account never own each other's resources. A resource with the
workshop's name but without that tag is someone else's: the step stops and names it (``NotOurs``), unless the
learner chose to use it as it is (``adopt``), in which case it is read and checked but never modified.
Identity Center users and groups carry no tags: the ledger's origin ("created", "found") stands in for one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional

from workshop_lib.errors import WorkshopError

if TYPE_CHECKING:
    from workshop_lib.context import Context

TAG_KEY = "connect-sso-workshop"
LEGACY_TAG_VALUE = "workshop"  # before owner ids: proves nothing alone, only with the ledger's own ID for it

# The ledger's kinds in a learner's words.
KIND_WORDS = {
    "connect.instance": "Amazon Connect instance",
    "connect.user": "Amazon Connect user",
    "iam.role": "IAM role",
    "iam.policy": "IAM policy",
    "iam.saml_provider": "IAM SAML identity provider",
    "identitystore.user": "Identity Center user",
    "identitystore.group": "Identity Center group",
    "identitystore.membership": "group membership",
    "sso.assignment": "application assignment",
    "sso.application": "Identity Center application",
    "organizations.organization": "Organization",
}


def words(kind: str) -> str:
    return KIND_WORDS.get(kind, kind)


class NotOurs(WorkshopError):
    """A resource with the workshop's name that this settings file did not make: never changed, never deleted."""

    kind = "not-ours"

    def __init__(self, kind: str, name: str, why: str = "") -> None:
        self.resource_kind, self.resource_name = kind, name
        self.adopt_key = f"{kind}:{name}"
        why = why or "it does not carry the workshop's tag with your owner id"
        super().__init__(
            f"The {words(kind)} {name!r} already exists in this account and is not the workshop's ({why}), "
            "so the workshop will not change it.",
            fix="Either choose a name prefix in 00_start_here (for example your initials) so the workshop makes its own, "
            f"or, if it is meant for this workshop, use it as it is: press 'Use it as it is' on this card "
            f"(CLI: --adopt {self.adopt_key}). It is then only read and checked, never changed or deleted.",
            code="not-ours",
        )


class ChangeNeeded(WorkshopError):
    """A resource used as it is needs a change the workshop will not make: the exact change, for the learner."""

    kind = "change-needed"

    def __init__(self, kind: str, name: str, change: str, expected: str = "") -> None:
        self.expected = expected
        super().__init__(
            f"You chose to use the {words(kind)} {name!r} as it is, so the workshop does not change it, but it needs a change: {change}",
            fix="Make that change yourself (or ask its owner), then run this step again." + (f" The exact value: {expected}" if expected else ""),
            code="change-needed",
        )


def owner_id(ctx: "Context") -> str:
    """This settings file's owner id (made and saved on first use)."""
    s = ctx.settings
    if s.owner_id:
        return s.owner_id
    with ctx.update() as s:
        pass  # saving makes one
    return ctx.settings.owner_id


def tags_list(ctx: "Context") -> list[dict[str, str]]:
    """The workshop tag as IAM takes it."""
    return [{"Key": TAG_KEY, "Value": owner_id(ctx)}]


def tags_map(ctx: "Context") -> dict[str, str]:
    """The workshop tag as Amazon Connect takes it."""
    return {TAG_KEY: owner_id(ctx)}


def tag_owner(tags: Optional[Iterable[Any] | Mapping[str, str]]) -> Optional[str]:
    """The owner id in a resource's tags (IAM's list of Key/Value, or Connect's map), or None."""
    if not tags:
        return None
    if isinstance(tags, Mapping):
        return tags.get(TAG_KEY)
    for tag in tags:
        if isinstance(tag, Mapping) and tag.get("Key") == TAG_KEY:
            return tag.get("Value")
    return None


def is_ours(ctx: "Context", tags: Optional[Iterable[Any] | Mapping[str, str]]) -> bool:
    return tag_owner(tags) == owner_id(ctx)


def why_not_ours(ctx: "Context", tags: Optional[Iterable[Any] | Mapping[str, str]]) -> str:
    other = tag_owner(tags)
    if other is None:
        return "it has no connect-sso-workshop tag"
    return f"it belongs to another workshop attendee (owner {other}, yours is {owner_id(ctx)})"


def adopted(ctx: "Context", kind: str, name: str) -> bool:
    return ctx.settings.is_adopted(kind, name)


def adopt(ctx: "Context", key: str) -> str:
    """Remember the learner's choice to use ``kind:name`` as it is; returns the key. Never changes the resource."""
    kind, sep, name = key.partition(":")
    if not sep or kind not in KIND_WORDS or not name:
        from workshop_lib.errors import InputError

        raise InputError(f"{key!r} does not name a resource as KIND:NAME.", fix="Use the value the step card shows, for example iam.role:AmazonConnectAgentAccessRole.")
    with ctx.update() as s:
        if key not in s.adopt:
            s.adopt.append(key)
    return key


def ownership(ctx: "Context", kind: str, name: str, tags: Any, *, resource_id: str = "") -> str:
    """'ours' for our tag, 'adopted' when the learner chose to use it as it is; otherwise raises NotOurs.

    A resource tagged by a version before owner ids (value "workshop") is ours only when the ledger recorded
    this very resource (the same RoleId or PolicyId) as created: the tag alone proves nothing.
    """
    if is_ours(ctx, tags):
        return "ours"
    if tag_owner(tags) == LEGACY_TAG_VALUE and resource_id:
        entry = ctx.settings.find(kind, name)
        if entry is not None and entry.origin == "created" and entry.id == resource_id:
            return "ours"
    if adopted(ctx, kind, name):
        return "adopted"
    raise NotOurs(kind, name, why_not_ours(ctx, tags))
