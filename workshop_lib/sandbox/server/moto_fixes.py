"""Where moto's own identifiers break the botocore model, so AWS's validation would refuse them back.

The sandbox validates every request against the model (:mod:`validate`), so an identifier moto made in a
shape AWS never uses would be refused when the learner sends it back. Each fix cites the shape it meets.
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
