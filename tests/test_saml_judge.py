"""Judging responses by AWS's rules: each failure mode gives its F-code, a plain sentence and a fix."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saml_helpers import (
    ACCOUNT,
    AGENT_EMAIL,
    ATTR,
    NOW,
    PROVIDER_ARN,
    REALWORLD,
    ROLE_ARN,
    make_idp,
    realworld_files,
)
from workshop_lib.findings import Finding, Severity
from workshop_lib.saml import judge_response, load_metadata, parse_response
from workshop_lib.saml.constants import ROLE_SESSION_NAME_PATTERN


@pytest.fixture(scope="module")
def idp():
    return make_idp()


def judged(idp, *, now=NOW, sign="assertion", **fields) -> list[Finding]:
    return judge_response(parse_response(idp.response(sign=sign, **fields)), now=now)


def codes(findings: list[Finding], severity: Severity | None = None) -> list[str]:
    return [f.code for f in findings if severity is None or f.severity is severity]


def only(findings: list[Finding], code: str) -> Finding:
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, findings
    return matching[0]


def test_healthy_identity_center_response_has_no_findings(idp):
    assert judged(idp) == []


# ---- F1: the Role attribute -------------------------------------------------------------------

def test_missing_role_attribute_is_f1(idp):
    finding = only(judged(idp, roles=[]), "F1")
    assert "no https://aws.amazon.com/SAML/Attributes/Role attribute" in finding.message
    assert finding.expected == ATTR + "Role" and finding.fix


@pytest.mark.parametrize("name", [
    "https://aws.amazon.com/SAML/Attributes/role",
    "http://aws.amazon.com/SAML/Attributes/Role",
    "https://aws.amazon.com/saml/attributes/Role",
    "Role",
    "https://aws.amazon.com/SAML/Attributes/Role ",
])
def test_misspelled_role_attribute_name_is_f1_and_says_case_sensitive(idp, name):
    finding = only(judged(idp, role_attribute_name=name), "F1")
    assert repr(name) in finding.message and "case-sensitive" in finding.message


def test_role_value_with_space_after_comma_is_f1_with_the_corrected_value(idp):
    finding = only(judged(idp, roles=[f"{ROLE_ARN}, {PROVIDER_ARN}"]), "F1")
    assert "contains spaces" in finding.message
    assert finding.expected == f"{ROLE_ARN},{PROVIDER_ARN}"


def test_provider_name_instead_of_arn_is_f1_with_the_arn(idp):
    finding = only(judged(idp, roles=[f"{ROLE_ARN},ConnectIdentityCenter"]), "F1")
    assert "by name ('ConnectIdentityCenter') instead of by ARN" in finding.message
    assert finding.expected == f"{ROLE_ARN},{PROVIDER_ARN}"


def test_role_name_instead_of_arn_is_f1(idp):
    finding = only(judged(idp, roles=[f"ConnectFederationRole,{PROVIDER_ARN}"]), "F1")
    assert "gives the role by name" in finding.message and finding.expected == f"{ROLE_ARN},{PROVIDER_ARN}"


@pytest.mark.parametrize("value, words", [
    (ROLE_ARN, "not a role/provider pair"),
    (f"{ROLE_ARN},{PROVIDER_ARN},{PROVIDER_ARN}", "not a role/provider pair"),
    (f"{ROLE_ARN},{ROLE_ARN}", "two role ARNs"),
    (f"{PROVIDER_ARN},{PROVIDER_ARN}", "two provider ARNs"),
])
def test_role_value_that_is_not_a_role_provider_pair_is_f1(idp, value, words):
    assert words in only(judged(idp, roles=[value]), "F1").message


def test_role_and_provider_in_different_accounts_is_f1(idp):
    other = PROVIDER_ARN.replace(ACCOUNT, "444455556666")
    finding = only(judged(idp, roles=[f"{ROLE_ARN},{other}"]), "F1")
    assert f"account {ACCOUNT}" in finding.message and "account 444455556666" in finding.message


def test_provider_then_role_order_is_accepted(idp):
    assert judged(idp, roles=[f"{PROVIDER_ARN},{ROLE_ARN}"]) == []


def test_several_role_values_are_noted(idp):
    second = ROLE_ARN.replace("ConnectFederationRole", "Other")
    findings = judged(idp, roles=[f"{ROLE_ARN},{PROVIDER_ARN}", f"{second},{PROVIDER_ARN}"])
    assert codes(findings) == ["saml.several-roles"] and findings[0].severity is Severity.INFO


def test_identity_center_permission_set_role_is_refused(idp):
    reserved = f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"
    assert "permission sets" in only(judged(idp, roles=[f"{reserved},{PROVIDER_ARN}"]), "F2").message


# ---- F2 / F6: expected role and provider --------------------------------------------------------

def test_role_other_than_the_expected_role_is_f2(idp):
    resp = parse_response(idp.response())
    expected = ROLE_ARN.replace("ConnectFederationRole", "ConnectAgentRole")
    finding = only(judge_response(resp, now=NOW, expected_role_arn=expected), "F2")
    assert "sts:AssumeRoleWithSAML" in finding.message and finding.expected == expected


def test_role_differing_only_in_case_is_called_out(idp):
    resp = parse_response(idp.response())
    finding = only(judge_response(resp, now=NOW, expected_role_arn=ROLE_ARN.lower()), "F2")
    assert "only in upper/lower case" in finding.message


def test_provider_other_than_the_expected_provider_is_f6(idp):
    resp = parse_response(idp.response())
    expected = PROVIDER_ARN.replace("ConnectIdentityCenter", "IdentityCenterForConnect")
    finding = only(judge_response(resp, now=NOW, expected_role_arn=ROLE_ARN, expected_provider_arn=expected), "F6")
    assert "Specified provider doesn't exist" in finding.message
    assert finding.expected == f"{ROLE_ARN},{expected}"


def test_expected_role_and_provider_that_match_raise_nothing(idp):
    resp = parse_response(idp.response())
    assert judge_response(resp, now=NOW, expected_role_arn=ROLE_ARN, expected_provider_arn=PROVIDER_ARN) == []


def test_recipient_missing_from_trust_policy_audiences_is_f2(idp):
    resp = parse_response(idp.response(recipient="https://eu-west-2.signin.aws.amazon.com/saml"))
    findings = judge_response(resp, now=NOW, acs={"https://signin.aws.amazon.com/saml"})
    finding = only(findings, "F2")
    assert "SAML:aud" in finding.message and finding.expected == "https://eu-west-2.signin.aws.amazon.com/saml"


# ---- F3: RoleSessionName ----------------------------------------------------------------------

def test_missing_role_session_name_is_f3_with_aws_wording(idp):
    finding = only(judged(idp, role_session_name=None), "F3")
    assert "RoleSessionName is required" in finding.message and "${user:email}" in finding.fix


def test_misspelled_role_session_name_attribute_is_f3(idp):
    name = "https://aws.amazon.com/SAML/Attributes/rolesessionname"
    assert repr(name) in only(judged(idp, role_session_name_attribute_name=name), "F3").message


@pytest.mark.parametrize("value, words", [
    ("o'brien@example.com", "contains \"'\""),
    ("agent one@example.com", "contains ' '"),
    ("a", "1 characters long"),
    ("x" * 53 + "@example.com", "65 characters long"),
])
def test_role_session_name_outside_the_pattern_is_f3(idp, value, words):
    finding = only(judged(idp, role_session_name=value), "F3")
    assert finding.severity is Severity.ERROR
    assert words in finding.message and "[a-zA-Z_0-9+=,.@-]{2,64}" in finding.message


def test_plus_addressed_role_session_name_is_an_f3_warning_about_connect(idp):
    finding = only(judged(idp, role_session_name="agent+connect@example.com"), "F3")
    assert finding.severity is Severity.WARNING
    assert "plus-addressing" in finding.message and "Amazon Connect username" in finding.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from("aZ09_+=,.@-' !é"), min_size=0, max_size=70))
def test_role_session_name_error_exactly_when_the_aws_pattern_fails(base_response, name):
    resp = dataclasses.replace(base_response, attributes={**base_response.attributes,
                                                          ATTR + "RoleSessionName": [name]})
    errors = [f for f in judge_response(resp, now=NOW) if f.code == "F3" and f.severity is Severity.ERROR]
    assert bool(errors) == (not ROLE_SESSION_NAME_PATTERN.match(name))


@pytest.fixture(scope="module")
def base_response(idp):
    return parse_response(idp.response())


# ---- F4: signature and issuer -----------------------------------------------------------------

def test_unsigned_response_is_f4(idp):
    finding = only(judged(idp, sign=None), "F4")
    assert "not signed" in finding.message and finding.severity is Severity.ERROR


def test_issuer_of_another_application_is_f4_issuer_not_present(idp):
    other = load_metadata(idp.metadata().replace(idp.app_token.encode(), b"T3RoZXJBcHA"), now=NOW)
    finding = only(judge_response(parse_response(idp.response()), now=NOW, metadata=other), "F4")
    assert "Issuer not present in specified provider" in finding.message
    assert finding.expected == other.entity_id


def test_matching_metadata_issuer_raises_nothing(idp):
    same = load_metadata(idp.metadata(), now=NOW)
    assert judge_response(parse_response(idp.response()), now=NOW, metadata=same) == []


# ---- F7: audience -------------------------------------------------------------------------------

def test_wrong_audience_is_f7_with_the_expected_value(idp):
    finding = only(judged(idp, audience="https://signin.aws.amazon.com/saml"), "F7")
    assert "required audience" in finding.message and finding.expected == "urn:amazon:webservices"


def test_missing_audience_is_f7(idp):
    assert "it has none" in only(judged(idp, audience=None), "F7").message


# ---- time ---------------------------------------------------------------------------------------

def test_expired_response_is_an_error_saying_how_long_ago(idp):
    finding = only(judged(idp, now=NOW + timedelta(minutes=30)), "saml.expired")
    assert "25 minutes before" in finding.message and "Sign in again" in finding.fix


def test_response_not_yet_valid_points_at_the_clock(idp):
    finding = only(judged(idp, now=NOW - timedelta(minutes=11)), "saml.not-yet-valid")
    assert "clock" in finding.fix and "6 minutes after" in finding.message


def test_a_minute_of_clock_skew_is_a_warning_not_a_refusal(idp):
    early = judged(idp, now=NOW - timedelta(minutes=6))  # NotBefore is NOW - 5 min: one minute early
    late = judged(idp, now=NOW + timedelta(minutes=6))  # NotOnOrAfter is NOW + 5 min: one minute late
    for findings in (early, late):
        assert "saml.not-yet-valid" not in codes(findings) and "saml.expired" not in codes(findings)
        skew = only(findings, "saml.clock-skew")
        assert skew.severity is Severity.WARNING and "5-minute clock-skew allowance" in skew.message
    assert "60 seconds after" in only(early, "saml.clock-skew").message


# ---- recipient, destination, duration ----------------------------------------------------------

@pytest.mark.parametrize("acs", [
    "https://signin.aws.amazon.com/saml",
    "https://eu-central-1.signin.aws.amazon.com/saml",
    "https://us-gov-west-1.signin.amazonaws-us-gov.com/saml",
    "https://signin.amazonaws.cn/saml",
])
def test_aws_sign_in_endpoints_are_accepted_as_recipient(idp, acs):
    assert judged(idp, recipient=acs, destination=acs) == []


def test_recipient_that_is_not_an_aws_endpoint_is_an_error(idp):
    finding = only(judged(idp, recipient="https://myapp.example.com/saml/acs"), "saml.recipient")
    assert "not an AWS sign-in SAML endpoint" in finding.message


def test_missing_recipient_is_an_error(idp):
    assert "no Recipient" in only(judged(idp, recipient=None), "saml.recipient").message


def test_destination_elsewhere_is_an_error(idp):
    finding = only(judged(idp, destination="https://portal.sso.us-east-1.amazonaws.com/saml/acs"), "saml.destination")
    assert finding.severity is Severity.ERROR


@pytest.mark.parametrize("seconds", [60, 899, 43201])
def test_session_duration_outside_900_to_43200_is_an_error(idp, seconds):
    assert f"{seconds} seconds" in only(judged(idp, session_duration=seconds), "saml.session-duration").message


@pytest.mark.parametrize("seconds", [900, 3600, 43200])
def test_session_duration_inside_the_range_is_fine(idp, seconds):
    assert judged(idp, session_duration=seconds) == []


def test_failed_status_is_reported(idp):
    xml = idp.response(sign=None).replace(b"status:Success", b"status:Responder")
    finding = only(judge_response(parse_response(xml), now=NOW), "saml.status")
    assert "refused the sign-in" in finding.message


# ---- F8: the Connect username -------------------------------------------------------------------

def test_connect_user_with_the_same_name_raises_nothing(idp):
    resp = parse_response(idp.response())
    assert judge_response(resp, now=NOW, connect_usernames={AGENT_EMAIL, "other@example.com"}) == []


def test_connect_user_differing_only_in_case_is_f8(idp):
    resp = parse_response(idp.response())
    finding = only(judge_response(resp, now=NOW, connect_usernames={"Agent.One@example.com"}), "F8")
    assert "case-sensitive" in finding.message and finding.details["connect_username"] == "Agent.One@example.com"
    assert finding.expected == AGENT_EMAIL


def test_no_connect_user_with_that_name_is_f8(idp):
    resp = parse_response(idp.response())
    finding = only(judge_response(resp, now=NOW, connect_usernames={"someone@example.com"}), "F8")
    assert "has not been onboarded" in finding.message and AGENT_EMAIL in finding.fix


# ---- the corpus ---------------------------------------------------------------------------------

def corpus(name: str):
    path = REALWORLD / "responses" / name
    if not path.is_file():
        pytest.skip("../shared/realworld is not available")
    return parse_response(path.read_bytes())


@pytest.mark.skipif(not realworld_files("responses"), reason="../shared/realworld is not available")
@pytest.mark.parametrize("path", realworld_files("responses"), ids=lambda p: p.name)
def test_every_realworld_response_is_judged_expired_with_plain_findings(path):
    findings = judge_response(parse_response(path.read_bytes()), now=NOW)
    assert "saml.expired" in codes(findings) or "saml.bad-time" in codes(findings)
    assert "F1" not in codes(findings)  # every corpus file has well-formed Role pairs
    for finding in findings:
        assert finding.message.endswith((".", ")")) and finding.fix
    severities = [f.severity for f in findings]
    assert severities == sorted(severities, key=[Severity.ERROR, Severity.WARNING, Severity.INFO].index)


def test_google_and_entra_responses_use_the_acs_as_audience_which_is_f7():
    assert "F7" in codes(judge_response(corpus("aws-google-auth-google-response.xml"), now=NOW))
    assert "F7" in codes(judge_response(corpus("saml2aws-aad-response.xml"), now=NOW))


def test_adfs_response_within_its_window_only_notes_the_namespace_and_several_roles():
    resp = corpus("saml2aws-adfs-assertion.xml")
    findings = judge_response(resp, now=resp.not_before + timedelta(minutes=1))
    assert codes(findings) == ["saml.namespaces", "saml.several-roles"]


def test_invalid_date_corpus_response_is_an_error():
    findings = judge_response(corpus("saml2aws-adfs-assertion-invalid-date.xml"), now=NOW)
    assert only(findings, "saml.bad-time").severity is Severity.ERROR


def test_pingfed_response_roles_across_accounts_are_each_valid_pairs():
    resp = corpus("saml2aws-pingfed-assertion.xml")
    findings = judge_response(resp, now=resp.not_before + timedelta(minutes=1))
    assert "F1" not in codes(findings) and "saml.several-roles" in codes(findings)


def test_pingfed_response_without_destination_is_not_penalised_for_it():
    resp = corpus("saml2aws-pingfed-assertion.xml")
    assert "saml.destination" not in codes(judge_response(resp, now=NOW))


def test_subject_confirmation_without_not_on_or_after_is_an_error(idp):
    xml = idp.response(sign=None)
    xml = xml.replace(b'<saml2:SubjectConfirmationData NotOnOrAfter="2026-11-27T12:05:00.000Z"',
                      b"<saml2:SubjectConfirmationData")
    findings = judge_response(parse_response(xml), now=NOW)
    assert "NotOnOrAfter" in only(findings, "saml.subject-confirmation").message


def test_two_subject_confirmations_are_an_error(idp):
    xml = idp.response(sign=None)
    start = xml.index(b"<saml2:SubjectConfirmation ")
    end = xml.index(b"</saml2:SubjectConfirmation>") + len(b"</saml2:SubjectConfirmation>")
    doubled = xml[:end] + xml[start:end] + xml[end:]
    finding = only(judge_response(parse_response(doubled), now=NOW), "saml.subject-confirmation")
    assert "2 SubjectConfirmation" in finding.message
