"""STS role sessions in the sandbox, as AWS documents them, through the real server.

- AssumeRoleWithSAML redeems a SAML response only within 5 minutes of its IssueInstant (ExpiredTokenException).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from saml_helpers import make_idp
from sandbox_seed import trust_policy

pytestmark = pytest.mark.sandbox


def _code(caught) -> str:
    return caught.value.response["Error"]["Code"]


# ---- 5-minute redemption ----------------------------------------------------------------------------

@pytest.fixture()
def own_idp(aws):
    """An IdP the test is: its metadata in an IAM SAML provider, a role that trusts it (the workshop's trust policy)."""
    idp = make_idp("redeem")
    iam = aws("iam")
    provider = iam.create_saml_provider(Name="RedeemTestIdP", SAMLMetadataDocument=idp.metadata().decode())["SAMLProviderArn"]
    role = iam.create_role(RoleName="RedeemTestRole", AssumeRolePolicyDocument=json.dumps(trust_policy(provider)))["Role"]
    return idp, provider, role["Arn"]


def _issued(idp, provider: str, role: str, minutes_ago: float) -> str:
    """A signed response issued ``minutes_ago``, whose NotOnOrAfter is still an hour away: only its age can fail it."""
    now = datetime.now(timezone.utc)
    issued = now - timedelta(minutes=minutes_ago)
    xml = idp.response(sign="both", now=issued, roles=[f"{role},{provider}"], not_on_or_after=now + timedelta(hours=1))
    return base64.b64encode(xml).decode()


def test_a_saml_response_is_redeemed_only_within_5_minutes_of_its_issue(aws, own_idp):
    idp, provider, role = own_idp
    sts = aws("sts")
    fresh = sts.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=_issued(idp, provider, role, 4))
    assert fresh["AssumedRoleUser"]["Arn"].endswith(":assumed-role/RedeemTestRole/agent.one@example.com")
    with pytest.raises(ClientError) as caught:
        sts.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=_issued(idp, provider, role, 6))
    assert _code(caught) == "ExpiredTokenException"
    assert caught.value.response["Error"]["Message"] == "Token must be redeemed within 5 minutes of issuance"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # Half a minute past the limit is past it: no clock-skew allowance is documented for this rule.
    with pytest.raises(ClientError) as caught:
        sts.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=_issued(idp, provider, role, 5.5))
    assert _code(caught) == "ExpiredTokenException"

