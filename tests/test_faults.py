"""Faults at every AWS call site: transient ones are retried by botocore and the workshop completes; permanent
ones stop the step with a sentence naming the action and the fix; the settings file and its ledger stay whole."""

from __future__ import annotations

import pytest
import fault_cases as fc

from fault_injection import KINDS, TRANSIENT_KINDS, Fault, inject, is_write
from workshop_lib.aws.session import Target, client
from workshop_lib.errors import AwsError
from workshop_lib.settings import Settings

pytestmark = pytest.mark.sandbox

SERVICES = {"sts", "connect", "organizations", "sso-admin", "identitystore", "iam"}


# ---- the injector itself: each fault looks like the real thing to botocore --------------------------

NOWHERE = Target("sandbox", endpoint_url="http://127.0.0.1:9", access_key_id="AKIAIOSFODNN7EXAMPLE",
                 secret_access_key="never-checked")  # never reached: every attempt is answered by the fault


@pytest.mark.parametrize(("service", "call", "code"), [
    ("iam", lambda c: c.get_role(RoleName="R"), "AccessDenied"),
    ("sts", lambda c: c.get_caller_identity(), "AccessDenied"),
    ("connect", lambda c: c.list_instances(), "AccessDeniedException"),
    ("identitystore", lambda c: c.list_users(IdentityStoreId="d-1234567890"), "AccessDeniedException"),
    ("sso-admin", lambda c: c.list_instances(), "AccessDeniedException"),
    ("organizations", lambda c: c.describe_organization(), "AccessDeniedException"),
])
def test_a_denial_parses_as_each_services_own_error(service, call, code):
    import botocore.exceptions

    with inject(Fault("access_denied"), target=NOWHERE) as faults:
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            call(client(service, Settings(), target=NOWHERE))
    assert raised.value.response["Error"]["Code"] == code
    assert faults.attempts[(service, raised.value.operation_name)] == 1  # a denial is not retried


@pytest.mark.parametrize("kind", TRANSIENT_KINDS)
def test_a_fault_that_never_clears_is_retried_then_explained(kind):
    from workshop_lib.aws.errors import explained

    with inject(Fault(kind, attempts=None), target=NOWHERE) as faults:
        iam = client("iam", Settings(), target=NOWHERE)
        with pytest.raises(AwsError) as raised, explained("iam:GetRole"):
            iam.get_role(RoleName="R")
    assert faults.attempts[("iam", "GetRole")] == iam.meta.config.retries["total_max_attempts"] == 5  # retried, then given up
    assert "GetRole" in str(raised.value) and raised.value.fix


def test_fault_kinds_are_checked():
    with pytest.raises(ValueError):
        Fault("gremlins")
    assert set(KINDS) == set(TRANSIENT_KINDS) | {"access_denied"}


# ---- 1. transient faults at every call site -----------------------------------------------------------

@pytest.mark.parametrize("kind", TRANSIENT_KINDS)
def test_every_call_failing_once_with_a_transient_fault_is_retried_and_the_workshop_completes(learner, sandbox, kind):
    out = fc.transient_run(learner, sandbox.endpoint, kind)
    assert out.not_done == {}
    assert out.injected == out.calls > 50  # the first attempt of every call failed ...
    assert out.attempts >= 2 * out.calls  # ... and botocore's retry mode sent it again
    assert {service for service, _ in out.call_sites} == SERVICES
    assert fc.counts(out.inventory) == fc.EXPECTED  # each resource exactly once
    assert fc.duplicates(out.inventory) == {}
    assert out.ledger == fc.LEDGER
    assert out.file_problems == []


# ---- permanent faults at every call site ----------------------------------------------------------------

def test_access_denied_at_every_call_site_stops_the_step_with_the_action_and_the_fix(learner):
    cases, watch = fc.permanent_sweep(learner, "access_denied")
    assert [c for c in cases if not c.handled] == []
    assert watch.problems == []
    actions = {c.action for c in cases}
    writes = {a for a in actions if is_write(a.split(":")[1])}
    assert {"connect:CreateInstance", "organizations:CreateOrganization", "iam:CreateSAMLProvider", "iam:CreatePolicy",
            "iam:CreateRole", "iam:AttachRolePolicy", "connect:CreateUser", "identitystore:CreateUser",
            "identitystore:CreateGroup", "identitystore:CreateGroupMembership", "sso:CreateApplicationAssignment"} <= writes
    assert len(cases) >= 60
    denied_role = next(c for c in cases if c.action == "iam:CreateRole")
    assert "AWS denied iam:CreateRole" in denied_role.outcome and "Ask your administrator to allow iam:CreateRole" in denied_role.outcome


def test_faults_that_never_clear_stop_each_call_site_with_a_sentence(learner):
    cases, watch = fc.permanent_sweep(learner, TRANSIENT_KINDS)  # the kinds take turns across the call sites
    assert [c for c in cases if not c.handled] == []
    assert {c.kind for c in cases} == set(TRANSIENT_KINDS)
    assert watch.problems == []
    reset = next(c for c in cases if c.kind in ("connection_reset", "connect_timeout", "read_timeout"))
    assert "is not answering" in reset.outcome and "got no answer" in reset.outcome


def test_cleanup_survives_transient_faults_and_explains_the_deletes_it_is_denied(learner, sandbox):
    out = fc.cleanup_faults(learner, sandbox.endpoint)
    assert out.injected > 20 and out.transient_failed == [] and out.left_after_transient == {}
    assert len(out.denied) == 5  # two roles and three Connect users, each in a sentence naming the action
    assert all("AWS denied" in d and ("iam:DeleteRole" in d or "connect:DeleteUser" in d) for d in out.denied)
    from workshop_lib.aws.ownership import words as kind_words

    kept = sorted(f"{kind_words(entry.split(' ', 1)[0])} {entry.split(' ', 1)[1]}" for entry in out.kept_in_ledger)
    assert kept == sorted(d.split(":")[0] for d in out.denied)  # kept, so cleanup can retry them
    assert out.left_after_rerun == {}
