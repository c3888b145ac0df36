"""Canonical workshop names and the rules for aliases, IAM names and group names."""

import random
import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workshop_lib.errors import InputError
from workshop_lib.rules import names
from workshop_lib.rules.names import (
    ADMIN_USERS,
    AGENT_USERS,
    ALIAS_RE,
    DEFAULT_USERS,
    default_alias,
    validate_alias,
    validate_group_name,
    validate_iam_name,
)
from workshop_lib.rules.usernames import username_problems

MODEL_ALIAS_RE = re.compile(r"^(?!d-)([\da-zA-Z]+)([-]*[\da-zA-Z])*$")  # botocore's pattern, for comparison only


def test_canonical_names_follow_the_final_upstream_revision():
    assert (names.AGENT_APP_NAME, names.ADMIN_APP_NAME) == ("Amazon Connect - Agent", "Amazon Connect - Admin")
    assert (names.AGENT_PROVIDER_NAME, names.ADMIN_PROVIDER_NAME) == ("AmazonConnectAgentAccess", "AmazonConnectAdminAccess")
    assert names.POLICY_NAME == "AmazonConnectSSOPolicy"
    assert (names.AGENT_ROLE_NAME, names.ADMIN_ROLE_NAME) == ("AmazonConnectAgentAccessRole", "AmazonConnectAdminAccessRole")
    assert (names.AGENT_GROUP_NAME, names.ADMIN_GROUP_NAME) == ("ConnectAgents", "ConnectAdmins")


def test_default_users_have_the_workshop_emails_and_names():
    assert [(u.username, u.first_name, u.last_name) for u in DEFAULT_USERS] == [
        ("agent1@connect-workshop.com", "Agent", "1"),
        ("agent2@connect-workshop.com", "Agent", "2"),
        ("admin-user@amazon-connect-workshop.com", "Admin", "User"),
    ]
    assert {u.group for u in AGENT_USERS} == {"ConnectAgents"}
    assert [(u.group, u.security_profile) for u in ADMIN_USERS] == [("ConnectAdmins", "Admin")]


def test_default_usernames_pass_the_username_rules():
    assert all(username_problems(u.username) == [] for u in DEFAULT_USERS)


@pytest.mark.parametrize(
    ("kind", "name"),
    [("role", names.AGENT_ROLE_NAME), ("role", names.ADMIN_ROLE_NAME), ("policy", names.POLICY_NAME),
     ("saml-provider", names.AGENT_PROVIDER_NAME), ("saml-provider", names.ADMIN_PROVIDER_NAME)],
)
def test_default_iam_names_are_valid(kind, name):
    assert validate_iam_name(kind, name) == name


def test_default_alias_is_the_prefix_and_four_digits():
    alias = default_alias(random.Random(7))
    assert re.fullmatch(r"aws-connect-workshop-123-\d{4}", alias)
    assert validate_alias(alias) == alias


def test_default_alias_repeats_for_the_same_seed():
    assert default_alias(42) == default_alias(42) == default_alias(random.Random(42))


@pytest.mark.parametrize("alias", ["aws-connect-workshop-123-0042", "a", "A1", "my--alias", "d1-ok", "x" * 45])
def test_validate_alias_accepts_good_aliases(alias):
    assert validate_alias(f"  {alias} ") == alias


@pytest.mark.parametrize(
    ("alias", "expected"),
    [
        ("", "The instance alias is empty."),
        ("d-1234567890", "it starts with 'd-', which is reserved for directory IDs"),
        ("-workshop", "it starts or ends with a hyphen"),
        ("workshop-", "it starts or ends with a hyphen"),
        ("my_workshop", "it contains '_', and only letters, digits and hyphens are allowed"),
        ("my workshop.1", "it contains a space, '.'"),
        ("x" * 46, "it is 46 characters long, more than 45"),
    ],
)
def test_validate_alias_says_what_breaks_the_rule(alias, expected):
    with pytest.raises(InputError) as excinfo:
        validate_alias(alias)
    assert expected in excinfo.value.message
    assert "letters, digits and hyphens" in excinfo.value.fix


def test_validate_alias_is_fast_on_long_near_misses():
    start = time.perf_counter()
    for text in ["a" * 44 + "_", "a" * 30 + "-" * 14 + "_"]:
        with pytest.raises(InputError):
            validate_alias(text)
        assert not ALIAS_RE.match(text)
    assert time.perf_counter() - start < 0.5


@given(st.from_regex(r"[a-zA-Z0-9-]{1,45}", fullmatch=True))
def test_alias_pattern_equals_the_botocore_model_pattern(alias):
    assert bool(ALIAS_RE.match(alias)) == bool(MODEL_ALIAS_RE.match(alias))


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("role", "", "The IAM role name is empty."),
        ("role", "Agent Role", "it contains a space, which IAM does not allow in an IAM role name"),
        ("role", "R" * 65, "it is 65 characters long, more than 64"),
        ("policy", "P" * 129, "more than 128"),
        ("saml-provider", "Connect+SSO", "it contains '+'"),
        ("saml-provider", "Connect@SSO", "it contains '@'"),
        ("role", "Rôle", "it contains 'ô'"),
    ],
)
def test_validate_iam_name_says_what_is_wrong(kind, name, expected):
    with pytest.raises(InputError) as excinfo:
        validate_iam_name(kind, name)
    assert expected in excinfo.value.message
    assert excinfo.value.fix.startswith("Use up to")


def test_validate_iam_name_accepts_all_allowed_role_characters():
    assert validate_iam_name("role", "a_b+c=d,e.f@g-h") == "a_b+c=d,e.f@g-h"


def test_validate_iam_name_rejects_an_unknown_kind_as_a_programming_error():
    with pytest.raises(ValueError):
        validate_iam_name("bucket", "x")


@pytest.mark.parametrize("name", ["ConnectAgents", "Connect Admins", "Équipe support"])
def test_validate_group_name_accepts_display_names(name):
    assert validate_group_name(name) == name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("  ", "The group name is empty."),
        ("Administrator", "is reserved by IAM Identity Center"),
        ("AWSAdministrators", "is reserved"),
        ("Agents\x00", "invisible control characters"),
        ("G" * 1025, "more than 1024"),
    ],
)
def test_validate_group_name_says_what_is_wrong(name, expected):
    with pytest.raises(InputError) as excinfo:
        validate_group_name(name)
    assert expected in excinfo.value.message
    assert "ConnectAgents" in excinfo.value.fix
