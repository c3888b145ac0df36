"""IAM Identity Center (sso-admin) and the identity store in the sandbox, through boto3."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from workshop_lib.sandbox.client import console_client

pytestmark = pytest.mark.sandbox
CONNECT_PROVIDER = "arn:aws:sso::aws:applicationProvider/catalog/AmazonConnect"


def _code(exc_info) -> str:
    return exc_info.value.response["Error"]["Code"]


@pytest.fixture()
def idc(sandbox, aws):
    """Identity Center enabled through the console, with a user and a group in its identity store."""
    enabled = console_client.enable_identity_center(sandbox.endpoint, "us-east-1", create_organization=True)
    store = enabled["identity_store_id"]
    ids = aws("identitystore")
    user = ids.create_user(IdentityStoreId=store, UserName="agent1@connect-workshop.com", DisplayName="Agent 1",
                           Name={"GivenName": "Agent", "FamilyName": "1"},
                           Emails=[{"Value": "agent1@connect-workshop.com", "Type": "work", "Primary": True}])["UserId"]
    group = ids.create_group(IdentityStoreId=store, DisplayName="ConnectAgents")["GroupId"]
    return {**enabled, "user": user, "group": group}


def test_no_instance_until_the_console_enables_identity_center(sandbox, aws):
    sso = aws("sso-admin")
    assert sso.list_instances()["Instances"] == []  # moto's automatic instance is hidden
    enabled = console_client.enable_identity_center(sandbox.endpoint, "us-east-1", create_organization=True)
    instances = sso.list_instances()["Instances"]
    assert [(i["InstanceArn"], i["IdentityStoreId"]) for i in instances] == [
        (enabled["instance_arn"], enabled["identity_store_id"])]
    assert instances[0]["OwnerAccountId"] == "123456789012" and instances[0]["Status"] == "ACTIVE"
    assert aws("sso-admin", region="eu-west-2").list_instances()["Instances"] == []  # one Region only
    described = sso.describe_instance(InstanceArn=enabled["instance_arn"])
    assert described["IdentityStoreId"] == enabled["identity_store_id"]


def test_enabling_needs_an_all_features_organization(sandbox, aws):
    with pytest.raises(console_client.ConsoleError) as caught:
        console_client.enable_identity_center(sandbox.endpoint, "us-east-1")
    assert caught.value.code == "no-organization" and "Create AWS organization" in caught.value.fix
    aws("organizations").create_organization(FeatureSet="CONSOLIDATED_BILLING")
    with pytest.raises(console_client.ConsoleError) as caught:
        console_client.enable_identity_center(sandbox.endpoint, "us-east-1")
    assert "all features" in caught.value.message


def test_enabling_with_create_organization_makes_an_all_features_organization(sandbox, aws):
    console_client.enable_identity_center(sandbox.endpoint, "us-east-1", create_organization=True)
    org = aws("organizations").describe_organization()["Organization"]
    assert org["FeatureSet"] == "ALL" and org["MasterAccountId"] == "123456789012"
    access = aws("organizations").list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    assert [a["ServicePrincipal"] for a in access] == ["sso.amazonaws.com"]


def test_enabling_twice_returns_the_same_instance_and_other_regions_are_refused(sandbox):
    first = console_client.enable_identity_center(sandbox.endpoint, "us-east-1", create_organization=True)
    again = console_client.enable_identity_center(sandbox.endpoint, "us-east-1")
    assert again["instance_arn"] == first["instance_arn"] and again["created"] is False
    with pytest.raises(console_client.ConsoleError) as caught:
        console_client.enable_identity_center(sandbox.endpoint, "eu-west-2")
    assert "already enabled in us-east-1" in caught.value.message


def test_create_instance_is_refused_in_the_management_account(sandbox, aws):
    aws("organizations").create_organization(FeatureSet="ALL")
    with pytest.raises(ClientError) as caught:
        aws("sso-admin").create_instance(Name="mine")
    assert _code(caught) == "ValidationException" and "management account" in str(caught.value)


def test_account_instance_outside_an_organization_cannot_host_amazon_connect(sandbox, aws):
    arn = aws("sso-admin").create_instance(Name="account-instance")["InstanceArn"]
    assert aws("sso-admin").list_instances()["Instances"][0]["InstanceArn"] == arn
    with pytest.raises(console_client.ConsoleError) as caught:
        console_client.add_application(sandbox.endpoint, "Amazon Connect - Agent")
    assert caught.value.code == "F14"


def test_application_providers_include_amazon_connect(sandbox, aws):
    providers = aws("sso-admin").list_application_providers()["ApplicationProviders"]
    connect = next(p for p in providers if p["ApplicationProviderArn"] == CONNECT_PROVIDER)
    assert connect["FederationProtocol"] == "SAML" and connect["DisplayData"]["DisplayName"] == "Amazon Connect"
    described = aws("sso-admin").describe_application_provider(ApplicationProviderArn=CONNECT_PROVIDER)
    assert described["FederationProtocol"] == "SAML"


def test_create_application_refuses_saml_providers(idc, aws):
    with pytest.raises(ClientError) as caught:
        aws("sso-admin").create_application(InstanceArn=idc["instance_arn"], ApplicationProviderArn=CONNECT_PROVIDER,
                                            Name="Amazon Connect - Agent")
    assert _code(caught) == "ValidationException" and "not supported for this action" in str(caught.value)


def test_console_added_applications_are_listed_and_described(sandbox, idc, aws):
    sso = aws("sso-admin")
    agent = console_client.add_application(sandbox.endpoint, "Amazon Connect - Agent")
    admin = console_client.add_application(sandbox.endpoint, "Amazon Connect - Admin")
    assert agent.startswith(f"arn:aws:sso::123456789012:application/{idc['instance_arn'].rsplit('/', 1)[1]}/apl-")
    page = sso.list_applications(InstanceArn=idc["instance_arn"], MaxResults=1)
    rest = sso.list_applications(InstanceArn=idc["instance_arn"], MaxResults=1, NextToken=page["NextToken"])
    assert [a["Name"] for a in page["Applications"] + rest["Applications"]] == ["Amazon Connect - Agent",
                                                                                  "Amazon Connect - Admin"]
    described = sso.describe_application(ApplicationArn=admin)
    assert described["ApplicationProviderArn"] == CONNECT_PROVIDER and described["Status"] == "ENABLED"
    assert described["InstanceArn"] == idc["instance_arn"]


def test_assignments_for_groups_and_users(sandbox, idc, aws):
    sso = aws("sso-admin")
    app = console_client.add_application(sandbox.endpoint, "Amazon Connect - Agent")
    sso.create_application_assignment(ApplicationArn=app, PrincipalId=idc["group"], PrincipalType="GROUP")
    sso.create_application_assignment(ApplicationArn=app, PrincipalId=idc["user"], PrincipalType="USER")
    listed = sso.list_application_assignments(ApplicationArn=app)["ApplicationAssignments"]
    assert {(a["PrincipalType"], a["PrincipalId"]) for a in listed} == {("GROUP", idc["group"]), ("USER", idc["user"])}
    mine = sso.list_application_assignments_for_principal(InstanceArn=idc["instance_arn"], PrincipalId=idc["group"],
                                                          PrincipalType="GROUP")["ApplicationAssignments"]
    assert [a["ApplicationArn"] for a in mine] == [app]
    sso.delete_application_assignment(ApplicationArn=app, PrincipalId=idc["user"], PrincipalType="USER")
    assert len(sso.list_application_assignments(ApplicationArn=app)["ApplicationAssignments"]) == 1
    with pytest.raises(ClientError) as caught:
        sso.delete_application_assignment(ApplicationArn=app, PrincipalId=idc["user"], PrincipalType="USER")
    assert _code(caught) == "ResourceNotFoundException"


def test_assignment_needs_an_existing_principal(sandbox, idc, aws):
    app = console_client.add_application(sandbox.endpoint, "Amazon Connect - Agent")
    with pytest.raises(ClientError) as caught:
        aws("sso-admin").create_application_assignment(ApplicationArn=app, PrincipalType="GROUP",
                                                       PrincipalId="00000000-1111-2222-3333-444444444444")
    assert _code(caught) == "ResourceNotFoundException"


def test_assignment_configuration_of_a_saml_app_is_console_only(sandbox, idc, aws):
    app = console_client.add_application(sandbox.endpoint, "Amazon Connect - Agent")
    sso = aws("sso-admin")
    assert sso.get_application_assignment_configuration(ApplicationArn=app)["AssignmentRequired"] is True
    with pytest.raises(ClientError) as caught:
        sso.put_application_assignment_configuration(ApplicationArn=app, AssignmentRequired=False)
    assert _code(caught) == "ValidationException"


def test_unknown_application_is_resource_not_found(idc, aws):
    with pytest.raises(ClientError) as caught:
        aws("sso-admin").describe_application(
            ApplicationArn="arn:aws:sso::123456789012:application/ssoins-0000000000000000/apl-0000000000000000")
    assert _code(caught) == "ResourceNotFoundException"


def test_identity_store_refuses_unknown_store_ids(idc, aws):
    ids = aws("identitystore")
    with pytest.raises(ClientError) as caught:
        ids.create_user(IdentityStoreId="d-0000000000", UserName="someone@example.com", DisplayName="Someone",
                        Name={"GivenName": "Some", "FamilyName": "One"})
    assert _code(caught) == "ResourceNotFoundException"
    with pytest.raises(ClientError):
        ids.list_users(IdentityStoreId="d-0000000000")
    users = ids.list_users(IdentityStoreId=idc["identity_store_id"])["Users"]
    assert [u["UserName"] for u in users] == ["agent1@connect-workshop.com"]


def test_identity_store_lookups_and_memberships(idc, aws):
    ids = aws("identitystore")
    store = idc["identity_store_id"]
    found = ids.get_user_id(IdentityStoreId=store, AlternateIdentifier={"UniqueAttribute": {
        "AttributePath": "emails.value", "AttributeValue": "agent1@connect-workshop.com"}})
    assert found["UserId"] == idc["user"]
    ids.create_group_membership(IdentityStoreId=store, GroupId=idc["group"], MemberId={"UserId": idc["user"]})
    members = ids.list_group_memberships(IdentityStoreId=store, GroupId=idc["group"])["GroupMemberships"]
    assert [m["MemberId"]["UserId"] for m in members] == [idc["user"]]
    with pytest.raises(ClientError) as caught:
        ids.create_user(IdentityStoreId=store, UserName="agent1@connect-workshop.com", DisplayName="Again",
                        Name={"GivenName": "A", "FamilyName": "B"})
    assert _code(caught) == "ConflictException"
