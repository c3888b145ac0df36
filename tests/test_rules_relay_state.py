"""Relay state: built from the instance, parsed back, and checked with one sentence per problem (F12)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workshop_lib.errors import InputError
from workshop_lib.findings import Severity
from workshop_lib.rules.regions import connect_regions
from workshop_lib.rules.relay_state import (
    DESTINATIONS,
    RelayState,
    admin_relay_state_url,
    check_relay_state,
    parse_relay_state,
    relay_state_url,
)

ID = "178c75e4-b3de-4839-a6aa-e321ab3f3770"
OTHER_ID = "6b1e1a3c-3c8e-4f49-9e1e-0a1f2b3c4d5e"
BASE = f"https://us-east-1.console.aws.amazon.com/connect/federate/{ID}"
CCP = BASE + "?destination=%2Fccp-v2"
SEED_ID = "9690dd9b-3de7-4097-b4d9-67829f7c8fur"


def messages(findings, severity=None):
    return [f.message for f in findings if severity is None or f.severity is severity]


def test_relay_state_url_for_the_ccp_is_exact():
    assert relay_state_url(ID, "us-east-1") == CCP


@pytest.mark.parametrize(
    ("destination", "suffix"),
    [
        ("ccp", "?destination=%2Fccp-v2"),
        ("chat", "?destination=%2Fccp-v2%2Fchat"),
        ("agent-workspace", "?destination=%2Fagent-app-v2"),
        ("legacy-ccp", "?destination=%2Fconnect%2Fccp"),
        ("/ccp-v2", "?destination=%2Fccp-v2"),
        (None, ""),
    ],
)
def test_relay_state_url_encodes_each_destination(destination, suffix):
    assert relay_state_url(ID, "us-east-1", destination) == BASE + suffix


def test_admin_relay_state_url_has_no_destination():
    assert admin_relay_state_url(ID, "us-east-1") == BASE


def test_relay_state_url_for_govcloud_uses_the_govcloud_console():
    assert relay_state_url(ID, "us-gov-west-1") == (
        f"https://console.amazonaws-us-gov.com/connect/federate/{ID}?destination=%2Fccp-v2"
    )


def test_relay_state_url_can_add_new_domain():
    assert relay_state_url(ID, "us-east-1", new_domain=True) == CCP + "&new_domain=true"
    assert admin_relay_state_url(ID, "us-east-1") + "?new_domain=true" == relay_state_url(
        ID, "us-east-1", None, new_domain=True
    )


def test_relay_state_url_lowercases_the_instance_id():
    assert relay_state_url(ID.upper(), "US-EAST-1") == CCP


def test_relay_state_url_rejects_non_uuid_instance_id():
    with pytest.raises(InputError, match="'u' and 'r' at positions 35 and 36"):
        relay_state_url(SEED_ID, "us-east-1")


def test_relay_state_url_rejects_a_region_without_connect():
    with pytest.raises(InputError, match="Amazon Connect is not offered in eu-west-1"):
        relay_state_url(ID, "eu-west-1")


def test_relay_state_url_rejects_an_unknown_destination_with_a_suggestion():
    with pytest.raises(InputError) as excinfo:
        relay_state_url(ID, "us-east-1", "chta")
    assert "'chta' is not a relay-state destination" in excinfo.value.message
    assert "Did you mean 'chat'?" in excinfo.value.fix


@pytest.mark.parametrize(
    "url",
    [CCP, BASE, BASE + "?destination=%2Fccp-v2%2Fchat", BASE + "?destination=%2Fagent-app-v2",
     CCP + "&new_domain=true", BASE + "?destination=%2Fagent-app-v2?VDIPlatform=AwsWorkspaces"],
)
def test_check_relay_state_accepts_good_values(url):
    assert check_relay_state(url, ID, "us-east-1") == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (" " + CCP, "The relay state has a space at the start"),
        (CCP + "\n", "The relay state has a line break at the end"),
        (BASE + " ?destination=%2Fccp-v2", "contains a space inside it, after '…"),
        (CCP.replace("https://", "http://"), "starts with http:// instead of https://"),
        (CCP.replace("https://", ""), "does not start with https://"),
        (CCP.replace("us-east-1.console", "console"), "host console.aws.amazon.com has no Region"),
        (CCP.replace("console.aws.amazon.com", "signin.aws.amazon.com"), "goes to the host 'us-east-1.signin.aws.amazon.com'"),
        (CCP.replace("us-east-1", "eu-west-2"), "points to the Region eu-west-2, but the instance is in us-east-1"),
        (CCP.replace("us-east-1", "us-east1"), "names the Region 'us-east1', which is not an AWS Region"),
        (CCP.replace("us-east-1", "eu-west-1"), "Amazon Connect is not offered in eu-west-1"),
        (CCP.replace(ID, SEED_ID), "'u' and 'r' at positions 35 and 36 are not hexadecimal digits"),
        (CCP.replace(ID, OTHER_ID), f"names the instance {OTHER_ID}, but the instance is {ID}"),
        (BASE + "?destination=/ccp-v2", "The destination '/ccp-v2' is not URL-encoded"),
        (BASE + "?destination=%252Fccp-v2", "is URL-encoded twice"),
        (BASE + "?destination=%2Fccp-v3", "The destination '/ccp-v3' is not one Amazon Connect knows"),
        (BASE + "?destination=", "has 'destination=' with nothing after it"),
        (CCP + "?new_domain=true", "new_domain parameter follows a '?'"),
        (BASE + "&destination=%2Fccp-v2", "does not follow a '?'"),
        (BASE.replace("federate", "Federate"), "must be written in lowercase"),
        (f"https://us-east-1.console.aws.amazon.com/connect/federate/", "has no instance ID"),
        (f"https://us-east-1.console.aws.amazon.com/connect/ccp-v2", "must be /connect/federate/<instance-id>"),
        ("https://aws-connect-workshop-123-4821.my.connect.aws/ccp-v2", "is the Amazon Connect access URL"),
        (CCP + "&destination=%2Fccp-v2", "more than one destination"),
        (f"'{CCP}'", "wrapped in quotes"),
        (f"https://\\<region-id>.console.aws.amazon.com/connect/federate/\\<instance-id>", "contains backslashes"),
        (f"https://<region>.console.aws.amazon.com/connect/federate/<intance-id>", "placeholder <region>, <intance-id>"),
        (f"https://console.amazonaws-us-gov.com/connect/federate/{ID}", "is for the aws-us-gov partition"),
        ("", "The relay state is empty"),
    ],
)
def test_check_relay_state_says_exactly_what_is_wrong(url, expected):
    findings = check_relay_state(url, ID, "us-east-1")
    errors = messages(findings, Severity.ERROR)
    assert any(expected in m for m in errors), errors
    assert all(f.code == "F12" and f.fix for f in findings)


def test_check_relay_state_warns_about_the_seeds_legacy_destination():
    findings = check_relay_state(BASE + "?destination=%2Fconnect%2Fccp", ID, "us-east-1")
    assert [f.severity for f in findings] == [Severity.WARNING]
    assert "legacy (2019-2020) CCP path" in findings[0].message
    assert "%2Fccp-v2" in findings[0].fix
    assert findings[0].expected == CCP


def test_check_relay_state_reports_the_seed_relay_state_completely():
    seed = f"https://us-east-1.console.aws.amazon.com/connect/federate/{SEED_ID}?destination=%2Fconnect%2Fccp"
    findings = check_relay_state(seed, ID, "us-east-1")
    assert [f.severity for f in findings] == [Severity.ERROR, Severity.WARNING]
    assert findings[0].expected == CCP


def test_check_relay_state_gives_the_corrected_value_as_expected():
    findings = check_relay_state(" " + BASE + "?destination=/ccp-v2 ", ID, "us-east-1")
    assert {f.expected for f in findings} == {CCP}


def test_check_relay_state_without_an_instance_still_finds_shape_problems():
    findings = check_relay_state(CCP.replace("https", "http"))
    assert messages(findings) == ["The relay state starts with http:// instead of https://."]
    assert findings[0].expected == CCP


def test_check_relay_state_warns_about_uppercase_instance_ids():
    findings = check_relay_state(CCP.replace(ID, ID.upper()), ID, "us-east-1")
    assert [f.severity for f in findings] == [Severity.WARNING]
    assert "capital letters" in findings[0].message


@pytest.mark.parametrize(
    ("suffix", "expected"),
    [("&new_domain=false", "new_domain=false has no effect"), ("&foo=bar", "parameter 'foo'"), ("#top", "ends with '#top'")],
)
def test_check_relay_state_warns_about_odd_parameters(suffix, expected):
    findings = check_relay_state(CCP + suffix, ID, "us-east-1")
    assert [f.severity for f in findings] == [Severity.WARNING]
    assert expected in findings[0].message


def test_check_relay_state_notes_an_absolute_destination_needs_an_approved_origin():
    findings = check_relay_state(BASE + "?destination=https%3A%2F%2Fcrm.example.com%2Fagent", ID, "us-east-1")
    assert [f.severity for f in findings] == [Severity.INFO]
    assert "approved origins" in findings[0].message


def test_check_relay_state_rejects_invalid_expected_values():
    with pytest.raises(InputError):
        check_relay_state(CCP, SEED_ID, "us-east-1")


def test_parse_relay_state_reads_region_instance_and_destination():
    parsed = parse_relay_state(f"  {CCP}&new_domain=true\n")
    assert parsed == RelayState("us-east-1", ID, "/ccp-v2", "aws", True)
    assert parsed.destination == DESTINATIONS["ccp"]


def test_parse_relay_state_of_an_admin_url_has_no_destination():
    parsed = parse_relay_state(BASE)
    assert parsed.destination is None
    assert parsed.url == BASE


def test_parse_relay_state_accepts_the_legacy_destination():
    assert parse_relay_state(BASE + "?destination=%2Fconnect%2Fccp").destination == DESTINATIONS["legacy-ccp"]


def test_parse_relay_state_of_govcloud_has_no_region():
    parsed = parse_relay_state(relay_state_url(ID, "us-gov-west-1", "chat"))
    assert parsed == RelayState(None, ID, "/ccp-v2/chat", "aws-us-gov")


@pytest.mark.parametrize(
    ("url", "expected"),
    [(CCP.replace(ID, SEED_ID), "is not a valid UUID"), (BASE + "?destination=/ccp-v2", "is not URL-encoded"), ("", "is empty")],
)
def test_parse_relay_state_raises_with_every_error(url, expected):
    with pytest.raises(InputError) as excinfo:
        parse_relay_state(url)
    assert expected in excinfo.value.message
    assert excinfo.value.code == "F12"


REGIONS = connect_regions("aws") + connect_regions("aws-us-gov")


@given(st.uuids(), st.sampled_from(REGIONS), st.sampled_from([None, *DESTINATIONS]), st.booleans())
def test_relay_state_round_trips(uuid, region, destination, new_domain):
    url = relay_state_url(str(uuid), region, destination, new_domain=new_domain)
    parsed = parse_relay_state(url)
    assert parsed.instance_id == str(uuid)
    assert parsed.region == (None if region.startswith("us-gov-") else region)
    assert parsed.destination == (DESTINATIONS[destination] if destination else None)
    assert parsed.new_domain is new_domain
    assert parsed.url == url
    findings = check_relay_state(url, str(uuid), region)
    assert [f.severity for f in findings] == ([Severity.WARNING] if destination == "legacy-ccp" else [])


def test_relay_state_that_is_not_a_url_is_a_finding_not_an_exception():
    findings = check_relay_state("https://[::1/connect/federate/x")
    assert [f.code for f in findings] == ["F12"]
    assert "not a valid URL" in findings[0].message
