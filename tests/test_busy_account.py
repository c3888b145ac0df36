"""The busy account: `sandbox seed busy-account`, and the workshop in it leaving everything that was not its own as it was.

The account is full of someone else's resources, several with exactly the workshop's default names. The learner
(tests/rehearsal_learner.py, on the rehearsal target) does the whole workshop, imports a CSV that includes an
existing employee, and cleans up; a snapshot of every resource from before (tests/busy_snapshot.py) must not change.
With a name prefix the same account completes the workshop and cleanup removes everything the workshop made.
"""

from __future__ import annotations

import datetime

import pytest
from busy_snapshot import differences, snapshot
from rehearsal_learner import Learner

from workshop_lib.aws import busy_account as ba
from workshop_lib.chapters import all_chapters
from workshop_lib.chapters.model import State

CHAPTERS = tuple(ch.number for ch in all_chapters())
@pytest.fixture()
def busy(learner, sandbox, capsys):
    """The busy account, seeded through the CLI into the reset sandbox, and a rehearsal learner in it."""
    from workshop_lib.cli import main

    assert main(["sandbox", "seed", "busy-account"]) == 0
    said = capsys.readouterr().out
    assert "ConnectAgents has other members" in said and "acme-support-prod" in said
    with learner.update() as s:
        s.target = "rehearsal"
    client = learner.client
    return Learner(learner, sandbox.endpoint, strict=False), (lambda: snapshot(client, sandbox.endpoint))


def _csv_import(learner: Learner) -> None:
    from workshop_lib.ui.agents_csv import AgentsImport

    view = AgentsImport(learner.ctx)
    content = ("first name,last name,email,role\n"
               f"Maria,Garcia,{ba.EXISTING_EMPLOYEE},agent\nNew,Hire,new.hire@example.com,agent\n").encode()
    view.upload.value = ({"name": "team.csv", "type": "text/csv", "size": len(content), "content": memoryview(content),
                          "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
    view.import_button.click()
    view.join()


def _cleanup(learner: Learner) -> None:
    from workshop_lib.ui.cleanup_panel import CleanupPanel

    panel = CleanupPanel(learner.ctx)
    panel.confirm.value = True
    panel.button.click()
    learner.remove_by_hand(panel.plan.manual)


def test_the_seeded_account_is_believable_and_after_the_workshop_an_import_and_cleanup_nothing_in_it_differs(busy, capsys):
    """The default names: several of the workshop's steps meet someone else's resource with the same name. The learner
    uses one of them as it is ("Use it as it is" on the card), finishes the workshop, imports a CSV and cleans up."""
    from workshop_lib.cli import main

    learner, snap = busy
    before = snap()
    _believable(before)
    # The seed refuses a sandbox that is not empty, with a sentence and the way on.
    assert main(["sandbox", "seed", "busy-account"]) == 1
    assert "sandbox reset" in capsys.readouterr().err

    learner.do_chapters("00", "01", "02", "03")
    card = learner.card("agent.iam.provider")
    stopped = card.perform()
    assert stopped.state is State.ERROR and "is not the workshop's" in stopped.summary
    assert card.adopt_button.layout.display == ""  # the card offers "Use it as it is"
    card.adopt_button.click()
    card.join()
    assert learner.ctx.settings.adopt == ["iam.saml_provider:AmazonConnectAgentAccess"]
    assert "as it is" in card.status.summary and card.status.state is not State.DONE  # their metadata is not our app's

    statuses = learner.do_chapters(*CHAPTERS[4:])
    for key in ("iam.policy", "agent.iam.role", "admin.iam.provider", "admin.iam.role"):
        assert statuses[key].state is State.ERROR and "is not the workshop's" in statuses[key].summary, key
    _csv_import(learner)
    _cleanup(learner)
    assert differences(before, snap()) == {}


def _believable(before: dict) -> None:
    kinds: dict[str, int] = {}
    for key in before:
        kinds[key.split(":")[0]] = kinds.get(key.split(":")[0], 0) + 1
    assert kinds["user"] >= 30 and kinds["group"] >= 10 and kinds["permission-set"] == 4
    assert kinds["account-assignment"] >= 7 and kinds["app-assignment"] >= 10 and kinds["connect"] == 1
    assert kinds["connect-user"] == 9 and kinds["account"] == 4  # three members and the management account
    roles = {v["name"]: v for k, v in before.items() if k.startswith("role:")}
    for name in ("AmazonConnectAgentAccessRole", "AmazonConnectAdminAccessRole"):
        assert roles[name]["max_session"] == 3600 and roles[name]["inline"] and len(roles[name]["attached"]) == 2
    assert roles["AmazonConnectAdminAccessRole"]["tags"] == {ba.TAG_KEY: ba.COLLEAGUE_OWNER}
    assert {v["arn"].rsplit("/", 1)[1] for k, v in before.items() if k.startswith("policy:")} >= {"AmazonConnectSSOPolicy"}
    assert sum(k.startswith("saml-provider:") for k in before) == 2
    groups = {v[0]: k.split(":")[1] for k, v in before.items() if k.startswith("group:")}
    assert len([k for k in before if k.startswith(f"membership:{groups['ConnectAgents']}:")]) == 7


def test_with_a_name_prefix_the_workshop_completes_and_cleanup_removes_all_it_made(busy):
    learner, snap = busy
    with learner.ctx.update() as s:
        s.name_prefix = "team7-"
    learner.strict = True
    before = snap()
    statuses = learner.do_chapters(*CHAPTERS)
    not_done = {k: (s.state.value, s.summary) for k, s in statuses.items()
                if s.state is not State.DONE and k not in {"agents.passwords", "admins.passwords", "signin.agent", "signin.admin"}}
    assert not_done == {}
    assert sorted(learner.signed_in.values()) == ["admin", "ccp"]
    _csv_import(learner)
    _cleanup(learner)
    assert differences(before, snap(), only_before=False) == {}
