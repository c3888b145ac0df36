"""What AWS refuses (or accepts) beyond the shapes: IAM deletes and principals, identity store filters and deletes."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from workshop_lib.sandbox.client import console_client

pytestmark = pytest.mark.sandbox

ACCOUNT = "123456789012"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]})


def _code(caught) -> str:
    return caught.value.response["Error"]["Code"]


# ---- IAM ------------------------------------------------------------------------------------------


def test_delete_policy_while_attached_or_versioned_is_a_conflict_and_leaves_no_orphan(aws):
    iam = aws("iam")
    iam.create_role(RoleName="AgentRole", AssumeRolePolicyDocument=TRUST)
    arn = iam.create_policy(PolicyName="AgentPolicy", PolicyDocument=POLICY)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="AgentRole", PolicyArn=arn)
    with pytest.raises(ClientError) as caught:
        iam.delete_policy(PolicyArn=arn)
    assert _code(caught) == "DeleteConflict" and caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    iam.detach_role_policy(RoleName="AgentRole", PolicyArn=arn)
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=POLICY, SetAsDefault=True)
    with pytest.raises(ClientError) as caught:
        iam.delete_policy(PolicyArn=arn)
    assert _code(caught) == "DeleteConflict" and "more than one version" in str(caught.value)
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    iam.delete_policy(PolicyArn=arn)
    iam.delete_role(RoleName="AgentRole")  # nothing left attached to it
    assert iam.list_roles()["Roles"] == []


def test_deleting_a_saml_provider_that_does_not_exist_is_no_such_entity(aws):
    with pytest.raises(ClientError) as caught:
        aws("iam").delete_saml_provider(SAMLProviderArn=f"arn:aws:iam::{ACCOUNT}:saml-provider/Nobody")
    assert _code(caught) == "NoSuchEntity"


@pytest.mark.parametrize("call", ["create_policy", "put_role_policy"])
def test_an_identity_policy_with_a_principal_is_malformed(aws, call):
    iam = aws("iam")
    iam.create_role(RoleName="AgentRole", AssumeRolePolicyDocument=TRUST)
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "s3:ListBucket", "Resource": "*"}]})
    with pytest.raises(ClientError) as caught:
        if call == "create_policy":
            iam.create_policy(PolicyName="P", PolicyDocument=document)
        else:
            iam.put_role_policy(RoleName="AgentRole", PolicyName="P", PolicyDocument=document)
    assert _code(caught) == "MalformedPolicyDocument"
    assert "should not specify a principal" in str(caught.value)


def test_a_trust_policy_naming_a_user_that_does_not_exist_is_refused(aws):
    iam = aws("iam")
    ghost = f"arn:aws:iam::{ACCOUNT}:user/nobody"
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ghost}, "Action": "sts:AssumeRole"}]})
    with pytest.raises(ClientError) as caught:
        iam.create_role(RoleName="R", AssumeRolePolicyDocument=trust)
    assert _code(caught) == "MalformedPolicyDocument" and ghost in str(caught.value)
    iam.create_user(UserName="nobody")
    iam.create_role(RoleName="R", AssumeRolePolicyDocument=trust)  # now the user exists


def test_aws_managed_policies_can_be_attached(aws):
    iam = aws("iam")
    iam.create_role(RoleName="AgentRole", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName="AgentRole", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    attached = iam.list_attached_role_policies(RoleName="AgentRole")["AttachedPolicies"]
    assert attached == [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]
    with pytest.raises(ClientError) as caught:
        iam.attach_role_policy(RoleName="AgentRole", PolicyArn="arn:aws:iam::aws:policy/NoSuchManagedPolicyAtAll")
    assert _code(caught) == "NoSuchEntity"


# ---- identity store ---------------------------------------------------------------------------------


@pytest.fixture()
def store(sandbox, aws):
    found = console_client.enable_identity_center(sandbox.endpoint, "us-east-1", create_organization=True)
    ids = aws("identitystore")
    store_id = found["identity_store_id"]
    users = {name: ids.create_user(IdentityStoreId=store_id, UserName=name, DisplayName=name.title(),
                                   Name={"GivenName": name, "FamilyName": "Agent"})["UserId"]
             for name in ("agent1", "agent2")}
    group = ids.create_group(IdentityStoreId=store_id, DisplayName="ConnectAgents")["GroupId"]
    return ids, store_id, users, group


def test_filters_other_than_username_are_refused_not_ignored(store):
    ids, store_id, users, _ = store
    found = ids.list_users(IdentityStoreId=store_id, Filters=[{"AttributePath": "UserName", "AttributeValue": "agent2"}])
    assert [u["UserId"] for u in found["Users"]] == [users["agent2"]]
    with pytest.raises(ClientError) as caught:
        ids.list_users(IdentityStoreId=store_id, Filters=[{"AttributePath": "DisplayName", "AttributeValue": "Agent2"}])
    assert _code(caught) == "ValidationException"
    with pytest.raises(ClientError) as caught:
        ids.list_groups(IdentityStoreId=store_id, Filters=[{"AttributePath": "UserName", "AttributeValue": "x"}])
    assert _code(caught) == "ValidationException"


def test_deleting_what_is_not_there_is_resource_not_found(store):
    ids, store_id, users, group = store
    missing = str(uuid.uuid4())
    for call in (lambda: ids.delete_user(IdentityStoreId=store_id, UserId=missing),
                 lambda: ids.delete_group_membership(IdentityStoreId=store_id, MembershipId=missing),
                 lambda: ids.list_group_memberships(IdentityStoreId=store_id, GroupId=missing)):
        with pytest.raises(ClientError) as caught:
            call()
        assert _code(caught) == "ResourceNotFoundException"
    assert ids.list_group_memberships(IdentityStoreId=store_id, GroupId=group)["GroupMemberships"] == []


@pytest.mark.parametrize("name", ["Administrator", "AWSAdministrators", "administrator"])
def test_reserved_user_names_are_refused(store, name):
    ids, store_id, _, _ = store
    with pytest.raises(ClientError) as caught:
        ids.create_user(IdentityStoreId=store_id, UserName=name, DisplayName="Admin",
                        Name={"GivenName": "A", "FamilyName": "B"})
    assert _code(caught) == "ValidationException"


def test_groups_without_external_ids_have_none_in_their_answer(store):
    ids, store_id, _, group = store
    described = ids.describe_group(IdentityStoreId=store_id, GroupId=group)
    assert "ExternalIds" not in described
    assert all("ExternalIds" not in g for g in ids.list_groups(IdentityStoreId=store_id)["Groups"])


def test_applications_answer_in_their_botocore_shape(sandbox, aws):
    found = console_client.enable_identity_center(sandbox.endpoint, "us-east-1", create_organization=True)
    arn = console_client.add_application(sandbox.endpoint, "Amazon Connect - Agent")
    described = aws("sso-admin").describe_application(ApplicationArn=arn)
    assert described["CreatedFrom"] == "us-east-1"
    assert described.get("Description", "x") != ""
    listed = aws("sso-admin").list_applications(InstanceArn=found["instance_arn"])["Applications"]
    assert [a["CreatedFrom"] for a in listed] == ["us-east-1"]
