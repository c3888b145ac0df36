"""The sandbox refuses what AWS refuses, with AWS's error codes: one table, drawn from the botocore models.

Each row is sent with botocore's own client-side validation switched off (as a raw HTTP client or a
hand-written script would), so the sandbox's server-side validator is what answers. Rows with no
expected code are values at the very edge of what AWS accepts: they must not be refused as invalid.
"""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.sandbox

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]})
STORE = "d-1234567890"
USER = "a1b2c3d4e5-11111111-2222-3333-4444-555555555555"
INSTANCE_ARN = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
APP_ARN = "arn:aws:sso::123456789012:application/ssoins-1234567890abcdef/apl-1234567890abcdef"
ROLE_ARN = "arn:aws:iam::123456789012:role/AgentRole"
PROVIDER_ARN = "arn:aws:iam::123456789012:saml-provider/Agents"
IAM, JSON_ = "ValidationError", "ValidationException"
# Connect and Organizations answer with the validation error their model lists for the operation.
PARAM, REQUEST, INPUT = "InvalidParameterException", "InvalidRequestException", "InvalidInputException"
VALIDATION_CODES = (IAM, JSON_, PARAM, REQUEST, INPUT)
LEN_LE, LEN_GE = "Member must have length less than or equal to", "Member must have length greater than or equal to"
VAL_LE, VAL_GE = "Member must have value less than or equal to", "Member must have value greater than or equal to"
PATTERN, ENUM, NULL = "Member must satisfy regular expression pattern", "Member must satisfy enum value set", "Member must not be null"

# (id, service, operation, parameters, expected code or None, "at '<member>' failed to satisfy constraint: <rule>")
CASES = [
    # ---- IAM (query protocol: ValidationError) — https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
    ("role-name-65", "iam", "create_role", {"RoleName": "r" * 65, "AssumeRolePolicyDocument": TRUST}, IAM, f"'roleName' failed to satisfy constraint: {LEN_LE} 64"),
    ("role-name-space", "iam", "create_role", {"RoleName": "Agent Role", "AssumeRolePolicyDocument": TRUST}, IAM, f"'roleName' failed to satisfy constraint: {PATTERN}"),
    ("role-name-empty", "iam", "create_role", {"RoleName": "", "AssumeRolePolicyDocument": TRUST}, IAM, f"'roleName' failed to satisfy constraint: {LEN_GE} 1"),
    ("role-name-missing", "iam", "create_role", {"AssumeRolePolicyDocument": TRUST}, IAM, f"null at 'roleName' failed to satisfy constraint: {NULL}"),
    ("trust-missing", "iam", "create_role", {"RoleName": "R1"}, IAM, f"null at 'assumeRolePolicyDocument' failed to satisfy constraint: {NULL}"),
    ("max-session-50000", "iam", "create_role", {"RoleName": "R1", "AssumeRolePolicyDocument": TRUST, "MaxSessionDuration": 50000}, IAM, f"'maxSessionDuration' failed to satisfy constraint: {VAL_LE} 43200"),
    ("max-session-3599", "iam", "create_role", {"RoleName": "R1", "AssumeRolePolicyDocument": TRUST, "MaxSessionDuration": 3599}, IAM, f"'maxSessionDuration' failed to satisfy constraint: {VAL_GE} 3600"),
    ("path-no-slashes", "iam", "create_role", {"RoleName": "R1", "AssumeRolePolicyDocument": TRUST, "Path": "workshop"}, IAM, f"'path' failed to satisfy constraint: {PATTERN}"),
    ("path-513", "iam", "create_role", {"RoleName": "R1", "AssumeRolePolicyDocument": TRUST, "Path": "/" + "p" * 511 + "/"}, IAM, f"'path' failed to satisfy constraint: {LEN_LE} 512"),
    ("description-1001", "iam", "create_role", {"RoleName": "R1", "AssumeRolePolicyDocument": TRUST, "Description": "d" * 1001}, IAM, f"'description' failed to satisfy constraint: {LEN_LE} 1000"),
    ("tags-51", "iam", "create_role", {"RoleName": "R1", "AssumeRolePolicyDocument": TRUST, "Tags": [{"Key": f"k{i}", "Value": "v"} for i in range(51)]}, IAM, f"'tags' failed to satisfy constraint: {LEN_LE} 50"),
    ("tag-key-129", "iam", "create_role", {"RoleName": "R1", "AssumeRolePolicyDocument": TRUST, "Tags": [{"Key": "k" * 129, "Value": "v"}]}, IAM, f"'tags.1.member.key' failed to satisfy constraint: {LEN_LE} 128"),
    ("tag-value-257", "iam", "create_role", {"RoleName": "R1", "AssumeRolePolicyDocument": TRUST, "Tags": [{"Key": "k", "Value": "v" * 257}]}, IAM, f"'tags.1.member.value' failed to satisfy constraint: {LEN_LE} 256"),
    ("update-role-43201", "iam", "update_role", {"RoleName": "R1", "MaxSessionDuration": 43201}, IAM, f"'maxSessionDuration' failed to satisfy constraint: {VAL_LE} 43200"),
    ("get-role-65", "iam", "get_role", {"RoleName": "r" * 65}, IAM, f"'roleName' failed to satisfy constraint: {LEN_LE} 64"),
    ("delete-role-space", "iam", "delete_role", {"RoleName": "a b"}, IAM, f"'roleName' failed to satisfy constraint: {PATTERN}"),
    ("policy-name-space", "iam", "create_policy", {"PolicyName": "Agent policy", "PolicyDocument": POLICY}, IAM, f"'policyName' failed to satisfy constraint: {PATTERN}"),
    ("policy-name-129", "iam", "create_policy", {"PolicyName": "p" * 129, "PolicyDocument": POLICY}, IAM, f"'policyName' failed to satisfy constraint: {LEN_LE} 128"),
    ("policy-description-1001", "iam", "create_policy", {"PolicyName": "P1", "PolicyDocument": POLICY, "Description": "d" * 1001}, IAM, f"'description' failed to satisfy constraint: {LEN_LE} 1000"),
    ("inline-policy-name-129", "iam", "put_role_policy", {"RoleName": "R1", "PolicyName": "p" * 129, "PolicyDocument": POLICY}, IAM, f"'policyName' failed to satisfy constraint: {LEN_LE} 128"),
    ("provider-name-129", "iam", "create_saml_provider", {"Name": "n" * 129, "SAMLMetadataDocument": "m" * 1000}, IAM, f"'name' failed to satisfy constraint: {LEN_LE} 128"),
    ("provider-name-space", "iam", "create_saml_provider", {"Name": "Agent IdP", "SAMLMetadataDocument": "m" * 1000}, IAM, f"'name' failed to satisfy constraint: {PATTERN}"),
    ("metadata-999", "iam", "create_saml_provider", {"Name": "Agents", "SAMLMetadataDocument": "m" * 999}, IAM, f"'sAMLMetadataDocument' failed to satisfy constraint: {LEN_GE} 1000"),
    ("list-roles-1001", "iam", "list_roles", {"MaxItems": 1001}, IAM, f"'maxItems' failed to satisfy constraint: {VAL_LE} 1000"),
    ("list-roles-0", "iam", "list_roles", {"MaxItems": 0}, IAM, f"'maxItems' failed to satisfy constraint: {VAL_GE} 1"),
    ("path-prefix", "iam", "list_roles", {"PathPrefix": "workshop"}, IAM, f"'pathPrefix' failed to satisfy constraint: {PATTERN}"),
    ("policy-arn-short", "iam", "attach_role_policy", {"RoleName": "R1", "PolicyArn": "arn:aws:iam::1:p"}, IAM, f"'policyArn' failed to satisfy constraint: {LEN_GE} 20"),
    ("user-name-65", "iam", "create_user", {"UserName": "u" * 65}, IAM, f"'userName' failed to satisfy constraint: {LEN_LE} 64"),
    # ---- STS — https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html
    ("saml-duration-43201", "sts", "assume_role_with_saml", {"RoleArn": ROLE_ARN, "PrincipalArn": PROVIDER_ARN, "SAMLAssertion": "PHNhbWw+", "DurationSeconds": 43201}, IAM, f"'durationSeconds' failed to satisfy constraint: {VAL_LE} 43200"),
    ("saml-duration-899", "sts", "assume_role_with_saml", {"RoleArn": ROLE_ARN, "PrincipalArn": PROVIDER_ARN, "SAMLAssertion": "PHNhbWw+", "DurationSeconds": 899}, IAM, f"'durationSeconds' failed to satisfy constraint: {VAL_GE} 900"),
    ("saml-role-arn-short", "sts", "assume_role_with_saml", {"RoleArn": "arn:aws:iam::1:r", "PrincipalArn": PROVIDER_ARN, "SAMLAssertion": "PHNhbWw+"}, IAM, f"'roleArn' failed to satisfy constraint: {LEN_GE} 20"),
    ("saml-assertion-3", "sts", "assume_role_with_saml", {"RoleArn": ROLE_ARN, "PrincipalArn": PROVIDER_ARN, "SAMLAssertion": "abc"}, IAM, f"'sAMLAssertion' failed to satisfy constraint: {LEN_GE} 4"),
    ("saml-assertion-missing", "sts", "assume_role_with_saml", {"RoleArn": ROLE_ARN, "PrincipalArn": PROVIDER_ARN}, IAM, f"null at 'sAMLAssertion' failed to satisfy constraint: {NULL}"),
    ("session-name-1", "sts", "assume_role", {"RoleArn": ROLE_ARN, "RoleSessionName": "a"}, IAM, f"'roleSessionName' failed to satisfy constraint: {LEN_GE} 2"),
    ("session-name-space", "sts", "assume_role", {"RoleArn": ROLE_ARN, "RoleSessionName": "agent one"}, IAM, f"'roleSessionName' failed to satisfy constraint: {PATTERN}"),
    ("session-duration-43201", "sts", "assume_role", {"RoleArn": ROLE_ARN, "RoleSessionName": "s1", "DurationSeconds": 43201}, IAM, f"'durationSeconds' failed to satisfy constraint: {VAL_LE} 43200"),
    # ---- identity store — https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_CreateUser.html
    ("list-users-101", "identitystore", "list_users", {"IdentityStoreId": STORE, "MaxResults": 101}, JSON_, f"'maxResults' failed to satisfy constraint: {VAL_LE} 100"),
    ("list-users-0", "identitystore", "list_users", {"IdentityStoreId": STORE, "MaxResults": 0}, JSON_, f"'maxResults' failed to satisfy constraint: {VAL_GE} 1"),
    ("store-id-malformed", "identitystore", "list_users", {"IdentityStoreId": "store-1"}, JSON_, f"'identityStoreId' failed to satisfy constraint: {PATTERN}"),
    ("two-filters", "identitystore", "list_users", {"IdentityStoreId": STORE, "Filters": [{"AttributePath": "UserName", "AttributeValue": "a"}] * 2}, JSON_, f"'filters' failed to satisfy constraint: {LEN_LE} 1"),
    ("filter-path-malformed", "identitystore", "list_users", {"IdentityStoreId": STORE, "Filters": [{"AttributePath": "user name", "AttributeValue": "a"}]}, JSON_, f"'filters.1.member.attributePath' failed to satisfy constraint: {PATTERN}"),
    ("user-name-129", "identitystore", "create_user", {"IdentityStoreId": STORE, "UserName": "u" * 129, "DisplayName": "U"}, JSON_, f"'userName' failed to satisfy constraint: {LEN_LE} 128"),
    ("user-name-space", "identitystore", "create_user", {"IdentityStoreId": STORE, "UserName": "agent one", "DisplayName": "U"}, JSON_, f"'userName' failed to satisfy constraint: {PATTERN}"),
    ("display-name-1025", "identitystore", "create_user", {"IdentityStoreId": STORE, "UserName": "agent1", "DisplayName": "d" * 1025}, JSON_, f"'displayName' failed to satisfy constraint: {LEN_LE} 1024"),
    ("two-emails", "identitystore", "create_user", {"IdentityStoreId": STORE, "UserName": "agent1", "DisplayName": "A", "Emails": [{"Value": "a@example.com"}, {"Value": "b@example.com"}]}, JSON_, f"'emails' failed to satisfy constraint: {LEN_LE} 1"),
    ("group-name-1025", "identitystore", "create_group", {"IdentityStoreId": STORE, "DisplayName": "g" * 1025}, JSON_, f"'displayName' failed to satisfy constraint: {LEN_LE} 1024"),
    ("group-id-malformed", "identitystore", "list_group_memberships", {"IdentityStoreId": STORE, "GroupId": "agents"}, JSON_, f"'groupId' failed to satisfy constraint: {PATTERN}"),
    ("user-id-malformed", "identitystore", "describe_user", {"IdentityStoreId": STORE, "UserId": "agent1"}, JSON_, f"'userId' failed to satisfy constraint: {PATTERN}"),
    ("member-id-malformed", "identitystore", "create_group_membership", {"IdentityStoreId": STORE, "GroupId": USER, "MemberId": {"UserId": "agent1"}}, JSON_, f"'memberId.userId' failed to satisfy constraint: {PATTERN}"),
    # ---- sso-admin — https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreateApplicationAssignment.html
    ("sso-list-instances-0", "sso-admin", "list_instances", {"MaxResults": 0}, JSON_, f"'maxResults' failed to satisfy constraint: {VAL_GE} 1"),
    ("sso-list-instances-101", "sso-admin", "list_instances", {"MaxResults": 101}, JSON_, f"'maxResults' failed to satisfy constraint: {VAL_LE} 100"),
    ("instance-arn-malformed", "sso-admin", "list_applications", {"InstanceArn": "arn:aws:sso:::instance/nothing"}, JSON_, f"'instanceArn' failed to satisfy constraint: {PATTERN}"),
    ("application-arn-malformed", "sso-admin", "describe_application", {"ApplicationArn": "arn:aws:sso::123456789012:application/x"}, JSON_, f"'applicationArn' failed to satisfy constraint: {PATTERN}"),
    ("principal-type-enum", "sso-admin", "create_application_assignment", {"ApplicationArn": APP_ARN, "PrincipalId": USER, "PrincipalType": "ROBOT"}, JSON_, f"'principalType' failed to satisfy constraint: {ENUM}: [USER, GROUP]"),
    ("principal-id-48", "sso-admin", "create_application_assignment", {"ApplicationArn": APP_ARN, "PrincipalId": "a" * 48, "PrincipalType": "USER"}, JSON_, f"'principalId' failed to satisfy constraint: {LEN_LE} 47"),
    ("principal-id-malformed", "sso-admin", "create_application_assignment", {"ApplicationArn": APP_ARN, "PrincipalId": "agent1", "PrincipalType": "USER"}, JSON_, f"'principalId' failed to satisfy constraint: {PATTERN}"),
    ("assignments-101", "sso-admin", "list_application_assignments", {"ApplicationArn": APP_ARN, "MaxResults": 101}, JSON_, f"'maxResults' failed to satisfy constraint: {VAL_LE} 100"),
    # ---- Amazon Connect (REST-JSON) — https://docs.aws.amazon.com/connect/latest/APIReference/API_CreateInstance.html
    ("alias-46", "connect", "create_instance", {"IdentityManagementType": "SAML", "InstanceAlias": "a" * 46, "InboundCallsEnabled": True, "OutboundCallsEnabled": True}, REQUEST, f"'instanceAlias' failed to satisfy constraint: {LEN_LE} 45"),
    ("alias-d-prefix", "connect", "create_instance", {"IdentityManagementType": "SAML", "InstanceAlias": "d-workshop", "InboundCallsEnabled": True, "OutboundCallsEnabled": True}, REQUEST, f"'instanceAlias' failed to satisfy constraint: {PATTERN}"),
    ("identity-type-enum", "connect", "create_instance", {"IdentityManagementType": "LDAP", "InstanceAlias": "workshop", "InboundCallsEnabled": True, "OutboundCallsEnabled": True}, REQUEST, f"'identityManagementType' failed to satisfy constraint: {ENUM}"),
    ("client-token-501", "connect", "create_instance", {"IdentityManagementType": "SAML", "InstanceAlias": "workshop", "ClientToken": "t" * 501, "InboundCallsEnabled": True, "OutboundCallsEnabled": True}, REQUEST, f"'clientToken' failed to satisfy constraint: {LEN_LE} 500"),
    ("connect-list-instances-11", "connect", "list_instances", {"MaxResults": 11}, REQUEST, f"'maxResults' failed to satisfy constraint: {VAL_LE} 10"),
    ("connect-list-users-1001", "connect", "list_users", {"InstanceId": "11111111-2222-3333-4444-555555555555", "MaxResults": 1001}, PARAM, f"'maxResults' failed to satisfy constraint: {VAL_LE} 1000"),
    ("connect-instance-id-101", "connect", "list_users", {"InstanceId": "i" * 101}, PARAM, f"'instanceId' failed to satisfy constraint: {LEN_LE} 100"),
    ("connect-username-101", "connect", "create_user", {"InstanceId": "11111111-2222-3333-4444-555555555555", "Username": "u" * 101, "PhoneConfig": {"PhoneType": "SOFT_PHONE"}, "SecurityProfileIds": ["a"], "RoutingProfileId": "b"}, PARAM, f"'username' failed to satisfy constraint: {LEN_LE} 100"),
    ("phone-type-enum", "connect", "create_user", {"InstanceId": "11111111-2222-3333-4444-555555555555", "Username": "agent1", "PhoneConfig": {"PhoneType": "CELL_PHONE"}, "SecurityProfileIds": ["a"], "RoutingProfileId": "b"}, PARAM, f"'phoneConfig.phoneType' failed to satisfy constraint: {ENUM}"),
    ("acw-negative", "connect", "create_user", {"InstanceId": "11111111-2222-3333-4444-555555555555", "Username": "agent1", "PhoneConfig": {"PhoneType": "SOFT_PHONE", "AfterContactWorkTimeLimit": -1}, "SecurityProfileIds": ["a"], "RoutingProfileId": "b"}, PARAM, f"'phoneConfig.afterContactWorkTimeLimit' failed to satisfy constraint: {VAL_GE} 0"),
    ("security-profiles-11", "connect", "create_user", {"InstanceId": "11111111-2222-3333-4444-555555555555", "Username": "agent1", "PhoneConfig": {"PhoneType": "SOFT_PHONE"}, "SecurityProfileIds": [f"p{i}" for i in range(11)], "RoutingProfileId": "b"}, PARAM, f"'securityProfileIds' failed to satisfy constraint: {LEN_LE} 10"),
    # ---- Organizations — https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateOrganization.html
    ("feature-set-enum", "organizations", "create_organization", {"FeatureSet": "SOME"}, INPUT, f"'featureSet' failed to satisfy constraint: {ENUM}: [ALL, CONSOLIDATED_BILLING]"),
    ("list-accounts-21", "organizations", "list_accounts", {"MaxResults": 21}, INPUT, f"'maxResults' failed to satisfy constraint: {VAL_LE} 20"),
    # ---- the edges AWS accepts: never refused as invalid
    ("role-name-64-accepted", "iam", "create_role", {"RoleName": "r" * 64, "AssumeRolePolicyDocument": TRUST}, None, ""),
    ("max-session-43200-accepted", "iam", "create_role", {"RoleName": "R2", "AssumeRolePolicyDocument": TRUST, "MaxSessionDuration": 43200, "Path": "/workshop/"}, None, ""),
    ("tags-50-accepted", "iam", "create_role", {"RoleName": "R3", "AssumeRolePolicyDocument": TRUST, "Tags": [{"Key": f"k{i}", "Value": "v"} for i in range(50)]}, None, ""),
    ("list-users-100-accepted", "identitystore", "list_users", {"IdentityStoreId": STORE, "MaxResults": 100}, None, ""),
    ("alias-45-accepted", "connect", "create_instance", {"IdentityManagementType": "SAML", "InstanceAlias": "a" * 45, "InboundCallsEnabled": True, "OutboundCallsEnabled": True}, None, ""),
    ("unicode-display-name-accepted", "identitystore", "create_user", {"IdentityStoreId": STORE, "UserName": "agent.één", "DisplayName": "Agent Één"}, None, ""),
]


@pytest.fixture()
def raw_client(sandbox):
    """boto3 clients for the sandbox with botocore's own parameter validation off."""
    import boto3
    from botocore.config import Config

    from workshop_lib.sandbox.client import control

    own = control.credentials(sandbox.home)
    config = Config(retries={"max_attempts": 0}, parameter_validation=False)
    return lambda service: boto3.client(service, endpoint_url=sandbox.endpoint, region_name="us-east-1",
                                        aws_access_key_id=own.access_key_id, aws_secret_access_key=own.secret_access_key,
                                        config=config)


def test_the_table_is_large_enough():
    assert len(CASES) >= 60
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_server_side_validation_matches_aws(raw_client, case):
    import botocore.exceptions

    _, service, operation, params, code, fragment = case
    call = getattr(raw_client(service), operation)
    if code is None:
        try:
            call(**params)
        except botocore.exceptions.ClientError as exc:
            assert exc.response["Error"]["Code"] not in VALIDATION_CODES, exc.response["Error"]["Message"]
        return
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(**params)
    error = raised.value.response["Error"]
    assert error["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert re.match(r"^\d+ validation errors? detected: Value ", error["Message"]), error["Message"]
    assert fragment in error["Message"], error["Message"]


def test_several_problems_are_counted_in_one_answer(raw_client):
    import botocore.exceptions

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        raw_client("iam").create_role(RoleName="r" * 65, AssumeRolePolicyDocument=TRUST, MaxSessionDuration=1)
    message = raised.value.response["Error"]["Message"]
    assert message.startswith("2 validation errors detected: ")
    assert "'roleName'" in message and "'maxSessionDuration'" in message


def test_sensitive_values_are_not_quoted_back(raw_client):
    import botocore.exceptions

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        raw_client("identitystore").create_user(IdentityStoreId=STORE, UserName="agent1", DisplayName="A",
                                                Emails=[{"Value": "x" * 1025}])
    message = raised.value.response["Error"]["Message"]
    assert "Value at 'emails.1.member.value' failed to satisfy constraint" in message
    assert "xxxx" not in message
