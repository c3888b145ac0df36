"""IAM and STS checks that moto skips: SAML metadata, duplicate providers, trust policies, strict SAML.

The metadata is judged by :func:`workshop_lib.saml.load_metadata` (the same code the doctor uses),
and ``AssumeRoleWithSAML`` by :mod:`workshop_lib.sandbox.server.aws_signin` (the same code the simulated
browser sign-in uses).
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from moto.core.responses import ActionResult

from workshop_lib.sandbox.server.awsapi import AwsError, account_of

PROVIDER_NAME_RE = re.compile(r"^[\w._-]{1,128}$")
PROVIDER_QUOTA = 100
_PRINCIPAL_KEYS = ("AWS", "Federated", "Service", "CanonicalUser")


def _iam(account: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"]


def check_metadata(document: str | None) -> Any:
    """The metadata report; InvalidInput "Could not parse metadata" when IAM would refuse it (F5)."""
    from workshop_lib.saml import load_metadata

    if not document:
        raise AwsError("InvalidInput", "Could not parse metadata")
    try:
        report = load_metadata(document.encode("utf-8"))
    except Exception:  # whatever the parser cannot read, IAM cannot either
        raise AwsError("InvalidInput", "Could not parse metadata") from None
    if not report.iam_ok:
        raise AwsError("InvalidInput", "Could not parse metadata")
    return report


def _apply_valid_until(provider: Any, report: Any) -> None:
    valid_until = getattr(report, "valid_until", None)
    if valid_until is not None:
        provider.valid_until = valid_until.replace(tzinfo=None)


def _wrap_create_saml_provider(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def create_saml_provider(self: Any) -> Any:
        iam = _iam(account_of(self))
        name = self._get_param("Name") or ""
        if not PROVIDER_NAME_RE.match(name):
            raise AwsError("ValidationError", "The specified value for name is invalid. It must contain only "
                                              "alphanumeric characters and/or the following: _.-")
        if name in iam.saml_providers:
            raise AwsError("EntityAlreadyExists", f"SAMLProvider {name} already exists.")
        if len(iam.saml_providers) >= PROVIDER_QUOTA:
            raise AwsError("LimitExceeded", f"Cannot exceed quota for SAMLProvidersPerAccount: {PROVIDER_QUOTA}")
        report = check_metadata(self._get_param("SAMLMetadataDocument"))
        encryption = _encryption_params(self)
        result = original(self)
        _apply_valid_until(iam.saml_providers[name], report)
        _apply_encryption(iam.saml_providers[name], *encryption)
        iam.saml_providers[name].tags = [dict(t) for t in self._get_param("Tags", []) or []]  # moto drops them
        return result

    return create_saml_provider


# ---- SAML provider tags (moto keeps none): CreateSAMLProvider's Tags, ListSAMLProviderTags, Tag/Untag ------

def _provider(self: Any) -> Any:
    return _iam(account_of(self)).get_saml_provider(self._get_param("SAMLProviderArn"))  # NoSuchEntity as IAM answers


def list_saml_provider_tags(self: Any) -> Any:
    return ActionResult({"Tags": list(getattr(_provider(self), "tags", [])), "IsTruncated": False})


def tag_saml_provider(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    provider = _provider(self)
    new = {t["Key"]: t["Value"] for t in self._get_param("Tags", []) or []}
    provider.tags = [t for t in getattr(provider, "tags", []) if t["Key"] not in new] + [{"Key": k, "Value": v} for k, v in new.items()]
    return EmptyResult()


def untag_saml_provider(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    provider = _provider(self)
    gone = set(self._get_param("TagKeys", []) or [])
    provider.tags = [t for t in getattr(provider, "tags", []) if t["Key"] not in gone]
    return EmptyResult()


def _wrap_get_saml_provider(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def get_saml_provider(self: Any) -> Any:
        result = original(self)
        tags = list(getattr(_provider(self), "tags", []))
        if tags and isinstance(getattr(result, "result", None), dict):
            result.result["Tags"] = tags
        return result

    return get_saml_provider


def _wrap_update_saml_provider(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def update_saml_provider(self: Any) -> Any:
        iam = _iam(account_of(self))
        provider = iam.get_saml_provider(self._get_param("SAMLProviderArn"))  # NoSuchEntity as IAM answers
        document = self._get_param("SAMLMetadataDocument")
        report = check_metadata(document) if document else None
        encryption = _encryption_params(self)
        result = original(self) if document else None
        if report is not None:
            _apply_valid_until(provider, report)
        _apply_encryption(provider, *encryption)
        if result is None:  # only the encryption settings changed: IAM answers with the provider's ARN
            return ActionResult({"SAMLProviderArn": provider.arn})
        return result

    return update_saml_provider


# ---- assertion encryption (botocore iam 2010-05-08: AssertionEncryptionMode, AddPrivateKey, RemovePrivateKey) --
# moto 5.2.5 ignores these; the provider keeps them as attributes moto's serializer returns from GetSAMLProvider
# (AssertionEncryptionMode, PrivateKeyList) and the private keys themselves, which IAM never returns.

ENCRYPTION_MODES = ("Required", "Allowed")
MAX_PRIVATE_KEYS = 2  # privateKeyList max 2


def _encryption_params(request: Any) -> tuple[str | None, str | None, str | None]:
    mode = request._get_param("AssertionEncryptionMode")
    if mode is not None and mode not in ENCRYPTION_MODES:
        raise AwsError("ValidationError", f"1 validation error detected: Value '{mode}' at 'assertionEncryptionMode' "
                                          "failed to satisfy constraint: Member must satisfy enum value set: "
                                          "[Required, Allowed]")
    key = request._get_param("AddPrivateKey")
    if key is not None:
        from workshop_lib.errors import SamlError
        from workshop_lib.saml.encryption import describe_private_key

        try:
            describe_private_key(key)
        except SamlError as exc:
            raise AwsError("InvalidInput", f"The private key is not valid: {exc.message}") from None
    return mode, key, request._get_param("RemovePrivateKey")


def _apply_encryption(provider: Any, mode: str | None, add: str | None, remove: str | None) -> None:
    import datetime as _dt
    import secrets
    import string

    keys = list(getattr(provider, "workshop_private_keys", []))  # [(KeyId, Timestamp, PEM)]
    if remove is not None:
        if not any(key_id == remove for key_id, _, _ in keys):
            raise AwsError("InvalidInput", f"The private key {remove} does not exist for this SAML provider.")
        keys = [k for k in keys if k[0] != remove]
    if add is not None:
        if len(keys) >= MAX_PRIVATE_KEYS:
            raise AwsError("LimitExceeded", f"A SAML provider can hold at most {MAX_PRIVATE_KEYS} private keys.")
        key_id = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(26))
        keys.append((key_id, _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None), add))
    provider.workshop_private_keys = keys
    provider.private_key_list = [{"KeyId": key_id, "Timestamp": when} for key_id, when, _ in keys]
    if mode is not None:
        provider.assertion_encryption_mode = mode


def check_trust_policy(account: str, document: str | None) -> None:
    """What IAM checks in a role's trust policy; MalformedPolicyDocument as IAM answers."""
    from moto.iam.policy_validation import IAMTrustPolicyDocumentValidator

    IAMTrustPolicyDocumentValidator(document or "").validate()  # JSON, version, actions, no Resource
    statements = json.loads(document or "{}").get("Statement")
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict):
            continue
        if "Principal" not in statement and "NotPrincipal" not in statement:
            raise AwsError("MalformedPolicyDocument", "Missing required field Principal")
        principal = statement.get("Principal", statement.get("NotPrincipal"))
        if principal == "*":
            continue
        if not isinstance(principal, dict) or not principal or any(k not in _PRINCIPAL_KEYS for k in principal):
            raise AwsError("MalformedPolicyDocument", f"Invalid principal in policy: {json.dumps(principal)}")
        federated = principal.get("Federated", [])
        for value in [federated] if isinstance(federated, str) else federated:
            if ":saml-provider/" in value and not _provider_exists(account, value):
                raise AwsError("MalformedPolicyDocument", f'Invalid principal in policy: "Federated":"{value}"')
        named = principal.get("AWS", [])
        for value in [named] if isinstance(named, str) else named:
            if isinstance(value, str) and not _aws_principal_exists(account, value):
                # A user or role that does not exist is refused when the policy is saved
                # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
                raise AwsError("MalformedPolicyDocument", f'Invalid principal in policy: "AWS":"{value}"')


def _aws_principal_exists(account: str, value: str) -> bool:
    """Whether an IAM user or role named in this account exists (other accounts and roots are not checked)."""
    prefix = f"arn:aws:iam::{account}:"
    if not value.startswith(prefix):
        return True
    kind, _, path_name = value[len(prefix):].partition("/")
    name = path_name.rsplit("/", 1)[-1]
    iam = _iam(account)
    if kind == "user":
        return name in iam.users
    if kind == "role":
        return any(role.name == name for role in iam.roles.values())
    return True


def _provider_exists(account: str, arn: str) -> bool:
    return any(p.arn == arn for p in _iam(account).list_saml_providers())


def _wrap_create_role(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def create_role(self: Any) -> Any:
        check_trust_policy(account_of(self), self._get_param("AssumeRolePolicyDocument"))
        return original(self)

    return create_role


def _wrap_update_assume_role_policy(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def update_assume_role_policy(self: Any) -> Any:
        check_trust_policy(account_of(self), self._get_param("PolicyDocument"))
        return original(self)

    return update_assume_role_policy


def _is_base64(text: str) -> bool:
    import base64
    import binascii

    try:
        base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return bool(text.strip())


def assume_role_with_saml(self: Any) -> Any:
    """AssumeRoleWithSAML judged as STS does (signature, issuer, audience, recipient, trust, names)."""
    from workshop_lib.sandbox.server import aws_signin

    account = account_of(self)
    assertion = self._get_param("SAMLAssertion") or ""
    if not _is_base64(assertion):
        # The API takes "The base64 encoded SAML authentication response provided by the IdP"
        # (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html), never raw XML.
        raise AwsError("InvalidIdentityToken", "The SAMLAssertion is not base64 encoded.")
    try:
        session = aws_signin.judge(
            account, assertion,
            role_arn=self._get_param("RoleArn"), principal_arn=self._get_param("PrincipalArn"),
            duration=self._get_param("DurationSeconds"), api=True,
        )
    except aws_signin.SignInRefused as refused:
        raise AwsError(refused.sts_code, refused.message) from None
    assumed = aws_signin.assume(account, session)
    return ActionResult({
        "Credentials": assumed,
        "AssumedRoleUser": {"AssumedRoleId": assumed.user_id, "Arn": assumed.arn},
        "PackedPolicySize": 0,
        "Subject": session.subject or "",
        "SubjectType": session.subject_type,
        "Issuer": session.issuer,
        "Audience": session.recipient,
        "NameQualifier": session.name_qualifier,
    })


def _validate_version(self: Any) -> None:
    """IAM accepts 2008-10-17 or no Version at all (policy variables then stay literal text); moto does not."""
    assert self._policy_json.get("Version", "2008-10-17") in ("2012-10-17", "2008-10-17")


def install() -> None:
    from moto.iam.policy_validation import BaseIAMPolicyValidator
    from moto.iam.responses import IamResponse
    from moto.sts.responses import TokenResponse

    BaseIAMPolicyValidator._validate_version = _validate_version  # type: ignore[method-assign]

    IamResponse.create_saml_provider = _wrap_create_saml_provider(IamResponse.create_saml_provider)
    IamResponse.update_saml_provider = _wrap_update_saml_provider(IamResponse.update_saml_provider)
    IamResponse.get_saml_provider = _wrap_get_saml_provider(IamResponse.get_saml_provider)
    IamResponse.list_saml_provider_tags = list_saml_provider_tags
    IamResponse.tag_saml_provider = tag_saml_provider
    IamResponse.untag_saml_provider = untag_saml_provider
    IamResponse.create_role = _wrap_create_role(IamResponse.create_role)
    IamResponse.update_assume_role_policy = _wrap_update_assume_role_policy(IamResponse.update_assume_role_policy)
    TokenResponse.assume_role_with_saml = assume_role_with_saml

    from workshop_lib.sandbox.server import ext_iam_rules

    ext_iam_rules.install()
