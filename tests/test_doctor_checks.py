"""The doctor's pure checks: nothing on an intact snapshot, the right F-number for each broken link."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from test_doctor_helpers import (
    ACCOUNT,
    ADMIN_EMAIL,
    AGENT_ENTITY,
    INSTANCE_ID,
    REGION,
    add_user,
    intact_facts,
    metadata_xml,
)

from workshop_lib.aws.snapshot import ConsoleSettings, PolicyDocument, Unreadable
from workshop_lib.doctor import check_facts
from workshop_lib.doctor.report import DoctorReport
from workshop_lib.findings import Severity

_INTACT = intact_facts()


def fresh(n_agents: int = 2):
    return copy.deepcopy(_INTACT) if n_agents == 2 else intact_facts(n_agents)


def codes(findings, *severities):
    wanted = severities or tuple(Severity)
    return {f.code for f in findings if f.severity in wanted}


def serious(findings):
    return [f for f in findings if f.severity is not Severity.INFO]


# ---- intact ---------------------------------------------------------------------------------------


def test_intact_set_up_has_no_findings():
    assert check_facts(fresh()) == []


def test_intact_set_up_with_many_agents_has_no_findings():
    assert check_facts(intact_facts(300)) == []


def test_real_account_without_console_values_only_asks_to_verify_by_eye():
    facts = fresh()
    facts.console.clear()
    findings = check_facts(facts)
    assert findings and all(f.severity is Severity.INFO for f in findings)
    assert codes(findings) == {"F1", "F3", "F7", "F12"}
    relay = [f for f in findings if f.code == "F12" and f.details["side"] == "agent"][0]
    assert (
        relay.expected
        == f"https://{REGION}.console.aws.amazon.com/connect/federate/{INSTANCE_ID}?destination=%2Fccp-v2"
    )
    role = [f for f in findings if f.code == "F1" and f.details["side"] == "admin"][0]
    assert role.expected == (
        f"arn:aws:iam::{ACCOUNT}:role/AmazonConnectAdminAccessRole,"
        f"arn:aws:iam::{ACCOUNT}:saml-provider/AmazonConnectAdminAccess"
    )
    assert DoctorReport(findings, facts).ok


# ---- one broken link at a time --------------------------------------------------------------------


def _instance_not_saml(f):
    f.instance.identity_management_type = "CONNECT_MANAGED"


def _instance_missing(f):
    f.instance.found = False


def _no_instance_in_settings(f):
    f.instance.id = ""
    f.instance.found = False


def _instance_id_not_a_uuid(f):
    f.instance.id = "9690dd9b-3de7-4097-b4d9-67829f7c8fur"
    f.instance.found = False
    f.unreadable.append(Unreadable("connect:DescribeInstance", "ParamValidationError", "Invalid length"))


def _no_organization(f):
    f.organization.exists = False


def _billing_only_organization(f):
    f.organization.feature_set = "CONSOLIDATED_BILLING"


def _idc_not_enabled(f):
    f.identity_center = None


def _idc_denied(f):
    f.unreadable.append(Unreadable("sso:ListApplications", "AccessDeniedException", "User is not authorized"))


def _agent_app_missing(f):
    f.applications["agent"] = None


def _admin_app_disabled(f):
    f.applications["admin"].status = "DISABLED"


def _group_not_assigned(f):
    f.applications["agent"].assigned_groups = []


def _group_missing(f):
    f.groups["agent"].found = False
    f.groups["agent"].member_ids = []


def _ledger_user_in_no_group(f):
    user = add_user(f, "agent9@connect-workshop.com", "agent")
    f.groups["agent"].member_ids.remove(user.id)
    f.ledger_idc_users.append(user.user_name)


def _provider_missing(f):
    f.providers["agent"].found = False
    f.providers["agent"].metadata = ""


def _provider_metadata_garbage(f):
    f.providers["admin"].metadata = "<html><body>Sign in</body></html>"


def _provider_from_admin_metadata(f):
    f.providers["agent"].metadata = f.app_metadata["admin"]


def _provider_from_admin_metadata_no_downloads(f):
    f.providers["agent"].metadata = f.app_metadata["admin"]
    f.app_metadata.clear()


def _certificate_rotated(f):
    f.app_metadata["agent"] = metadata_xml(AGENT_ENTITY, "agent-rotated")


def _role_missing(f):
    f.roles["agent"].found = False


def _trust_other_provider(f):
    f.roles["agent"].trust_policy["Statement"][0]["Principal"]["Federated"] = (
        f"arn:aws:iam::{ACCOUNT}:saml-provider/Other"
    )


def _trust_without_action(f):
    f.roles["admin"].trust_policy["Statement"][0]["Action"] = "sts:AssumeRole"


def _regional_acs_not_trusted(f):
    f.roles["agent"].trust_policy["Statement"][0]["Condition"]["StringEquals"]["SAML:aud"] = [
        "https://signin.aws.amazon.com/saml"
    ]
    f.console["agent"].acs = f"https://{REGION}.signin.aws.amazon.com/saml"


def _policy_other_instance(f):
    other = "arn:aws:connect:us-east-1:123456789012:instance/00000000-1111-2222-3333-444444444444"
    f.roles["agent"].policies[0].document["Statement"][0]["Resource"] = [other + "/user/${aws:userid}"]


def _no_policy(f):
    f.roles["admin"].policies = []


def _policy_variable_lost(f):
    f.roles["agent"].policies[0].document["Statement"][0]["Resource"] = [
        f"arn:aws:connect:{REGION}:{ACCOUNT}:instance/{INSTANCE_ID}/user/aws:userid"
    ]


def _role_recreated(f):
    f.roles["agent"].role_id = "AROANEWROLEID0000002"


def _user_in_both_groups(f):
    agent = next(iter(f.groups["agent"].member_ids))
    f.groups["admin"].member_ids.append(agent)


def _relay_wrong_region(f):
    f.console[
        "agent"
    ].relay_state = f"https://eu-west-2.console.aws.amazon.com/connect/federate/{INSTANCE_ID}?destination=%2Fccp-v2"


def _relay_empty(f):
    f.console["admin"].relay_state = ""


def _relay_unparseable(f):
    f.console["agent"].relay_state = "https://[::1/connect/federate"


def _agent_relay_without_destination(f):
    f.console["agent"].relay_state = f"https://{REGION}.console.aws.amazon.com/connect/federate/{INSTANCE_ID}"


def _role_mapping_missing(f):
    del f.console["agent"].attribute_mappings["Role"]


def _role_mapping_spaced(f):
    f.console["agent"].attribute_mappings["Role"] = f.console["agent"].attribute_mappings["Role"].replace(",", ", ")


def _role_mapping_admin_provider(f):
    f.console["agent"].attribute_mappings["Role"] = (
        f"arn:aws:iam::{ACCOUNT}:role/AmazonConnectAgentAccessRole,arn:aws:iam::{ACCOUNT}:saml-provider/AmazonConnectAdminAccess"
    )


def _session_name_mapping_missing(f):
    del f.console["admin"].attribute_mappings["RoleSessionName"]


def _session_name_not_email(f):
    f.console["agent"].attribute_mappings["RoleSessionName"] = "${user:name}"


def _subject_mapping_missing(f):
    del f.console["admin"].attribute_mappings["Subject"]


def _bad_session_duration(f):
    f.console["agent"].attribute_mappings["SessionDuration"] = "86400"


def _audience_changed(f):
    f.console["agent"].audience = "https://signin.aws.amazon.com/saml"


def _email_case_differs(f):
    add_user(f, "Agent7@Connect-Workshop.com", "agent", connect_username="agent7@connect-workshop.com")


def _connect_user_missing(f):
    add_user(f, "agent8@connect-workshop.com", "agent", connect_username=None)


def _plus_addressing(f):
    add_user(f, "agent+sales@connect-workshop.com", "agent", connect_username="agent@connect-workshop.com")


def _email_with_space(f):
    add_user(f, "agent 5@connect-workshop.com", "agent", connect_username=None)


def _user_without_email(f):
    add_user(f, "agent6", "agent", connect_username=None, idc_email="")


def _bad_connect_username(f):
    from workshop_lib.aws.snapshot import ConnectUser

    f.connect_users["x"] = ConnectUser("c-x", "x")


def _admin_has_agent_profile(f):
    f.connect_users[ADMIN_EMAIL].security_profile_ids = ["sp-agent"]


def _admin_group_empty(f):
    f.groups["admin"].member_ids = []


BREAKS = [
    (_instance_not_saml, "F19"),
    (_instance_missing, "F19"),
    (_no_instance_in_settings, "F19"),
    (_instance_id_not_a_uuid, "F19"),
    (_no_organization, "F14"),
    (_billing_only_organization, "F14"),
    (_idc_not_enabled, "F14"),
    (_idc_denied, "F15"),
    (_agent_app_missing, "F16"),
    (_admin_app_disabled, "F16"),
    (_group_not_assigned, "F16"),
    (_group_missing, "F16"),
    (_ledger_user_in_no_group, "F16"),
    (_provider_missing, "F6"),
    (_provider_metadata_garbage, "F5"),
    (_provider_from_admin_metadata, "F4"),
    (_provider_from_admin_metadata_no_downloads, "F4"),
    (_certificate_rotated, "F4"),
    (_role_missing, "F2"),
    (_trust_other_provider, "F2"),
    (_trust_without_action, "F2"),
    (_regional_acs_not_trusted, "F13"),
    (_policy_other_instance, "F9"),
    (_no_policy, "F9"),
    (_policy_variable_lost, "F9"),
    (_role_recreated, "F10"),
    (_user_in_both_groups, "F10"),
    (_relay_wrong_region, "F12"),
    (_relay_empty, "F12"),
    (_relay_unparseable, "F12"),
    (_agent_relay_without_destination, "F12"),
    (_role_mapping_missing, "F1"),
    (_role_mapping_spaced, "F1"),
    (_role_mapping_admin_provider, "F6"),
    (_session_name_mapping_missing, "F3"),
    (_session_name_not_email, "F8"),
    (_subject_mapping_missing, "F1"),
    (_bad_session_duration, "F1"),
    (_audience_changed, "F7"),
    (_email_case_differs, "F8"),
    (_connect_user_missing, "F8"),
    (_plus_addressing, "F8"),
    (_email_with_space, "F3"),
    (_user_without_email, "F3"),
    (_bad_connect_username, "F20"),
    (_admin_has_agent_profile, "F21"),
    (_admin_group_empty, "F21"),
]


@pytest.mark.parametrize("break_it,code", BREAKS, ids=[b.__name__.strip("_") for b, _ in BREAKS])
def test_one_broken_link_names_its_failure_mode(break_it, code):
    facts = fresh()
    break_it(facts)
    findings = check_facts(facts)
    assert code in codes(serious(findings)), [f.line() for f in findings]
    for finding in serious(findings):
        assert finding.message and finding.fix, finding


def test_instance_not_saml_says_it_cannot_be_changed():
    facts = fresh()
    _instance_not_saml(facts)
    (finding,) = check_facts(facts)
    assert finding.severity is Severity.ERROR and "cannot be changed" in finding.fix and finding.expected == "SAML"


def test_case_only_difference_names_both_spellings():
    facts = fresh()
    _email_case_differs(facts)
    (finding,) = check_facts(facts)
    assert finding.code == "F8"
    assert "agent7@connect-workshop.com" in finding.message and "Agent7@Connect-Workshop.com" in finding.message
    assert "case-sensitively" in finding.message


def test_plus_addressing_is_flagged_even_though_sts_accepts_it():
    facts = fresh()
    _plus_addressing(facts)
    (finding,) = check_facts(facts)
    assert finding.code == "F8" and "'+'" in finding.message


def test_provider_from_the_other_apps_metadata_names_that_app():
    facts = fresh()
    _provider_from_admin_metadata(facts)
    f4 = [f for f in check_facts(facts) if f.code == "F4"]
    assert len(f4) == 1 and "Amazon Connect - Admin" in f4[0].message and f4[0].expected == AGENT_ENTITY


def test_certificate_expiring_soon_warns_with_f18():
    facts = fresh()
    soon = metadata_xml(AGENT_ENTITY, "agent-expiring", days=30)
    facts.providers["agent"].metadata = soon
    facts.app_metadata["agent"] = soon
    findings = check_facts(facts)
    assert codes(findings) == {"F18"}
    assert findings[0].severity is Severity.WARNING and "AmazonConnectAgentAccess" in findings[0].message


def test_expired_certificate_is_an_error():
    facts = fresh()
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3000)
    findings = check_facts(facts, now=later)
    assert {(f.code, f.severity) for f in findings} == {("F18", Severity.ERROR)}


def test_trust_with_only_the_global_audience_warns_f13():
    facts = fresh()
    facts.roles["admin"].trust_policy["Statement"][0]["Condition"]["StringEquals"]["SAML:aud"] = (
        "https://signin.aws.amazon.com/saml"
    )
    (finding,) = check_facts(facts)
    assert (finding.code, finding.severity) == ("F13", Severity.WARNING)
    assert finding.expected == f"https://{REGION}.signin.aws.amazon.com/saml"


def test_broad_aws_managed_policy_counts_as_allowing_federation():
    facts = fresh()
    facts.roles["agent"].policies = [
        PolicyDocument(
            "AmazonConnect_FullAccess",
            "arn:aws:iam::aws:policy/AmazonConnect_FullAccess",
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "connect:*", "Resource": "*"}]},
        )
    ]
    assert check_facts(facts) == []


def test_one_good_policy_among_several_is_enough():
    facts = fresh()
    facts.roles["agent"].policies.insert(
        0,
        PolicyDocument(
            "Other",
            "arn:aws:iam::123456789012:policy/Other",
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]},
        ),
    )
    assert check_facts(facts) == []


def test_role_recreated_tells_to_recreate_connect_users():
    facts = fresh()
    _role_recreated(facts)
    (finding,) = check_facts(facts)
    assert finding.code == "F10" and "AROANEWROLEID0000002" in finding.message and "re-create" in finding.fix


def test_many_agents_with_the_same_problem_are_summarised():
    facts = fresh()
    for i in range(60):
        add_user(facts, f"late{i}@connect-workshop.com", "agent", connect_username=None)
    f8 = [f for f in check_facts(facts) if f.code == "F8"]
    assert len(f8) == 26
    assert "35 more" in f8[-1].message and len(f8[-1].details["users"]) == 35


def test_unreadable_facts_are_reported_not_skipped_silently():
    facts = fresh()
    facts.unreadable.append(Unreadable("iam:GetSAMLProvider", "Throttling", "Rate exceeded"))
    findings = check_facts(facts)
    assert [f.code for f in findings] == ["doctor.unreadable"]
    assert "iam:GetSAMLProvider" in findings[0].message


def test_missing_application_skips_its_console_values():
    facts = fresh()
    facts.console.clear()
    _agent_app_missing(facts)
    findings = check_facts(facts)
    assert not [f for f in findings if f.severity is Severity.INFO and f.details.get("side") == "agent"]


def _pasted(facts, side, relay_state=None, role=None):
    from workshop_lib.aws.snapshot import PASTED

    facts.console[side] = ConsoleSettings(
        relay_state=relay_state, attribute_mappings={"Role": role} if role else None, source=PASTED
    )


def test_pasted_back_values_are_judged_and_the_rest_stays_verify_by_eye():
    """On a real account the learner pastes back only the relay state and the Role value."""
    facts = fresh()
    right = {s: (facts.console[s].relay_state, facts.console[s].attribute_mappings["Role"]) for s in ("agent", "admin")}
    for side, (relay, role) in right.items():
        _pasted(facts, side, relay, role)
    findings = check_facts(facts)
    assert findings and all(f.severity is Severity.INFO for f in findings)
    assert codes(findings) == {"F3", "F7"}  # RoleSessionName/Subject and audience: no way to paste them back


def test_a_pasted_role_value_with_a_space_is_an_f1_error_and_an_unpasted_one_is_verify_by_eye():
    facts = fresh()
    relay, role = facts.console["agent"].relay_state, facts.console["agent"].attribute_mappings["Role"]
    _pasted(facts, "agent", relay, role.replace(",", ", "))
    _pasted(facts, "admin", facts.console["admin"].relay_state)
    findings = check_facts(facts)
    agent_f1 = [f for f in findings if f.code == "F1" and f.details.get("side") == "agent"]
    admin_f1 = [f for f in findings if f.code == "F1" and f.details.get("side") == "admin"]
    assert [f.severity for f in agent_f1] == [Severity.ERROR]
    assert [f.severity for f in admin_f1] == [Severity.INFO] and "Verify by eye" in admin_f1[0].message


def test_a_pasted_relay_state_for_another_instance_is_f12():
    facts = fresh()
    relay = facts.console["agent"].relay_state.replace(INSTANCE_ID, "6b1e1a3c-3c8e-4f49-9e1e-0a1f2b3c4d5e")
    _pasted(facts, "agent", relay)
    assert "F12" in codes(check_facts(facts), Severity.ERROR)


def test_console_values_on_a_real_account_are_what_the_learner_pasted_back():
    from test_doctor_helpers import settings

    from workshop_lib.aws.console import console_values, pasted_key
    from workshop_lib.aws.snapshot import chains_from

    for target in ("aws", "rehearsal"):
        s = settings(target=target)
        chain = chains_from(s)["agent"]
        assert console_values(s, chain) is None  # nothing pasted: no source, the doctor says verify by eye
        s.confirmed[pasted_key("agent", "role")] = "arn:aws:iam::123456789012:role/R,arn:aws:iam::123456789012:saml-provider/P"
        got = console_values(s, chain)
        assert got.pasted and got.relay_state is None and got.audience is None
        assert got.attribute_mappings == {"Role": "arn:aws:iam::123456789012:role/R,arn:aws:iam::123456789012:saml-provider/P"}
        assert console_values(s, chains_from(s)["admin"]) is None  # each application has its own pasted values


def test_chains_follow_renamed_resources_in_the_settings():
    from test_doctor_helpers import settings

    from workshop_lib.aws.snapshot import chains_from

    chains = chains_from(settings(names={"agent_role": "MyAgentRole"}))
    assert chains["agent"].role == "MyAgentRole" and chains["admin"].role == "AmazonConnectAdminAccessRole"


def test_metadata_mapping_matches_app_name_side_or_file_stem():
    from test_doctor_helpers import settings

    from workshop_lib.aws.snapshot import chains_from, metadata_for

    chains = chains_from(settings())
    assert metadata_for(chains["agent"], {"Amazon Connect - Agent": b"x"}) == "x"
    assert metadata_for(chains["admin"], {"admin": "y"}) == "y"
    assert metadata_for(chains["admin"], {"amazon-connect-admin": "z", "agent": "w"}) == "z"
    assert metadata_for(chains["agent"], {"other": "v"}) is None


# ---- the report -----------------------------------------------------------------------------------


def test_report_groups_lines_by_severity_and_builds_a_frame():
    facts = fresh()
    _instance_not_saml(facts)
    _trust_other_provider(facts)
    facts.console.pop("admin")
    report = DoctorReport(check_facts(facts), facts, calls=17)
    assert not report.ok
    text = "\n".join(report.lines())
    assert text.index("Errors:") < text.index("Verify by eye:")
    assert "[F19]" in text and "17 API calls" in text
    frame = report.to_frame()
    assert list(frame.columns) == ["severity", "code", "message", "fix", "expected", "link"]
    assert len(frame) == len(report.findings) and "F2" in set(frame["code"])


def test_report_on_intact_set_up_says_so():
    report = DoctorReport([], fresh())
    assert report.ok and report.lines() == [report.summary()] and "intact" in report.summary()
    assert report.to_frame().empty


def test_seed_instance_id_is_named_as_not_hexadecimal():
    facts = fresh()
    _instance_id_not_a_uuid(facts)
    findings = check_facts(facts)
    assert [f.code for f in findings if f.severity is not Severity.INFO] == ["F19"]
    assert "'u'" in findings[0].message and "'r'" in findings[0].message


# ---- whatever a learner typed into the console, the doctor answers in findings ------------------------

_TEXT = st.text(max_size=200)


@hsettings(max_examples=150, deadline=None)
@given(
    relay=st.one_of(st.none(), _TEXT),
    role=_TEXT,
    session=_TEXT,
    subject=_TEXT,
    duration=_TEXT,
    audience=st.one_of(st.none(), _TEXT),
    acs=st.one_of(st.none(), _TEXT),
    email=_TEXT,
    connect_name=_TEXT,
)
def test_any_console_values_and_names_give_findings_not_exceptions(
    relay, role, session, subject, duration, audience, acs, email, connect_name
):
    facts = fresh()
    facts.console["agent"] = ConsoleSettings(
        relay,
        {"Role": role, "RoleSessionName": session, "Subject": subject, "SessionDuration": duration},
        audience,
        acs,
    )
    add_user(facts, email or "x", "agent", connect_username=connect_name or None)
    findings = check_facts(facts)
    assert all(f.code and f.message for f in findings)


def test_a_superscript_digit_session_duration_is_a_finding_not_an_exception():
    """'¹' is a Unicode digit to str.isdigit() but not to int(): found by the property test above."""
    from workshop_lib.doctor.console import _session_duration
    from workshop_lib.rules.chain import SideNames

    chain = SideNames("agent", app="Amazon Connect - Agent", provider="p", role="r", group="g", policy="x", security_profile="Agent", destination="ccp")
    findings = _session_duration(chain, "¹", "In the console,", "")
    assert [f.code for f in findings] == ["F1"]
