"""One username must be both a Connect SAML username and an STS RoleSessionName (aws-facts §4, §6)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workshop_lib.errors import InputError
from workshop_lib.rules.usernames import (
    ROLE_SESSION_NAME_RE,
    is_connect_username,
    is_role_session_name,
    match_username,
    suggest_username,
    username_problems,
    validate_username,
)


@pytest.mark.parametrize(
    "value",
    [
        "agent1@connect-workshop.com",
        "agent2@connect-workshop.com",
        "admin-user@amazon-connect-workshop.com",
        "first.last_name-2@mail.example.co.uk",
        "agent1",
        "ab",
        "a" * 50 + "@example.com",
    ],
)
def test_validate_username_accepts_good_usernames(value):
    assert validate_username(value) == value
    assert username_problems(value) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("me+agent1@connect-workshop.com", "STS accepts '+' in a RoleSessionName, but Amazon Connect does not allow it"),
        ("agent 1@connect-workshop.com", "contains a space"),
        (" agent1@connect-workshop.com", "whitespace at the start or end"),
        ("o'brien@connect-workshop.com", "contains an apostrophe"),
        ("o\u2019brien@connect-workshop.com", "contains an apostrophe"),
        ("jos\u00e9@connect-workshop.com", "non-ASCII characters ('\u00e9')"),
        ("a=b@connect-workshop.com", "contains '=', which STS accepts in a RoleSessionName but Amazon Connect does not"),
        ("a,b@connect-workshop.com", "contains ','"),
        ("agent!1#@connect-workshop.com", "contains '!', '#', which neither STS nor Amazon Connect allow"),
        ("a" * 53 + "@example.com", "is 65 characters long; both STS and Amazon Connect allow at most 64"),
        ("a", "STS needs at least 2 characters"),
        ("testuser@example", "The domain 'example' has no top-level domain such as .com"),
        ("a@b@example.com", "contains 2 '@' signs"),
        ("@example.com", "has nothing before the '@'"),
        ("agent1@", "has nothing after the '@'"),
        ("agent1@example..com", "has an empty part between dots"),
        ("agent1@example.c", "does not end in a top-level domain of two or more letters"),
        ("", "The username is empty"),
    ],
)
def test_username_problems_explain_each_rule(value, expected):
    problems = username_problems(value)
    assert any(expected in p for p in problems), problems
    assert all(p.endswith(".") for p in problems)


def test_plus_addressing_is_legal_for_sts_but_never_matches_connect():
    value = "me+agent1@connect-workshop.com"
    assert is_role_session_name(value)
    assert not is_connect_username(value)
    assert "no Connect user can ever match" in username_problems(value)[0]


def test_validate_username_lists_all_problems_in_one_error():
    with pytest.raises(InputError) as excinfo:
        validate_username("o'brien+x@example")
    message = excinfo.value.message
    assert "apostrophe" in message and "plus-addressing" in message and "top-level domain" in message
    assert "agent1@connect-workshop.com" in excinfo.value.fix


@pytest.mark.parametrize(
    ("email", "username", "result"),
    [
        ("agent1@connect-workshop.com", "agent1@connect-workshop.com", "exact"),
        ("Agent1@connect-workshop.com", "agent1@connect-workshop.com", "case-only"),
        ("agent1@connect-workshop.com", "agent2@connect-workshop.com", "different"),
        ("agent1@connect-workshop.com", "agent1@connect-workshop.com ", "different"),
    ],
)
def test_match_username_flags_case_only_differences(email, username, result):
    assert match_username(email, username) == result


@pytest.mark.parametrize(
    ("email", "suggestion"),
    [
        ("me+agent1@connect-workshop.com", "me@connect-workshop.com"),
        (" Jos\u00e9.O'Brien@example.com ", "Jose.OBrien@example.com"),
        ("agent1@connect-workshop.com", "agent1@connect-workshop.com"),
        ("testuser@example", None),
    ],
)
def test_suggest_username_fixes_what_it_can(email, suggestion):
    assert suggest_username(email) == suggestion


@given(st.one_of(
    st.text(max_size=80),
    st.from_regex(r"[A-Za-z0-9_.+'=, -]{1,30}@[a-z0-9-]{1,20}(\.[a-z]{1,4}){0,2}", fullmatch=True),
))
def test_usernames_that_pass_validation_are_valid_role_session_names(value):
    if not username_problems(value):
        assert ROLE_SESSION_NAME_RE.match(value)
        assert is_connect_username(value)
        assert validate_username(value) == value
    else:
        with pytest.raises(InputError):
            validate_username(value)


@given(st.from_regex(r"[A-Za-z0-9_.-]{1,20}@[a-z0-9]{1,20}\.[a-z]{2,6}", fullmatch=True))
def test_plain_ascii_emails_pass_validation(value):
    assert username_problems(value) == []
    assert match_username(value, value) == "exact"


@given(st.text(max_size=40))
def test_suggested_usernames_always_pass_validation(value):
    suggestion = suggest_username(value)
    assert suggestion is None or username_problems(suggestion) == []


def test_a_trailing_newline_is_not_a_valid_role_session_name():
    assert not is_role_session_name("agent1\n")
    assert not is_connect_username("agent1\n")
