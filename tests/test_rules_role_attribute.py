"""The SAML Role attribute: built role-first with no spaces, and pasted values checked for every F1/F6 mistake."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workshop_lib.errors import InputError
from workshop_lib.findings import Severity
from workshop_lib.rules.role_attribute import (
    ROLE_ATTRIBUTE_NAME,
    ROLE_ATTRIBUTE_RE,
    ROLE_SESSION_NAME_ATTRIBUTE_NAME,
    SESSION_DURATION_ATTRIBUTE_NAME,
    Arn,
    RoleAttribute,
    parse_arn,
    parse_role_attribute,
    role_arn,
    role_attribute_findings,
    role_attribute_value,
    saml_provider_arn,
)

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/AmazonConnectAgentAccessRole"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/AmazonConnectAgentAccess"
ADMIN_PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/AmazonConnectAdminAccess"
VALUE = f"{ROLE},{PROVIDER}"
OTHER_ACCOUNT = "210987654321"


def test_attribute_names_are_exact():
    assert ROLE_ATTRIBUTE_NAME == "https://aws.amazon.com/SAML/Attributes/Role"
    assert ROLE_SESSION_NAME_ATTRIBUTE_NAME == "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
    assert SESSION_DURATION_ATTRIBUTE_NAME == "https://aws.amazon.com/SAML/Attributes/SessionDuration"


def test_role_attribute_value_is_role_comma_provider_without_spaces():
    assert role_attribute_value(ROLE, PROVIDER) == (
        "arn:aws:iam::123456789012:role/AmazonConnectAgentAccessRole,"
        "arn:aws:iam::123456789012:saml-provider/AmazonConnectAgentAccess"
    )


def test_role_attribute_knows_its_account_and_names():
    attribute = RoleAttribute(ROLE, PROVIDER)
    assert attribute.value == VALUE
    assert attribute.account == ACCOUNT
    assert (attribute.role_name, attribute.provider_name) == ("AmazonConnectAgentAccessRole", "AmazonConnectAgentAccess")


def test_arn_builders():
    assert role_arn(ACCOUNT, "AmazonConnectAgentAccessRole") == ROLE
    assert saml_provider_arn(ACCOUNT, "AmazonConnectAgentAccess") == PROVIDER
    assert role_arn(ACCOUNT, "R", partition="aws-us-gov") == f"arn:aws-us-gov:iam::{ACCOUNT}:role/R"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: role_arn("1234", "R"), "'1234' is not a 12-digit AWS account ID"),
        (lambda: role_arn(ACCOUNT, "bad name"), "contains a space"),
        (lambda: saml_provider_arn(ACCOUNT, "a+b"), r"contains '\+', which IAM does not allow in an IAM SAML provider name"),
        (lambda: role_arn(ACCOUNT, "R", partition="aws-moon"), "'aws-moon' is not a partition"),
    ],
)
def test_arn_builders_reject_bad_parts(call, expected):
    with pytest.raises(InputError, match=expected):
        call()


def test_parse_arn_splits_six_parts():
    assert parse_arn(ROLE) == Arn("aws", "iam", "", ACCOUNT, "role/AmazonConnectAgentAccessRole")
    assert str(parse_arn(ROLE)) == ROLE


def test_parse_arn_rejects_text_that_is_not_an_arn():
    with pytest.raises(InputError, match="is not an ARN"):
        parse_arn("AmazonConnectAgentAccessRole")


@pytest.mark.parametrize("pasted", [VALUE, f"  {VALUE}\n", f"{PROVIDER},{ROLE}"])
def test_parse_role_attribute_accepts_either_order_and_surrounding_spaces(pasted):
    assert parse_role_attribute(pasted) == RoleAttribute(ROLE, PROVIDER)


def test_parse_role_attribute_tolerates_spaces_around_the_comma_when_not_strict():
    assert parse_role_attribute(f"{ROLE} , {PROVIDER}", strict=False) == RoleAttribute(ROLE, PROVIDER)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"{ROLE}, {PROVIDER}", "There is a space after the comma; IAM Identity Center passes the value literally"),
        (f"{ROLE} ,{PROVIDER}", "There is a space before the comma"),
        (f"{ROLE},AmazonConnectAgentAccess", "'AmazonConnectAgentAccess' is a provider name, not an ARN."),
        (f"AmazonConnectAgentAccessRole,{PROVIDER}", "'AmazonConnectAgentAccessRole' is a role name, not an ARN."),
        (f"{ROLE},{ROLE}", "Both values are role ARNs"),
        (f"{PROVIDER},{ADMIN_PROVIDER}", "Both values are SAML provider ARNs"),
        (ROLE, "has only the role ARN"),
        (f"{ROLE} {PROVIDER}", "separated by a space instead of a comma"),
        (f"{ROLE};{PROVIDER}", "separated by ';' instead of a comma"),
        ("AmazonConnectAgentAccessRole", "has no comma"),
        (f"{ROLE},{PROVIDER},{PROVIDER}", "has 2 commas"),
        (f"arn:aws:iam::{ACCOUNT}:role/Agents,Team,{PROVIDER}", "contains a comma; IAM allows commas in role names"),
        (f"{ROLE},{PROVIDER.replace(ACCOUNT, OTHER_ACCOUNT)}", f"the role is in account {ACCOUNT} but the provider is in account {OTHER_ACCOUNT}".capitalize()),
        (f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b,{PROVIDER}",
         "is an AWSReservedSSO_ role"),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/AmazonConnectAgentAccessRole/agent1@connect-workshop.com,{PROVIDER}",
         "is the ARN of a signed-in session"),
        (f"{ROLE},arn:aws:connect:us-east-1:{ACCOUNT}:instance/178c75e4-b3de-4839-a6aa-e321ab3f3770",
         "names a connect instance, not an IAM role or an IAM SAML provider"),
        (f"arn:aws:iam:us-east-1:{ACCOUNT}:role/R,{PROVIDER}", "IAM ARNs have none"),
        (f"arn:aws:iam::12345:role/R,{PROVIDER}", "which is not 12 digits"),
        (f"arn:aws:iam::{ACCOUNT}:Role/R,{PROVIDER}", "must be lowercase 'role/'"),
        (f"arn:aws:iam::{ACCOUNT}:role/R!,{PROVIDER}", "may contain only letters"),
        (f'"{VALUE}"', "wrapped in quotes"),
        ("", "The Role value is empty"),
        (f"{ROLE},", "One side of the comma is empty"),
    ],
)
def test_parse_role_attribute_rejects_each_mistake_with_a_sentence(value, expected):
    with pytest.raises(InputError) as excinfo:
        parse_role_attribute(value)
    assert expected in excinfo.value.message
    assert excinfo.value.fix


def test_provider_name_fix_gives_the_full_arn_with_the_roles_account():
    with pytest.raises(InputError) as excinfo:
        parse_role_attribute(f"{ROLE},AmazonConnectAgentAccess")
    assert excinfo.value.fix == f"Use the full ARN {PROVIDER}."


def test_parse_role_attribute_rejects_an_unexpected_account():
    with pytest.raises(InputError) as excinfo:
        parse_role_attribute(VALUE.replace(ACCOUNT, OTHER_ACCOUNT), expected_account=ACCOUNT)
    assert f"The role is in account {OTHER_ACCOUNT}, but the workshop's account is {ACCOUNT}." in excinfo.value.message
    assert "The provider is in account" in excinfo.value.message


def test_role_attribute_findings_are_empty_for_the_expected_value():
    assert role_attribute_findings(VALUE, ROLE, PROVIDER) == []


def test_role_attribute_findings_flag_the_admin_provider_paired_with_the_agent_role_as_f6():
    findings = role_attribute_findings(f"{ROLE},{ADMIN_PROVIDER}", ROLE, PROVIDER)
    assert [(f.code, f.severity) for f in findings] == [("F6", Severity.ERROR)]
    assert f"names the provider {ADMIN_PROVIDER}, but this app's provider is {PROVIDER}" in findings[0].message
    assert findings[0].expected == VALUE


def test_role_attribute_findings_flag_a_different_role_as_f1():
    other = role_arn(ACCOUNT, "AmazonConnectAdminAccessRole")
    findings = role_attribute_findings(f"{other},{PROVIDER}", ROLE, PROVIDER)
    assert [f.code for f in findings] == ["F1"]
    assert "names the role" in findings[0].message


def test_role_attribute_findings_mention_case_only_differences():
    findings = role_attribute_findings(f"{ROLE.lower()},{PROVIDER}", ROLE, PROVIDER)
    assert "differ only in upper and lower case" in findings[0].message


def test_role_attribute_findings_report_spaces_as_f1_errors():
    findings = role_attribute_findings(f"{ROLE}, {PROVIDER}", ROLE, PROVIDER)
    assert [(f.code, f.severity) for f in findings] == [("F1", Severity.ERROR)]
    assert findings[0].expected == VALUE


def test_role_attribute_findings_note_reversed_order_without_an_error():
    findings = role_attribute_findings(f"{PROVIDER},{ROLE}", ROLE, PROVIDER)
    assert [(f.code, f.severity) for f in findings] == [("F1", Severity.INFO)]
    assert "STS accepts either order" in findings[0].message


def test_role_attribute_findings_take_the_expected_account_from_the_role():
    findings = role_attribute_findings(VALUE.replace(ACCOUNT, OTHER_ACCOUNT), ROLE, PROVIDER)
    assert {f.code for f in findings} == {"F1", "F6"}


names = st.from_regex(r"[A-Za-z0-9_.-]{1,64}", fullmatch=True)


@given(names, names, st.booleans(), st.sampled_from(["aws", "aws-us-gov"]))
def test_role_attribute_round_trips(role_name, provider_name, reversed_order, partition):
    role = role_arn(ACCOUNT, role_name, partition)
    provider = saml_provider_arn(ACCOUNT, provider_name, partition)
    value = role_attribute_value(role, provider)
    assert ROLE_ATTRIBUTE_RE.match(value)
    pasted = f"{provider},{role}" if reversed_order else value
    parsed = parse_role_attribute(pasted, expected_account=ACCOUNT)
    assert parsed == RoleAttribute(role, provider)
    assert parsed.value == value
    assert [f for f in role_attribute_findings(value, role, provider) if f.severity is not Severity.INFO] == []
