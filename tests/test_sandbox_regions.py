"""A Region without Amazon Connect has no Connect endpoint: the sandbox answers as such a Region does — not at all.

On AWS, connect.eu-west-1.amazonaws.com does not exist, so a client's request never gets an answer (botocore
raises a connection error). The sandbox ends a Connect request signed for such a Region without answering
(botocore: ConnectionClosedError), keeps serving everything else, and the workshop turns either failure into
"Amazon Connect is not offered in …; choose one of …" on both targets.
"""

from __future__ import annotations

import subprocess

import botocore.exceptions
import pytest

from test_sandbox_aws_cli import _aws, home, sandbox_env  # noqa: F401 - the CLI's own sandbox and `sandbox env`
from workshop_lib.rules.regions import all_regions, connect_regions

pytestmark = pytest.mark.sandbox
# eu-west-1 is the most likely mistake (a busy Region without Connect); us-gov-east-1 is the other partition's.
WITHOUT_CONNECT = ("eu-west-1", "us-gov-east-1")


def test_the_regions_chosen_really_lack_connect_and_others_have_it():
    for region in WITHOUT_CONNECT:
        partition = "aws-us-gov" if region.startswith("us-gov-") else "aws"
        assert region in all_regions(partition) and region not in connect_regions(partition)
    assert {"us-east-1", "eu-west-2", "us-gov-west-1"} <= set(connect_regions("aws") + connect_regions("aws-us-gov"))


@pytest.mark.parametrize("region", WITHOUT_CONNECT)
def test_boto3_gets_no_answer_for_connect_where_it_is_not_offered_and_the_sandbox_keeps_serving(aws, region):
    absent = aws("connect", region=region)
    with pytest.raises(botocore.exceptions.ConnectionClosedError) as raised:
        absent.list_instances()
    assert not isinstance(raised.value, botocore.exceptions.ClientError)  # no HTTP answer at all, as from AWS
    with pytest.raises(botocore.exceptions.ConnectionClosedError):  # a write too: nothing is created there
        absent.create_instance(IdentityManagementType="SAML", InstanceAlias="decoy-in-a-wrong-region",
                               InboundCallsEnabled=True, OutboundCallsEnabled=True)
    # Identity Center is offered in that Region: its calls are answered; Connect where it is offered, too.
    assert aws("sso-admin", region=region).list_instances()["Instances"] == []
    here = aws("connect", region="us-east-1")
    assert here.list_instances()["InstanceSummaryList"] == []
    assert not any(i.get("InstanceAlias") == "decoy-in-a-wrong-region"
                   for r in ("us-east-1", "eu-west-2") for i in aws("connect", region=r).list_instances()["InstanceSummaryList"])


def test_the_aws_cli_gets_no_answer_for_connect_in_eu_west_1_and_the_sandbox_keeps_serving(home):  # noqa: F811
    env = {**sandbox_env(home), "AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "2"}
    absent = subprocess.run([_aws(), "connect", "list-instances", "--region", "eu-west-1"], capture_output=True,
                            text=True, env=env, timeout=120)
    assert absent.returncode == 255, absent.stdout + absent.stderr
    assert "Connection was closed before we received a valid response from endpoint URL" in absent.stderr
    assert "An error occurred (" not in absent.stderr  # no AWS error answer: there is no endpoint to give one
    served = subprocess.run([_aws(), "connect", "list-instances", "--region", "us-east-1"], capture_output=True,
                            text=True, env=env, timeout=120)
    assert served.returncode == 0, served.stderr
    assert '"InstanceSummaryList": []' in served.stdout


def test_the_chapter_that_creates_the_instance_says_connect_is_not_offered_there(learner):
    from workshop_lib.chapters import chapter
    from workshop_lib.edge import explain
    from workshop_lib.errors import InputError

    with learner.update() as s:
        s.region = "eu-west-1"
    step = next(s for s in chapter("01").steps if s.key == "connect.instance")
    with pytest.raises(InputError) as raised:
        step.perform(learner)
    said = explain(raised.value)
    assert said.sentence.startswith("Amazon Connect is not offered in eu-west-1 (Europe (Ireland)).")
    assert "us-east-1" in said.sentence and "eu-west-2" in said.sentence and said.exit_code == 2
    assert "Traceback" not in said.sentence and "127.0.0.1" not in said.sentence
    assert learner.settings.instance_id == ""  # nothing was made in a Region that has no Connect


def test_the_doctor_says_connect_is_not_offered_there(ready_learner, capsys):
    from workshop_lib.cli import main

    with ready_learner.update() as s:
        s.region = "us-gov-east-1"
    assert main(["doctor", "--no-console"]) == 2
    out = capsys.readouterr()
    said = out.out + out.err
    assert "Amazon Connect is not offered in us-gov-east-1" in said and "us-gov-west-1" in said
    assert "not answering" not in said and "Traceback" not in said


def test_on_aws_the_failed_name_lookup_becomes_the_same_sentence():
    """The aws target: botocore's EndpointConnectionError for the endpoint it builds for eu-west-1 (a unit test:
    a real lookup would need the network)."""
    import boto3

    from workshop_lib.aws.errors import translate
    from workshop_lib.errors import InputError

    client = boto3.client("connect", region_name="eu-west-1", aws_access_key_id="AKIDEXAMPLE",
                          aws_secret_access_key="not-a-secret")
    url = client.meta.endpoint_url
    assert url == "https://connect.eu-west-1.amazonaws.com"
    failure = botocore.exceptions.EndpointConnectionError(endpoint_url=f"{url}/instance", error="Name or service not known")
    said = translate(failure, "connect:ListInstances")
    assert isinstance(said, InputError)
    assert str(said).startswith("Amazon Connect is not offered in eu-west-1 (Europe (Ireland)).")
    offered = boto3.client("connect", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                           aws_secret_access_key="not-a-secret").meta.endpoint_url
    unreachable = translate(botocore.exceptions.EndpointConnectionError(endpoint_url=f"{offered}/instance", error="x"))
    assert "Could not reach AWS" in str(unreachable)  # a Region that has Connect: a network problem, said as such
