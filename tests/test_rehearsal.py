"""The rehearsal target: the sandbox behaving exactly as a real account, done end to end by a learner driver.

Every real-account path runs here: console guides followed by hand, the metadata upload widget, pasted-back
relay state and Role value, UNKNOWN statuses for what no API reads, the doctor's "verify by eye" items and
cleanup's list of what to remove by hand. The driver (tests/rehearsal_learner.py) uses only what the cards show.
"""

from __future__ import annotations

import datetime
import json

import pytest
from rehearsal_learner import Learner

from workshop_lib import settings as st
from workshop_lib.chapters import all_chapters, find_step
from workshop_lib.chapters.model import State
from workshop_lib.findings import Severity

CHAPTERS = tuple(ch.number for ch in all_chapters())
BY_HAND_UNKNOWN = {"agents.passwords", "admins.passwords", "signin.agent", "signin.admin"}  # no API reads them, ever


@pytest.fixture()
def rehearsal(learner, sandbox):
    """A learner whose settings choose the rehearsal target, on the reset session sandbox."""
    with learner.update() as s:
        s.target = "rehearsal"
    return Learner(learner, sandbox.endpoint)


def _iam(learner):
    return learner.ctx.client("iam")


def test_the_whole_workshop_on_the_rehearsal_target_as_a_learner_does_it(rehearsal):
    statuses = rehearsal.do_chapters(*CHAPTERS)

    # Nothing console-only was done for the learner: every console step was done by hand from its card.
    console_steps = {step.key for ch in all_chapters() for step in ch.steps if step.kind == "console"}
    assert console_steps <= set(rehearsal.by_hand)
    # What no API can read stays UNKNOWN however well it was done; everything else is DONE.
    not_done = {k: (s.state.value, s.summary) for k, s in statuses.items() if s.state is not State.DONE and k not in BY_HAND_UNKNOWN}
    assert not_done == {}
    assert {k: statuses[k].state for k in BY_HAND_UNKNOWN} == {k: State.UNKNOWN for k in BY_HAND_UNKNOWN}
    # Paste-back turned the relay state and the Role value green, with the real-account wording.
    assert "you pasted is exactly the expected one" in statuses["agent.app.relay_state"].summary
    assert "The Role value you pasted is exactly right" in statuses["admin.app.mappings"].summary
    # Both metadata files went through the upload widget, and its report names the certificate.
    assert len(rehearsal.uploads) == 2 and all("bits" in u and "Kept." in u for u in rehearsal.uploads)
    # The learner signed in through the portal and landed where the guides said.
    assert sorted(rehearsal.signed_in.values()) == ["admin", "ccp"]

    # The doctor judged the pasted values and left only what no one can paste back: "verify by eye".
    doctor = statuses["doctor"]
    assert doctor.state is State.DONE
    by_eye = {(f.code, f.details.get("side")) for f in doctor.findings if "Verify by eye" in f.message}
    assert by_eye == {(c, side) for c in ("F3", "F7") for side in ("agent", "admin")}
    assert all(f.severity is Severity.INFO for f in doctor.findings)

    # Cleanup: the panel lists what only the console can remove, then deletes the ledger's resources.
    from workshop_lib.ui.cleanup_panel import CleanupPanel

    s = rehearsal.ctx.settings
    panel = CleanupPanel(rehearsal.ctx)
    manual = [line for line in panel.plan.lines() if line.startswith("by hand:")]
    assert any(s.name("agent_app") in m for m in manual) and any(s.name("admin_app") in m for m in manual)
    panel.confirm.value = True
    panel.button.click()
    assert "failed 0" in panel.result.value
    assert _iam(rehearsal).list_roles()["Roles"] == []
    assert _iam(rehearsal).list_saml_providers()["SAMLProviderList"] == []


def test_before_paste_back_the_doctor_asks_to_verify_by_eye_and_a_wrong_paste_is_named(rehearsal):
    """The learner mistypes the Role value in the console (a space after the comma): paste-back names F1, and the
    sandbox's sign-in fails the same way AWS would, because rehearsal reads nothing the API path cannot."""
    from workshop_lib.doctor import run_doctor
    from workshop_lib.sandbox.client import console_client

    rehearsal.do_chapters("00", "01", "02", "03")
    for key in ("agent.iam.provider", "iam.policy", "agent.iam.role"):
        assert rehearsal.do_step(key).state is State.DONE, key
    card = rehearsal.card("agent.app.mappings")
    assert card.refresh().state is State.UNKNOWN
    assert card.confirm_text is not None  # the paste-back field is there on rehearsal, as on a real account
    guide_rows = {v.label: v.value for v in card.step.guide(card.ctx).values}
    role = next(v for k, v in guide_rows.items() if k.endswith("Role"))
    typo = role.replace(",", ", ")
    console_client.set_attribute_mappings(rehearsal.endpoint, rehearsal.ctx.settings.name("agent_app"), {**guide_rows, "Role": typo})

    report = run_doctor(rehearsal.ctx.settings, metadata={})
    agent_f1 = [f for f in report.findings if f.code == "F1" and f.details.get("side") == "agent"]
    assert [f.severity for f in agent_f1] == [Severity.INFO] and "Verify by eye" in agent_f1[0].message

    card.confirm_text.value = typo  # the learner pastes what they saved and presses "Check what I saved"
    card.confirm_box.children[1].click()
    assert card.status.state is State.WRONG and "F1" in {f.code for f in card.status.findings}
    assert json.loads((st.settings_path()).read_text())["confirmed"]["agent.app.mappings"] == typo
    report = run_doctor(rehearsal.ctx.settings, metadata={})
    assert "F1" in report.codes(Severity.ERROR)


def test_console_steps_offer_no_shortcut_and_console_values_stay_unreadable(rehearsal):
    from workshop_lib.aws import console
    from workshop_lib.errors import WorkshopError

    rehearsal.do_chapters("00", "01", "02")
    for key in ("agent.app", "agent.app.metadata", "agent.app.relay_state", "agent.app.mappings", "agents.passwords"):
        card = rehearsal.card(key)
        assert card.run_button is None, key
        card.perform()
    assert find_step("agent.app").check(rehearsal.ctx).state is State.MISSING  # performing did nothing
    with pytest.raises(WorkshopError, match="do it in the AWS console"):
        console.add_application(rehearsal.ctx, "Amazon Connect - Agent")


def test_agents_import_widget_on_the_rehearsal_target(rehearsal):
    from workshop_lib.ui.agents_csv import AgentsImport

    rehearsal.do_chapters("00", "01", "02")
    view = AgentsImport(rehearsal.ctx)
    content = ("first name,last name,email,role\n" + "".join(f"Agent,{i},rh{i}@example.com,agent\n" for i in range(3))).encode()
    view.upload.value = ({"name": "team.csv", "type": "text/csv", "size": len(content), "content": memoryview(content),
                          "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
    view.import_button.click()
    view.join()
    assert view.outcome is not None and view.outcome.ok, view.result.value
    assert view.outcome.created["idc"] == 3 and view.outcome.created["connect"] == 3
    # Their passwords are the learner's console job on rehearsal: the card says so instead of doing it.
    status = rehearsal.card("agents.passwords").perform()
    assert status.state is State.UNKNOWN and "console" in status.summary


def test_the_settings_form_offers_rehearsal_and_keeps_it(rehearsal):
    from workshop_lib.ui.settings_form import SettingsForm

    form = SettingsForm(rehearsal.ctx)
    assert "rehearsal" in [value for _label, value in form.target.options]
    assert form.target.value == "rehearsal"
    form.target.value = "sandbox"
    assert st.load().target == "sandbox"
    form.target.value = "rehearsal"
    assert st.load().target == "rehearsal" and rehearsal.ctx.runs_on_sandbox and not rehearsal.ctx.is_sandbox


def test_run_target_rehearsal_executes_the_notebook_but_leaves_console_steps_to_the_learner(rehearsal, tmp_path):
    """`run --target rehearsal` in a real kernel: chapter 03's console steps are shown, not done."""
    from workshop_lib.cli import main

    rehearsal.do_chapters("00", "01", "02")
    assert main(["run", "--target", "rehearsal", "--only", "03", "--out", str(tmp_path / "run")]) == 0
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["target"] == "rehearsal" and [n["ok"] for n in report["notebooks"]] == [True]
    steps = {s["step"]: s["status"] for s in report["steps"]}
    assert steps["agent.app"] == "missing" and steps["agent.app.metadata"] == "missing"
    assert steps["idc.instance"] == "done"
    apps = rehearsal.ctx.client("sso-admin").list_instances()["Instances"]
    assert rehearsal.ctx.client("sso-admin").list_applications(InstanceArn=apps[0]["InstanceArn"])["Applications"] == []


def test_values_pasted_on_a_card_are_where_the_doctor_reads_them():
    """The card keeps a pasted value under its step key; aws.console reads it back under pasted_key."""
    from workshop_lib.aws.console import pasted_key

    for side in ("agent", "admin"):
        for value, label in (("relay_state", "relay state"), ("role", "Role value")):
            step = find_step(pasted_key(side, value))
            assert label in step.confirm, (side, value, step.confirm)
