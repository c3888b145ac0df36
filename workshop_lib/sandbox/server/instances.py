"""The Connect instance store: moto's instances and the sandbox's extras for each, in one place.

Both the Connect API extension (:mod:`ext_connect`) and Connect's side of federation
(:mod:`federation`) find instances here, so neither imports the other.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from workshop_lib.sandbox.server.awsapi import AwsError, now
from workshop_lib.sandbox.server.backend import ConnectInstanceExtras, RoutingProfile, SecurityProfile, backend

DEFAULT_SECURITY_PROFILES = {
    "Admin": "Grants all permissions.",
    "Agent": "Grants permissions to use the Contact Control Panel.",
    "CallCenterManager": "Grants permissions to manage users, metrics and routing.",
    "QualityAnalyst": "Grants permissions to view metrics and listen to recordings.",
}
DEFAULT_ROUTING_PROFILE = "Basic Routing Profile"


def moto_backend(account: str, region: str) -> Any:
    from moto.connect.models import connect_backends

    return connect_backends[account][region]


def instance_id_of(value: str) -> str:
    """Connect accepts the instance ID or its ARN wherever an InstanceId is asked for."""
    value = value or ""
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def find_instance(account: str, region: str, instance_id: str) -> tuple[Any, ConnectInstanceExtras]:
    """The moto instance and its extras; ResourceNotFoundException as Connect answers."""
    ident = instance_id_of(instance_id)
    moto_instance = moto_backend(account, region).instances.get(ident)
    if moto_instance is None:
        raise AwsError("ResourceNotFoundException", f"Instance not found: {instance_id}")
    extras = backend(account, region).connect.get(ident)
    if extras is None:  # made before the sandbox knew it (never in practice); give it the defaults
        extras = new_extras(account, region, moto_instance, ready_at=0.0)
    settle(moto_instance, extras)
    return moto_instance, extras


def settle(moto_instance: Any, extras: ConnectInstanceExtras) -> None:
    if moto_instance.instance_status == "CREATION_IN_PROGRESS" and time.time() >= extras.ready_at:
        moto_instance.instance_status = "ACTIVE"


def active_instance(account: str, region: str, instance_id: str) -> tuple[Any, ConnectInstanceExtras]:
    moto_instance, extras = find_instance(account, region, instance_id)
    if moto_instance.instance_status != "ACTIVE":
        raise AwsError(
            "InvalidRequestException",
            f"The instance {moto_instance.id} is {moto_instance.instance_status}; wait until describe_instance "
            "reports ACTIVE.",
        )
    return moto_instance, extras


def new_extras(account: str, region: str, moto_instance: Any, *, ready_at: float) -> ConnectInstanceExtras:
    extras = ConnectInstanceExtras(instance_id=moto_instance.id, ready_at=ready_at)
    stamp = now()
    for name, description in DEFAULT_SECURITY_PROFILES.items():
        ident = str(uuid.uuid4())
        extras.security_profiles[ident] = SecurityProfile(
            ident, f"{moto_instance.arn}/security-profile/{ident}", name, description, moto_instance.id, stamp
        )
    ident = str(uuid.uuid4())
    extras.routing_profiles[ident] = RoutingProfile(
        ident, f"{moto_instance.arn}/routing-profile/{ident}", DEFAULT_ROUTING_PROFILE,
        "Default routing profile", moto_instance.id, stamp,
    )
    backend(account, region).connect[moto_instance.id] = extras
    return extras
