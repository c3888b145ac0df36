"""Amazon Connect in the sandbox, through boto3 against the real server process."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from sandbox_seed import wait_active

pytestmark = pytest.mark.sandbox


def _code(exc_info) -> str:
    return exc_info.value.response["Error"]["Code"]


def _instance(connect, alias="aws-connect-workshop-123-4821", kind="SAML", **extra):
    created = connect.create_instance(IdentityManagementType=kind, InstanceAlias=alias, InboundCallsEnabled=True,
                                      OutboundCallsEnabled=True, **extra)
    return created


@pytest.fixture()
def connect(aws):
    return aws("connect")


@pytest.fixture()
def instance(connect):
    created = _instance(connect)
    wait_active(connect, created["Id"])
    profiles = connect.list_security_profiles(InstanceId=created["Id"])["SecurityProfileSummaryList"]
    routing = connect.list_routing_profiles(InstanceId=created["Id"])["RoutingProfileSummaryList"]
    return {"Id": created["Id"], "Arn": created["Arn"], "profiles": {p["Name"]: p["Id"] for p in profiles},
            "routing": routing[0]["Id"]}


def _user_args(instance, username, **extra):
    args = {"InstanceId": instance["Id"], "Username": username, "IdentityInfo": {"FirstName": "Agent", "LastName": "1"},
            "PhoneConfig": {"PhoneType": "SOFT_PHONE"}, "SecurityProfileIds": [instance["profiles"]["Agent"]],
            "RoutingProfileId": instance["routing"]}
    args.update(extra)
    return args


# ---- instances ------------------------------------------------------------------------------------

def test_new_instance_is_creation_in_progress_then_active(connect):
    created = _instance(connect)
    first = connect.describe_instance(InstanceId=created["Id"])["Instance"]
    assert first["InstanceStatus"] == "CREATION_IN_PROGRESS"
    assert first["IdentityManagementType"] == "SAML" and first["Arn"] == created["Arn"]
    time.sleep(0.3)
    assert connect.describe_instance(InstanceId=created["Id"])["Instance"]["InstanceStatus"] == "ACTIVE"
    summary = connect.list_instances()["InstanceSummaryList"]
    assert [(s["Id"], s["InstanceStatus"]) for s in summary] == [(created["Id"], "ACTIVE")]


def test_describe_instance_accepts_the_arn(connect):
    created = _instance(connect)
    assert connect.describe_instance(InstanceId=created["Arn"])["Instance"]["Id"] == created["Id"]


def test_users_cannot_be_created_while_the_instance_is_being_created(connect):
    created = _instance(connect)
    with pytest.raises(ClientError) as caught:
        connect.list_security_profiles(InstanceId=created["Id"])
    assert _code(caught) == "InvalidRequestException"
    assert "CREATION_IN_PROGRESS" in str(caught.value)


@pytest.mark.parametrize("alias", ["d-workshop", "bad_alias", "-starts-with-dash", "x" * 46])
def test_alias_must_match_the_pattern(connect, alias):
    with pytest.raises(ClientError) as caught:
        _instance(connect, alias=alias)
    assert _code(caught) == "InvalidRequestException"


def test_alias_is_unique(connect):
    _instance(connect, alias="my-workshop")
    with pytest.raises(ClientError) as caught:
        _instance(connect, alias="My-Workshop")
    assert "already in use" in str(caught.value)


def test_identity_management_type_is_validated(connect):
    with pytest.raises(ClientError) as caught:
        _instance(connect, kind="BOGUS")
    assert _code(caught) == "InvalidRequestException" and "SAML" in str(caught.value)


def test_saml_instance_needs_an_alias(connect):
    with pytest.raises(ClientError) as caught:
        connect.create_instance(IdentityManagementType="SAML", InboundCallsEnabled=True, OutboundCallsEnabled=True)
    assert "InstanceAlias is required" in str(caught.value)


def test_client_token_makes_create_instance_idempotent(connect):
    first = _instance(connect, ClientToken="token-1")
    again = _instance(connect, ClientToken="token-1")
    assert again["Id"] == first["Id"] and len(connect.list_instances()["InstanceSummaryList"]) == 1
    with pytest.raises(ClientError) as caught:
        _instance(connect, alias="another-alias", ClientToken="token-1")
    assert "ClientToken" in str(caught.value)


def test_delete_instance(connect):
    created = _instance(connect)
    connect.delete_instance(InstanceId=created["Id"])
    with pytest.raises(ClientError) as caught:
        connect.describe_instance(InstanceId=created["Id"])
    assert _code(caught) == "ResourceNotFoundException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# ---- profiles -------------------------------------------------------------------------------------

def test_default_security_and_routing_profiles(connect, instance):
    assert set(instance["profiles"]) == {"Admin", "Agent", "CallCenterManager", "QualityAnalyst"}
    routing = connect.list_routing_profiles(InstanceId=instance["Id"])["RoutingProfileSummaryList"]
    assert [r["Name"] for r in routing] == ["Basic Routing Profile"]
    assert routing[0]["Arn"] == f"{instance['Arn']}/routing-profile/{routing[0]['Id']}"
    described = connect.describe_security_profile(InstanceId=instance["Id"], SecurityProfileId=instance["profiles"]["Admin"])
    assert described["SecurityProfile"]["SecurityProfileName"] == "Admin"


def test_security_profiles_paginate(connect, instance):
    first = connect.list_security_profiles(InstanceId=instance["Id"], MaxResults=3)
    rest = connect.list_security_profiles(InstanceId=instance["Id"], MaxResults=3, NextToken=first["NextToken"])
    assert len(first["SecurityProfileSummaryList"]) == 3 and "NextToken" not in rest
    names = [p["Name"] for p in first["SecurityProfileSummaryList"] + rest["SecurityProfileSummaryList"]]
    assert sorted(names) == ["Admin", "Agent", "CallCenterManager", "QualityAnalyst"]


# ---- users ----------------------------------------------------------------------------------------

def test_create_describe_and_delete_user(connect, instance):
    created = connect.create_user(**_user_args(instance, "agent1@connect-workshop.com"))
    user = connect.describe_user(InstanceId=instance["Id"], UserId=created["UserId"])["User"]
    assert user["Username"] == "agent1@connect-workshop.com"
    assert user["Arn"] == created["UserArn"] == f"{instance['Arn']}/agent/{created['UserId']}"
    assert user["IdentityInfo"] == {"FirstName": "Agent", "LastName": "1"}
    assert user["PhoneConfig"]["PhoneType"] == "SOFT_PHONE"
    assert user["SecurityProfileIds"] == [instance["profiles"]["Agent"]] and user["RoutingProfileId"] == instance["routing"]
    connect.delete_user(InstanceId=instance["Id"], UserId=created["UserId"])
    with pytest.raises(ClientError) as caught:
        connect.describe_user(InstanceId=instance["Id"], UserId=created["UserId"])
    assert _code(caught) == "ResourceNotFoundException"


@pytest.mark.parametrize("field, value, code", [
    ("Password", "Passw0rd!Passw0rd", "InvalidRequestException"),
    ("DirectoryUserId", "00000000-0000-0000-0000-000000000000", "InvalidRequestException"),
    ("IdentityInfo", {"FirstName": "Agent", "LastName": "1", "Email": "agent1@connect-workshop.com"},
     "InvalidRequestException"),
    ("IdentityInfo", {"FirstName": "Agent"}, "InvalidParameterException"),
])
def test_saml_instance_refuses_what_aws_refuses(connect, instance, field, value, code):
    with pytest.raises(ClientError) as caught:
        connect.create_user(**_user_args(instance, "agent1@connect-workshop.com", **{field: value}))
    assert _code(caught) == code


@pytest.mark.parametrize("username", ["agent+1@connect-workshop.com", "testuser@example", "o'brien@example.com",
                                      "a b@example.com", "x" * 65])
def test_saml_username_rules(connect, instance, username):
    with pytest.raises(ClientError) as caught:
        connect.create_user(**_user_args(instance, username))
    assert _code(caught) == "InvalidParameterException"
    assert username[:20] in str(caught.value)


def test_duplicate_username_is_refused_but_case_differs_is_another_user(connect, instance):
    connect.create_user(**_user_args(instance, "agent1@connect-workshop.com"))
    with pytest.raises(ClientError) as caught:
        connect.create_user(**_user_args(instance, "agent1@connect-workshop.com"))
    assert _code(caught) == "DuplicateResourceException"
    connect.create_user(**_user_args(instance, "Agent1@connect-workshop.com"))


def test_unknown_security_profile_is_refused(connect, instance):
    with pytest.raises(ClientError) as caught:
        connect.create_user(**_user_args(instance, "agent1@connect-workshop.com",
                                         SecurityProfileIds=["00000000-0000-0000-0000-000000000000"]))
    assert _code(caught) == "ResourceNotFoundException"


def test_list_users_paginates(connect, instance):
    names = [f"agent{i}@connect-workshop.com" for i in range(5)]
    for name in names:
        connect.create_user(**_user_args(instance, name))
    page = connect.list_users(InstanceId=instance["Id"], MaxResults=2)
    seen = [u["Username"] for u in page["UserSummaryList"]]
    while "NextToken" in page:
        page = connect.list_users(InstanceId=instance["Id"], MaxResults=2, NextToken=page["NextToken"])
        seen += [u["Username"] for u in page["UserSummaryList"]]
    assert seen == names
    paginated = connect.get_paginator("list_users").paginate(InstanceId=instance["Id"], PaginationConfig={"PageSize": 2})
    assert sum(len(p["UserSummaryList"]) for p in paginated) == 5


def test_search_users(connect, instance):
    for name in ("agent1@connect-workshop.com", "agent2@connect-workshop.com", "admin-user@amazon-connect-workshop.com"):
        connect.create_user(**_user_args(instance, name))
    found = connect.search_users(InstanceId=instance["Id"], SearchCriteria={
        "StringCondition": {"FieldName": "username", "Value": "agent", "ComparisonType": "STARTS_WITH"}})
    assert sorted(u["Username"] for u in found["Users"]) == ["agent1@connect-workshop.com", "agent2@connect-workshop.com"]
    assert found["ApproximateTotalCount"] == 2
    exact = connect.search_users(InstanceId=instance["Id"], SearchCriteria={"OrConditions": [
        {"StringCondition": {"FieldName": "username", "Value": "Agent1@connect-workshop.com", "ComparisonType": "EXACT"}},
        {"StringCondition": {"FieldName": "username", "Value": "admin", "ComparisonType": "CONTAINS"}}]})
    assert [u["Username"] for u in exact["Users"]] == ["admin-user@amazon-connect-workshop.com"]


def test_update_user_identity_info_and_profiles(connect, instance):
    user_id = connect.create_user(**_user_args(instance, "agent1@connect-workshop.com"))["UserId"]
    connect.update_user_identity_info(InstanceId=instance["Id"], UserId=user_id,
                                      IdentityInfo={"FirstName": "Ana", "LastName": "Lopez"})
    connect.update_user_security_profiles(InstanceId=instance["Id"], UserId=user_id,
                                          SecurityProfileIds=[instance["profiles"]["Admin"]])
    user = connect.describe_user(InstanceId=instance["Id"], UserId=user_id)["User"]
    assert user["IdentityInfo"] == {"FirstName": "Ana", "LastName": "Lopez"}
    assert user["SecurityProfileIds"] == [instance["profiles"]["Admin"]]
    with pytest.raises(ClientError) as caught:
        connect.update_user_identity_info(InstanceId=instance["Id"], UserId=user_id, IdentityInfo={
            "FirstName": "Ana", "LastName": "Lopez", "Email": "ana@example.com"})
    assert _code(caught) == "InvalidRequestException"


def test_get_federation_token_needs_role_credentials(connect, instance):
    with pytest.raises(ClientError) as caught:
        connect.get_federation_token(InstanceId=instance["Id"])
    assert _code(caught) == "InvalidRequestException" and "federation" in str(caught.value)
