"""Regions and partitions come from botocore's endpoint data and are checked with helpful sentences."""

import subprocess
import sys

import pytest

from workshop_lib.errors import InputError
from workshop_lib.rules.regions import (
    all_regions,
    connect_regions,
    partition_of,
    region_description,
    validate_region,
)


def test_connect_regions_come_from_botocore_endpoint_data():
    import botocore.session

    expected = botocore.session.Session().get_available_regions("connect")
    assert connect_regions() == sorted(expected)
    assert "us-east-1" in connect_regions()


def test_connect_regions_in_govcloud_are_govcloud_regions_only():
    regions = connect_regions("aws-us-gov")
    assert "us-gov-west-1" in regions
    assert all(r.startswith("us-gov-") for r in regions)


def test_connect_regions_exclude_fips_aliases():
    assert not [r for r in connect_regions() if "fips" in r]


def test_all_regions_without_a_service_lists_the_partition():
    regions = all_regions("aws")
    assert set(connect_regions()) < set(regions)
    assert "eu-west-1" in regions


@pytest.mark.parametrize("service", ["sso-admin", "identitystore"])
def test_all_regions_for_identity_center_services(service):
    regions = all_regions("aws", service)
    assert "eu-west-1" in regions and "us-east-1" in regions


def test_all_regions_rejects_an_unknown_partition():
    with pytest.raises(InputError, match="'aws-moon' is not an AWS partition") as excinfo:
        all_regions("aws-moon")
    assert "aws-us-gov" in excinfo.value.fix


@pytest.mark.parametrize(
    ("region", "partition"),
    [("us-east-1", "aws"), ("eu-west-2", "aws"), ("us-gov-west-1", "aws-us-gov"), ("cn-north-1", "aws-cn")],
)
def test_partition_of_known_regions(region, partition):
    assert partition_of(region) == partition


def test_partition_of_a_future_region_uses_the_partition_pattern():
    assert partition_of("eu-north-9") == "aws"


def test_partition_of_rejects_non_region_text():
    with pytest.raises(InputError, match="does not look like an AWS Region"):
        partition_of("virginia")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("us-east-1", "us-east-1"), ("  US-East-1 ", "us-east-1"), ("'eu-west-2'", "eu-west-2"), ("US-GOV-WEST-1", "us-gov-west-1")],
)
def test_validate_region_normalises_case_spaces_and_quotes(typed, expected):
    assert validate_region(typed) == expected


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [("us-east1", "us-east-1"), ("us east 1", "us-east-1"), ("eu-wset-2", "eu-west-2"), ("ap-southeast2", "ap-southeast-2")],
)
def test_validate_region_suggests_the_closest_region(typed, suggestion):
    with pytest.raises(InputError) as excinfo:
        validate_region(typed)
    assert "is not an AWS Region" in excinfo.value.message
    assert excinfo.value.fix == f"Did you mean {suggestion}?"


def test_validate_region_without_a_close_match_gives_an_example():
    with pytest.raises(InputError) as excinfo:
        validate_region("mars")
    assert "such as us-east-1" in excinfo.value.fix


def test_validate_region_rejects_empty_text():
    with pytest.raises(InputError, match="No Region was given"):
        validate_region("   ")


def test_validate_region_says_where_connect_is_offered_when_the_region_has_no_connect():
    with pytest.raises(InputError) as excinfo:
        validate_region("eu-west-1")
    error = excinfo.value
    assert error.message == "Amazon Connect is not offered in eu-west-1 (Europe (Ireland))."
    assert "us-east-1" in error.fix and "eu-west-2" in error.fix
    assert "eu-west-1" not in error.fix


def test_validate_region_for_identity_center_accepts_a_region_without_connect():
    assert validate_region("eu-west-1", service="sso-admin") == "eu-west-1"


def test_validate_region_without_a_service_accepts_any_known_region():
    assert validate_region("eu-west-1", service=None) == "eu-west-1"


def test_region_description_reads_botocore_display_names():
    assert region_description("us-east-1") == "US East (N. Virginia)"
    assert region_description("nowhere-1") == ""


def test_importing_rules_does_not_import_botocore():
    code = "import sys, workshop_lib.rules; print('botocore' in sys.modules, 'boto3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_all_regions_maps_a_client_name_to_its_endpoint_prefix():
    import botocore.session

    assert all_regions("aws", "sso-admin") == sorted(botocore.session.Session().get_available_regions("sso-admin"))


def test_all_regions_rejects_an_unknown_service():
    with pytest.raises(InputError, match="'connekt' is not an AWS service"):
        all_regions("aws", "connekt")


def test_the_generated_region_table_matches_the_installed_botocore():
    """rules/ reads no files: its Region table is generated. After a botocore upgrade, regenerate it."""
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "scripts"))
    import make_region_table

    from workshop_lib.rules import _region_table

    expected = make_region_table.build()
    assert (_region_table.PARTITIONS, _region_table.SERVICE_REGIONS) == (expected["partitions"], expected["services"]), (
        "The Region table is out of date: run `.venv/bin/python scripts/make_region_table.py`.")


def test_an_unknown_service_is_named_with_the_services_the_workshop_knows():
    with pytest.raises(InputError) as raised:
        validate_region("us-east-1", service="not-a-service")
    assert "not-a-service" in str(raised.value) and "connect" in raised.value.describe()
