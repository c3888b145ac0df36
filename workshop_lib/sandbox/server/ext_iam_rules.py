"""IAM rules moto skips, as the IAM API reference and User Guide state them.

- DeletePolicy refuses a policy that is attached, or that has versions besides the default
  (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicy.html: "Before you can delete a managed
  policy, you must first detach the policy from all users, groups, and roles that it is attached to. In
  addition, you must delete all the policy's versions.").
- DeleteSAMLProvider of a provider that does not exist is NoSuchEntity
  (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteSAMLProvider.html).
- An identity-based policy has no Principal
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html: "You cannot use
  the Principal element in an identity-based policy").
- AWS managed policies can be attached (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html);
  moto knows them only when it loads all of them, so the one asked for is loaded from moto's bundled copy.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Callable

from workshop_lib.sandbox.server.awsapi import AwsError, account_of

AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"


def _iam(account: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"]


def _policy(account: str, arn: str) -> Any:
    return _iam(account).managed_policies.get(arn)


def check_identity_policy(document: str | None) -> None:
    """MalformedPolicyDocument when an identity-based policy names a Principal, as IAM answers."""
    try:
        statements = json.loads(document or "{}").get("Statement")
    except (ValueError, AttributeError):
        return  # moto's own validator answers malformed JSON
    for statement in statements if isinstance(statements, list) else [statements]:
        if isinstance(statement, dict) and ("Principal" in statement or "NotPrincipal" in statement):
            raise AwsError("MalformedPolicyDocument", "Policy document should not specify a principal.")


def _before(original: Callable[[Any], Any], check: Callable[[Any], None]) -> Callable[[Any], Any]:
    @functools.wraps(original)
    def handler(self: Any) -> Any:
        check(self)
        return original(self)

    handler._workshop = True  # type: ignore[attr-defined]
    return handler


def _delete_policy(self: Any) -> None:
    policy = _policy(account_of(self), self._get_param("PolicyArn") or "")
    if policy is None:
        return  # moto answers NoSuchEntity
    if policy.attachment_count > 0:
        raise AwsError("DeleteConflict", "Cannot delete a policy attached to entities.")
    if len(policy.versions) > 1:
        raise AwsError("DeleteConflict", "This policy has more than one version. Before you delete a policy, you must "
                                         "delete the policy's versions. The default version is deleted with the policy.")


def _delete_saml_provider(self: Any) -> None:
    arn = self._get_param("SAMLProviderArn") or ""
    if not any(p.arn == arn for p in _iam(account_of(self)).list_saml_providers()):
        raise AwsError("NoSuchEntity", f"Manifest not found for arn {arn}")


def _attach_policy(self: Any) -> None:
    arn = self._get_param("PolicyArn") or ""
    if arn.startswith(AWS_MANAGED_PREFIX):
        load_aws_managed_policy(account_of(self), arn)


def load_aws_managed_policy(account: str, arn: str) -> None:
    """Put the AWS managed policy ``arn`` into the account's IAM, from moto's bundled copy, if AWS has it."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy

    iam = _iam(account)
    if arn in iam.managed_policies:
        return
    name = arn.rsplit("/", 1)[-1]
    data = _managed_data(aws_managed_policies_data).get(name)
    if data is None:
        return  # moto answers NoSuchEntity, as IAM does for a policy that does not exist
    policy = AWSManagedPolicy.from_data(name, account, "us-east-1", data)
    if policy.arn == arn:
        iam.managed_policies[arn] = policy


@functools.lru_cache(maxsize=1)
def _managed_data(text: str) -> dict[str, Any]:
    return json.loads(text)


def install() -> None:
    from moto.iam.responses import IamResponse

    if getattr(IamResponse.delete_policy, "_workshop", False):
        return
    IamResponse.delete_policy = _before(IamResponse.delete_policy, _delete_policy)  # type: ignore[method-assign]
    IamResponse.delete_saml_provider = _before(IamResponse.delete_saml_provider, _delete_saml_provider)  # type: ignore[method-assign]
    for name in ("attach_role_policy", "attach_user_policy", "attach_group_policy"):
        setattr(IamResponse, name, _before(getattr(IamResponse, name), _attach_policy))
    for name, param in (("create_policy", "PolicyDocument"), ("create_policy_version", "PolicyDocument"),
                        ("put_role_policy", "PolicyDocument"), ("put_user_policy", "PolicyDocument"),
                        ("put_group_policy", "PolicyDocument")):
        setattr(IamResponse, name, _before(getattr(IamResponse, name),
                                           lambda self, p=param: check_identity_policy(self._get_param(p))))
