"""Within one step (its requirements, its work, its check) the Identity Center application listing is read
once; a console action forgets it, so the step's own check sees the application it just added; outside a step
every read is fresh. Against the real sandbox."""

from __future__ import annotations

import pytest

from workshop_lib.aws import console
from workshop_lib.aws.resources import find_application
from workshop_lib.aws.session import CALLS
from workshop_lib.chapters import chapter, find_step
from workshop_lib.chapters.model import State

pytestmark = pytest.mark.sandbox


def _lists(before) -> int:
    return CALLS.since(before).by_name().get("sso-admin:ListApplications", 0)


def test_a_step_reads_the_applications_once_and_sees_what_its_console_action_added(learner):
    for number in ("01", "02"):
        for step in chapter(number).steps:
            assert step.perform(learner).state in (State.DONE, State.UNKNOWN), step.key
    name = learner.settings.name("agent_app")

    # The step's requirement found no application; the console added one; the same step's check sees it.
    assert find_step("agent.app").perform(learner).state is State.DONE
    assert find_application(learner, name) is not None

    before = dict(CALLS.counts)
    with learner.one_step():
        first, again = find_application(learner, name), find_application(learner, name)
    assert first == again and _lists(before) == 1

    before = dict(CALLS.counts)
    with learner.one_step():
        app = find_application(learner, name)
        console.set_relay_state(learner, app["ApplicationArn"], "https://example.com/relay")  # may change the listing
        find_application(learner, name)
    assert _lists(before) == 2

    before = dict(CALLS.counts)  # outside a step (a learner pressing Check): every read asks again
    find_application(learner, name), find_application(learner, name)
    assert _lists(before) == 2
