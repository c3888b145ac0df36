"""Every answer the sandbox gives during a whole workshop run fits its botocore output shape.

A hook on the learner's boto3 session checks each successful response, as parsed by botocore, against the
operation's output shape with the same model-driven walk the sandbox uses for input (required members,
lengths, patterns, enums, ranges, list sizes): chapters 00–08 in order, the doctor, a bulk import of agents,
a re-run, and cleanup. An AWS SDK written against the model would read every one of these answers.
"""

from __future__ import annotations

import re

import pytest

from workshop_lib.agents import Agent
from workshop_lib.aws import session
from workshop_lib.aws.bulk import onboard
from workshop_lib.aws.cleanup import plan_cleanup, run_cleanup
from workshop_lib.chapters import all_steps
from workshop_lib.doctor import run_doctor
from workshop_lib.sandbox.server.validate import problems

pytestmark = pytest.mark.sandbox


def test_a_whole_workshop_run_meets_every_output_shape(learner):
    seen: dict[str, int] = {}
    violations: list[str] = []

    def check(http_response, parsed, model, **_):
        if http_response.status_code >= 300 or model.output_shape is None:
            return
        name = f"{model.service_model.service_name}:{model.name}"
        seen[name] = seen.get(name, 0) + 1
        answer = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
        violations.extend(f"{name}: {problem}" for problem in problems(model.output_shape, answer))

    sess = session.session_for(session.resolve_target(learner.settings))
    sess.events.register("after-call.*.*", check)
    session.forget_clients(keep_sessions=True)  # clients made from now on carry the hook
    try:
        for _, step in all_steps():
            step.perform(learner)
        run_doctor()
        people = [Agent(row=i, email=f"shape{i}@connect-workshop.com", first="Shape", last=f"Agent {i}") for i in range(1, 6)]
        assert onboard(learner, people).ok
        for _, step in all_steps():  # a re-run reads everything back
            step.perform(learner)
        run_cleanup(learner, plan_cleanup(learner))
    finally:
        sess.events.unregister("after-call.*.*", check)
        session.forget_clients(keep_sessions=True)
    assert sum(seen.values()) > 150 and len(seen) > 40, seen
    by_kind: dict[str, int] = {}
    for line in violations:
        operation, _, problem = line.partition(": ")
        kind = f"{operation}: {re.sub(r'Value .*? at ', '', re.sub(r'[.][0-9]+[.]', '.N.', problem))}"
        by_kind[kind] = by_kind.get(kind, 0) + 1
    if violations:
        pytest.fail(f"{len(violations)} output-shape violations:\n" + "\n".join(f"{n:>4} × {k}" for k, n in sorted(by_kind.items())))
