"""Instance IDs and ARNs are accepted as pasted and rejected with the exact reason."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workshop_lib.errors import InputError
from workshop_lib.rules.instance import UUID_RE, InstanceRef, instance_arn, parse_instance, validate_instance_id
from workshop_lib.rules.regions import connect_regions

ACCOUNT = "123456789012"
ID = "178c75e4-b3de-4839-a6aa-e321ab3f3770"
ARN = f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{ID}"
SEED_ARN = "arn:aws:connect:us-east-1:257804509653:instance/9690dd9b-3de7-4097-b4d9-67829f7c8fur"
REGIONS = connect_regions("aws") + connect_regions("aws-us-gov")


@pytest.mark.parametrize(
    "pasted",
    [ID, f"  {ID}\n", f"'{ID}'", f'"{ID}"', f"`{ID}`", f"{ID}/", ID.upper(), f"\u201c{ID}\u201d"],
)
def test_parse_instance_accepts_an_id_as_pasted(pasted):
    assert parse_instance(pasted) == InstanceRef(ID, None, None)


@pytest.mark.parametrize("pasted", [ARN, f" `{ARN}/` ", ARN.replace(ID, ID.upper()), f"'{ARN}'"])
def test_parse_instance_reads_region_and_account_from_an_arn(pasted):
    ref = parse_instance(pasted)
    assert ref == InstanceRef(ID, "us-east-1", ACCOUNT)
    assert ref.arn == ARN


def test_parse_instance_reads_a_govcloud_arn():
    ref = parse_instance(f"arn:aws-us-gov:connect:us-gov-west-1:{ACCOUNT}:instance/{ID}")
    assert (ref.region, ref.account) == ("us-gov-west-1", ACCOUNT)


def test_instance_ref_without_region_or_account_has_no_arn():
    assert InstanceRef(ID).arn is None
    assert InstanceRef(ID, "us-east-1").arn is None


def test_parse_instance_with_a_plain_id_keeps_the_given_region():
    assert parse_instance(ID, region=" US-EAST-1 ") == InstanceRef(ID, "us-east-1", None)


def test_parse_instance_rejects_the_seed_arns_non_hex_instance_id():
    with pytest.raises(InputError) as excinfo:
        parse_instance(SEED_ARN)
    error = excinfo.value
    assert "'u' and 'r' at positions 35 and 36 are not hexadecimal digits" in error.message
    assert "Amazon Connect console" in error.fix and "describe_instance" in error.fix


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("178c75e4-b3de-4839-a6aa-e321ab3f377", "The fifth group 'e321ab3f377' has 11 characters instead of 12."),
        ("178c75e4b3de-4839-a6aa-e321ab3f3770", "It has 4 groups separated by hyphens instead of 5"),
        ("178c75e-b3de-4839-a6aa-e321ab3f37700", "The first group '178c75e' has 7 characters instead of 8."),
        ("178c75e4-b3de-4839-a6aa-e321ab3f377g", "'g' at position 36 is not a hexadecimal digit"),
        ("178c75e4-b3de-4839-a6aa-e321ab 3f3770", "a space at position 31 is not a hexadecimal digit"),
        ("not-an-id", "'n', 'o', 't', 'n' and 'i' at positions 1, 2, 3, 6 and 8 are not hexadecimal"),
    ],
)
def test_validate_instance_id_names_what_is_wrong(value, expected):
    with pytest.raises(InputError) as excinfo:
        validate_instance_id(value)
    assert expected in str(excinfo.value)
    assert "is not a valid Amazon Connect instance ID" in excinfo.value.message


def test_parse_instance_rejects_empty_text():
    with pytest.raises(InputError, match="No Amazon Connect instance ID or ARN was given"):
        parse_instance("  ")


def test_parse_instance_rejects_a_region_that_disagrees_with_the_arn():
    with pytest.raises(InputError) as excinfo:
        parse_instance(ARN, region="eu-west-2")
    assert excinfo.value.message == "The instance ARN is in us-east-1, but the Region given is eu-west-2."


def test_parse_instance_rejects_the_arn_of_a_queue_and_shows_the_instance_arn():
    with pytest.raises(InputError) as excinfo:
        parse_instance(f"{ARN}/queue/6b1e1a3c-3c8e-4f49-9e1e-0a1f2b3c4d5e")
    assert "is the ARN of a queue inside an Amazon Connect instance" in excinfo.value.message
    assert excinfo.value.fix.endswith(ARN)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"arn:aws:iam::{ACCOUNT}:role/AmazonConnectAgentAccessRole", "is an ARN of the iam service"),
        (f"arn:aws:connect:us-east-1:{ACCOUNT}:agent/{ID}", "is the ARN of an Amazon Connect 'agent'"),
        (f"arn:aws:connect:us-east-1:{ACCOUNT}", "is not a complete ARN"),
        (f"arn:aws-cn:connect:cn-north-1:{ACCOUNT}:instance/{ID}", "partition 'aws-cn'"),
        (f"arn:aws:connect:us-east-1:12345:instance/{ID}", "'12345' in the ARN"),
        (f"arn:aws:connect:eu-west-1:{ACCOUNT}:instance/{ID}", "Amazon Connect is not offered in eu-west-1"),
        (f"arn:aws:connect:us-gov-west-1:{ACCOUNT}:instance/{ID}", "says partition 'aws' but its Region"),
        (f"https://us-east-1.console.aws.amazon.com/connect/federate/{ID}", "is a web address"),
    ],
)
def test_parse_instance_rejects_other_arns_with_a_clear_message(value, expected):
    with pytest.raises(InputError) as excinfo:
        parse_instance(value)
    assert expected in excinfo.value.message
    assert excinfo.value.fix


def test_instance_arn_builds_the_partition_from_the_region():
    assert instance_arn("us-east-1", ACCOUNT, ID) == ARN
    assert instance_arn("us-gov-west-1", ACCOUNT, ID).startswith("arn:aws-us-gov:connect:us-gov-west-1:")


def test_instance_arn_rejects_a_short_account():
    with pytest.raises(InputError, match="is not a 12-digit AWS account ID"):
        instance_arn("us-east-1", "1234", ID)


@given(st.uuids(), st.sampled_from(REGIONS))
def test_instance_arn_round_trips_through_parse_instance(uuid, region):
    arn = instance_arn(region, ACCOUNT, str(uuid))
    ref = parse_instance(arn)
    assert ref == InstanceRef(str(uuid), region, ACCOUNT)
    assert ref.arn == arn
    assert UUID_RE.match(ref.instance_id)


@given(st.uuids())
def test_uppercase_ids_are_lowercased(uuid):
    assert validate_instance_id(str(uuid).upper()) == str(uuid)
