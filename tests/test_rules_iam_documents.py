"""IAM documents: the workshop's policy and trust policy, their checkers (F2, F9, F13) and the sign-in decision."""

import json
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workshop_lib.errors import InputError
from workshop_lib.findings import Severity
from workshop_lib.rules.iam_documents import (
    allows_federation,
    federation_policy,
    federation_policy_findings,
    policy_json,
    saml_audiences,
    saml_trust_policy,
    trust_policy_findings,
)

ACCOUNT = "123456789012"
ID = "178c75e4-b3de-4839-a6aa-e321ab3f3770"
OTHER_ID = "6b1e1a3c-3c8e-4f49-9e1e-0a1f2b3c4d5e"
ARN = f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{ID}"
OTHER_ARN = f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{OTHER_ID}"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/AmazonConnectAgentAccess"
ADMIN_PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/AmazonConnectAdminAccess"
GLOBAL = "https://signin.aws.amazon.com/saml"
REGIONAL = "https://us-east-1.signin.aws.amazon.com/saml"
USERID = "AROAEXAMPLEROLEID0002:agent1@connect-workshop.com"


def policy(resource, action="connect:GetFederationToken", version="2012-10-17", effect="Allow", **extra):
    doc = {"Statement": [{"Effect": effect, "Action": action, "Resource": resource, **extra}]}
    if version:
        doc["Version"] = version
    return doc


def trust(principal=None, action="sts:AssumeRoleWithSAML", condition=None, version="2012-10-17", effect="Allow"):
    statement = {"Effect": effect, "Principal": principal or {"Federated": PROVIDER}, "Action": action}
    if condition is not None:
        statement["Condition"] = condition
    doc = {"Statement": [statement]}
    if version:
        doc["Version"] = version
    return doc


# ---------------------------------------------------------------- builders

def test_federation_policy_matches_the_workshop_exactly():
    assert federation_policy(ARN) == {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "Statement1",
            "Effect": "Allow",
            "Action": "connect:GetFederationToken",
            "Resource": [ARN + "/user/" + "${aws:userid}"],
        }],
    }


def test_policy_json_keeps_the_userid_variable_literal():
    text = policy_json(federation_policy(ARN))
    assert "/user/${aws:userid}" in text
    assert json.loads(text) == federation_policy(ARN)
    assert text.startswith("{\n  ")


def test_federation_policy_needs_the_instance_arn_not_the_id():
    with pytest.raises(InputError, match="is an instance ID, but the policy needs the full instance ARN"):
        federation_policy(ID)


def test_federation_policy_for_govcloud_keeps_the_partition():
    gov = f"arn:aws-us-gov:connect:us-gov-west-1:{ACCOUNT}:instance/{ID}"
    assert federation_policy(gov)["Statement"][0]["Resource"] == [gov + "/user/${aws:userid}"]


@pytest.mark.parametrize(
    ("region", "audiences"),
    [
        ("us-east-1", [GLOBAL, REGIONAL]),
        ("eu-west-2", [GLOBAL, "https://eu-west-2.signin.aws.amazon.com/saml"]),
        ("us-gov-west-1", ["https://signin.amazonaws-us-gov.com/saml", "https://us-gov-west-1.signin.amazonaws-us-gov.com/saml"]),
    ],
)
def test_saml_audiences_are_global_and_regional_per_partition(region, audiences):
    assert saml_audiences(region) == audiences


def test_saml_audiences_reject_unsupported_partitions():
    with pytest.raises(InputError, match="cn-north-1 is in the aws-cn partition"):
        saml_audiences("cn-north-1")


def test_saml_trust_policy_trusts_the_provider_for_both_audiences():
    assert saml_trust_policy(PROVIDER, "us-east-1") == {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": PROVIDER},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": [GLOBAL, REGIONAL]}},
        }],
    }


@pytest.mark.parametrize(
    ("provider", "region", "expected"),
    [
        ("AmazonConnectAgentAccess", "us-east-1", "is not an IAM SAML provider ARN"),
        (PROVIDER, "us-gov-west-1", "are in different partitions"),
    ],
)
def test_saml_trust_policy_rejects_bad_input(provider, region, expected):
    with pytest.raises(InputError, match=expected):
        saml_trust_policy(provider, region)


# ---------------------------------------------------------------- trust policy findings

def test_trust_policy_findings_accept_the_generated_policy():
    assert trust_policy_findings(saml_trust_policy(PROVIDER, "us-east-1"), PROVIDER, [GLOBAL, REGIONAL]) == []


def test_trust_policy_findings_accept_json_text_and_url_encoded_json():
    text = policy_json(saml_trust_policy(PROVIDER, "us-east-1"))
    assert trust_policy_findings(text, PROVIDER, [GLOBAL]) == []
    assert trust_policy_findings(quote(text), PROVIDER, [GLOBAL]) == []


def test_trust_policy_with_only_the_global_audience_fails_at_the_regional_acs_as_f13():
    console_made = trust(condition={"StringEquals": {"SAML:aud": GLOBAL}})
    assert trust_policy_findings(console_made, PROVIDER, [GLOBAL]) == []
    findings = trust_policy_findings(console_made, PROVIDER, [GLOBAL, REGIONAL])
    assert [(f.code, f.severity) for f in findings] == [("F13", Severity.ERROR)]
    assert f"does not include {REGIONAL}, the regional sign-in endpoint in use" in findings[0].message
    assert findings[0].expected == REGIONAL


def test_trust_policy_missing_the_global_audience_is_f2():
    findings = trust_policy_findings(trust(condition={"StringEquals": {"SAML:aud": REGIONAL}}), PROVIDER, [GLOBAL])
    assert [(f.code, f.severity) for f in findings] == [("F2", Severity.ERROR)]
    assert "the global sign-in endpoint in use" in findings[0].message


@pytest.mark.parametrize(
    "doc",
    [
        trust(action="sts:*"),
        trust(action=["sts:AssumeRole", "sts:AssumeRoleWithSAML"]),
        trust(action="*"),
        trust(action="STS:assumerolewithsaml"),
        trust(condition={"StringLike": {"saml:aud": "https://*signin.aws.amazon.com/saml"}}),
        trust(principal={"Federated": [ADMIN_PROVIDER, PROVIDER]}),
        {"Version": "2012-10-17", "Statement": trust()["Statement"][0]},
    ],
)
def test_trust_policy_findings_accept_equivalent_forms(doc):
    assert trust_policy_findings(doc, PROVIDER, [GLOBAL, REGIONAL]) == []


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ("{not json", "The policy is not valid JSON"),
        ("[1, 2]", "is JSON but not an object"),
        (trust(action="sts:AssumeRole"), "No statement in the trust policy allows sts:AssumeRoleWithSAML"),
        (trust(principal={"Federated": ADMIN_PROVIDER}), f"trusts {ADMIN_PROVIDER}, not the provider {PROVIDER}"),
        (trust(principal={"Federated": PROVIDER.lower()}), "differs only in upper and lower case"),
        (trust(principal={"Service": "connect.amazonaws.com"}), "trusts no SAML provider"),
    ],
)
def test_trust_policy_findings_say_what_is_wrong(doc, expected):
    findings = trust_policy_findings(doc, PROVIDER, [GLOBAL])
    assert any(expected in f.message for f in findings if f.severity is Severity.ERROR), findings
    assert all(f.code == "F2" and f.fix for f in findings)


def test_trust_policy_without_version_gets_a_warning():
    findings = trust_policy_findings(trust(version=None), PROVIDER, [GLOBAL])
    assert [(f.code, f.severity) for f in findings] == [("F2", Severity.WARNING)]
    assert "Version is missing" in findings[0].message


def test_trust_policy_with_an_explicit_deny_is_f2():
    doc = trust()
    doc["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRoleWithSAML", "Sid": "NoSaml"})
    findings = trust_policy_findings(doc, PROVIDER, [GLOBAL, REGIONAL])
    assert [(f.code, f.severity) for f in findings] == [("F2", Severity.ERROR)]
    assert "statement NoSaml explicitly denies sts:AssumeRoleWithSAML" in findings[0].message


def test_trust_policy_with_a_condition_it_cannot_evaluate_asks_to_check_by_eye():
    doc = trust(condition={"StringEquals": {"SAML:aud": GLOBAL, "SAML:sub_type": "persistent"}})
    findings = trust_policy_findings(doc, PROVIDER, [GLOBAL])
    assert [(f.code, f.severity) for f in findings] == [("F2", Severity.INFO)]
    assert "SAML:sub_type" in findings[0].message


# ---------------------------------------------------------------- federation policy findings

@pytest.mark.parametrize(
    "doc",
    [
        federation_policy(ARN),
        policy("*"),
        policy(ARN + "/*"),
        policy(ARN + "/user/*"),
        policy([OTHER_ARN + "/user/${aws:userid}", ARN + "/user/${aws:userid}"]),
        policy(ARN + "/user/${aws:userid}", action="connect:*"),
        policy(ARN + "/user/${aws:userid}", action="connect:getfederationtoken"),
        policy("*", Condition={"StringEquals": {"connect:InstanceId": ID}}),
        json.dumps(federation_policy(ARN)),
    ],
)
def test_federation_policy_findings_accept_allowing_policies(doc):
    assert federation_policy_findings(doc, ARN) == []


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ("not json", "The policy is not valid JSON"),
        (policy(ARN + "/user/${aws:userid}", action="connect:DescribeUser"), "No statement in the policy allows connect:GetFederationToken"),
        (policy(ARN + "/user/${aws:userid}", version=None), "Version is missing, so IAM treats ${aws:userid} as literal text"),
        (policy(ARN + "/user/${aws:userid}", version="2008-10-17"), "Version is '2008-10-17', so IAM treats ${aws:userid} as literal"),
        (policy(ARN + "/user/${aws:userid}", version="2012-10-18"), "IAM accepts only 2012-10-17 or 2008-10-17"),
        (policy(OTHER_ARN + "/user/${aws:userid}"), f"is for another instance ({OTHER_ARN})"),
        (policy(ARN.replace("us-east-1", "eu-west-2") + "/user/${aws:userid}"), "is for another instance"),
        (policy(ARN), "is the instance ARN itself"),
        (policy(ARN + "/user/"), "has lost the ${aws:userid} variable"),
        (policy(ARN + "/user/{aws:userid}"), "has lost the ${aws:userid} variable"),
        (policy(ARN + "/user/$aws:userid"), "has lost the ${aws:userid} variable"),
        (policy(ARN + "/queue/*"), "which does not cover " + ARN + "/user/${aws:userid}"),
        (policy("*", Condition={"StringEquals": {"connect:InstanceId": OTHER_ID}}), "its Condition does not hold"),
    ],
)
def test_federation_policy_findings_say_what_is_wrong(doc, expected):
    findings = federation_policy_findings(doc, ARN)
    errors = [f.message for f in findings if f.severity is Severity.ERROR]
    assert any(expected in m for m in errors), errors
    assert all(f.code == "F9" and f.fix for f in findings)


def test_federation_policy_findings_give_the_workshop_policy_as_expected():
    findings = federation_policy_findings(policy(OTHER_ARN + "/user/${aws:userid}"), ARN)
    assert json.loads(findings[0].expected) == federation_policy(ARN)


def test_federation_policy_without_version_but_a_wildcard_resource_only_warns():
    findings = federation_policy_findings(policy("*", version=None), ARN)
    assert [f.severity for f in findings] == [Severity.WARNING]


def test_federation_policy_with_an_explicit_deny_is_f9():
    doc = federation_policy(ARN)
    doc["Statement"].append({"Sid": "Lockdown", "Effect": "Deny", "Action": "connect:*", "Resource": "*"})
    findings = federation_policy_findings(doc, ARN)
    assert [(f.code, f.severity) for f in findings] == [("F9", Severity.ERROR)]
    assert "statement Lockdown explicitly denies connect:GetFederationToken" in findings[0].message


def test_federation_policy_with_an_unevaluable_condition_asks_to_check_by_eye():
    doc = policy("*", Condition={"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}})
    findings = federation_policy_findings(doc, ARN)
    assert [f.severity for f in findings] == [Severity.INFO]
    assert "aws:SourceIp" in findings[0].message


# ---------------------------------------------------------------- allows_federation

def test_allows_federation_for_the_workshop_policy():
    assert allows_federation(federation_policy(ARN), ARN, USERID)


def test_allows_federation_refuses_another_instance():
    assert not allows_federation(federation_policy(OTHER_ARN), ARN, USERID)


def test_allows_federation_without_version_treats_the_variable_as_literal():
    doc = policy(ARN + "/user/${aws:userid}", version=None)
    assert not allows_federation(doc, ARN, USERID)
    assert allows_federation(doc, ARN, "${aws:userid}")


@pytest.mark.parametrize(
    ("resource", "allowed"),
    [
        ("*", True),
        (ARN + "/*", True),
        (ARN + "/user/AROAEXAMPLEROLEID0002:*", True),
        (ARN + "/user/AROAEXAMPLEROLEID000?:agent1@connect-workshop.com", True),
        (ARN + "/user/AROAEXAMPLEROLEID0003:*", False),
        (ARN + "/user/[A]*", False),
        (ARN.upper() + "/user/*", False),
        ("arn:aws:connect:*:" + ACCOUNT + ":instance/*", True),
        ("arn:aws:connect:us-east-1:" + ACCOUNT + ":instance/" + ID + "/user/${aws:userid}/extra", False),
    ],
)
def test_allows_federation_matches_resources_like_iam(resource, allowed):
    assert allows_federation(policy(resource), ARN, USERID) is allowed


def test_allows_federation_honours_not_resource():
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "connect:GetFederationToken", "NotResource": OTHER_ARN + "/*"}]}
    assert allows_federation(doc, ARN, USERID)
    assert not allows_federation(doc, OTHER_ARN, USERID)


def test_allows_federation_lets_a_deny_in_another_policy_win():
    deny = policy("*", effect="Deny")
    assert not allows_federation([federation_policy(ARN), deny], ARN, USERID)
    assert allows_federation([federation_policy(ARN), json.dumps(policy("*", action="s3:*", effect="Deny"))], ARN, USERID)


def test_allows_federation_evaluates_string_conditions_with_variables():
    doc = policy("*", Condition={"StringLike": {"aws:userid": "AROAEXAMPLEROLEID0002:*"}})
    assert allows_federation(doc, ARN, USERID)
    assert not allows_federation(doc, ARN, "AROAOTHER:agent1@connect-workshop.com")
    doc = policy("*", Condition={"StringEquals": {"aws:userid": "${aws:userid}"}})
    assert allows_federation(doc, ARN, USERID)


def test_allows_federation_fails_closed_on_conditions_it_cannot_evaluate():
    doc = policy("*", Condition={"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}})
    assert not allows_federation(doc, ARN, USERID)
    assert allows_federation(doc, ARN, USERID, context={"aws:SourceIp": "192.0.2.7"}) is False  # IpAddress unsupported
    doc = policy("*", Condition={"StringEquals": {"aws:PrincipalTag/team": "agents"}})
    assert allows_federation(doc, ARN, USERID, context={"aws:PrincipalTag/team": "agents"})


def test_allows_federation_with_an_unknown_deny_condition_refuses():
    deny = policy("*", effect="Deny", Condition={"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}})
    assert not allows_federation([federation_policy(ARN), deny], ARN, USERID)


session_names = st.from_regex(r"[A-Za-z0-9_.@-]{2,64}", fullmatch=True)
role_ids = st.from_regex(r"AROA[A-Z0-9]{17}", fullmatch=True)


@given(st.uuids(), role_ids, session_names)
def test_the_workshop_policy_allows_exactly_its_own_instance(uuid, role_id, session_name):
    arn = f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{uuid}"
    other = f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{OTHER_ID}"
    userid = f"{role_id}:{session_name}"
    doc = federation_policy(arn)
    assert allows_federation(doc, arn, userid)
    assert allows_federation(doc, other, userid) is (str(uuid) == OTHER_ID)
    assert not allows_federation({**doc, "Version": "2008-10-17"}, arn, userid)
    assert federation_policy_findings(policy_json(doc), arn) == []
