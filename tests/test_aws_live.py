"""Opt-in checks against a real AWS account: `pytest -m aws_live` (skipped without credentials).

Read-only: they never create or delete anything. Set WORKSHOP_PROFILE / WORKSHOP_REGION to choose
the profile and Region; WORKSHOP_INSTANCE (an instance ARN) to include an existing instance.
"""

import os

import pytest

pytestmark = pytest.mark.aws_live


@pytest.fixture()
def live(tmp_path, monkeypatch):
    import boto3

    profile = os.environ.get("WORKSHOP_PROFILE") or None
    if boto3.Session(profile_name=profile).get_credentials() is None:
        pytest.skip("no AWS credentials: set a profile (WORKSHOP_PROFILE) or the default chain to run live tests")
    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    from workshop_lib import settings as st
    from workshop_lib.aws.session import forget_clients

    forget_clients()
    s = st.Settings(target="aws", profile=profile or "", region=os.environ.get("WORKSHOP_REGION", "us-east-1"))
    if os.environ.get("WORKSHOP_INSTANCE"):
        from workshop_lib.rules.instance import parse_instance

        ref = parse_instance(os.environ["WORKSHOP_INSTANCE"], s.region)
        s.instance_id, s.instance_arn, s.account_id = ref.instance_id, ref.arn or "", ref.account or ""
    st.save(s)
    yield s
    forget_clients()


def test_preflight_names_the_account_and_caller(live):
    from workshop_lib.aws.preflight import run_preflight

    report = run_preflight(live)
    assert len(report.account) == 12 and report.caller_arn.startswith("arn:aws")


def test_every_step_check_answers_without_raising(live):
    from workshop_lib.chapters import all_steps
    from workshop_lib.context import Context

    ctx = Context()
    for _, step in all_steps():
        status = step.safe_check(ctx)
        assert status.summary, step.key


def test_doctor_runs_read_only(live):
    from workshop_lib.doctor import run_doctor

    report = run_doctor(live)
    assert report.calls > 0
