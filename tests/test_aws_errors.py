"""botocore failures become sentences that name the action and the fix."""

import botocore.exceptions as bx
import pytest

from workshop_lib.aws.errors import explained, translate
from workshop_lib.errors import AwsError


def client_error(code, message="", op="CreateRole"):
    return bx.ClientError({"Error": {"Code": code, "Message": message}}, op)


def test_access_denied_names_the_denied_action():
    exc = client_error("AccessDenied", "User: arn:aws:iam::123456789012:user/x is not authorized to perform: iam:CreateRole on resource: role y")
    err = translate(exc)
    assert "iam:CreateRole" in err.message
    assert "allow iam:CreateRole" in err.fix


def test_access_denied_without_action_in_message_uses_the_operation():
    err = translate(client_error("AccessDeniedException", "denied", op="ListApplications"), "sso:ListApplications")
    assert "sso:ListApplications" in err.message


def test_no_credentials_says_how_to_sign_in():
    err = translate(bx.NoCredentialsError())
    assert "No AWS credentials" in err.message and "aws configure" in err.fix


def test_expired_token_says_sign_in_again():
    err = translate(client_error("ExpiredTokenException", "The security token included in the request is expired"))
    assert "expired" in err.message and "Sign in again" in err.fix


def test_unreachable_sandbox_says_how_to_start_it():
    err = translate(bx.EndpointConnectionError(endpoint_url="http://127.0.0.1:5999/"))
    assert "sandbox" in err.message and "sandbox start" in err.fix


def test_unreachable_aws_mentions_network_and_region():
    err = translate(bx.EndpointConnectionError(endpoint_url="https://connect.xx-east-9.amazonaws.com/"))
    assert "Could not reach AWS" in err.message and "Region" in err.fix


def test_explained_reraises_as_workshop_error_without_chaining():
    with pytest.raises(AwsError) as info:
        with explained("connect:DescribeInstance"):
            raise client_error("ResourceNotFoundException", "Instance not found", op="DescribeInstance")
    assert "connect:DescribeInstance failed: Instance not found" in info.value.message
    assert "Region" in info.value.fix
    assert info.value.__suppress_context__


def test_botocore_parameter_validation_is_said_in_plain_words():
    import boto3

    from workshop_lib.aws.errors import translate

    client = boto3.client("connect", region_name="us-east-1", aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="example")
    with pytest.raises(Exception) as caught:
        client.list_users(InstanceId="")  # what an empty settings file would send
    said = str(translate(caught.value, "connect:ListUsers"))
    assert "InstanceId is empty" in said and "00_start_here" in said
    assert "Parameter validation failed" not in said and "valid min length" not in said
