"""A fresh board that invites, the sign-in chain picture, and the words a learner reads."""

from __future__ import annotations

import datetime as dt
import re

from workshop_lib.chapters.model import State, Status
from workshop_lib.findings import Finding, Severity

RAW_BOTOCORE = re.compile(r"Parameter validation failed|Invalid length for parameter|botocore|Traceback|An error occurred \(")


def test_a_fresh_sandbox_board_has_no_error_rows_and_no_raw_botocore_text(learner):
    from workshop_lib.chapters.board import board_rows
    from workshop_lib.ui.board import StatusBoard

    rows = board_rows(learner)
    states = {r.key: r.status.state for r in rows}
    assert State.ERROR not in states.values(), {k: s for k, s in states.items() if s is State.ERROR}
    assert State.WRONG not in states.values(), {k: s for k, s in states.items() if s is State.WRONG}
    assert not [r.status.summary for r in rows if RAW_BOTOCORE.search(r.status.summary)]
    # Steps that wait for earlier ones say which, by chapter.
    assert "chapter 01" in next(r for r in rows if r.key == "agents.connect_users").status.summary
    assert "chapter 02" in next(r for r in rows if r.key == "agents.group").status.summary
    board = StatusBoard(learner)
    assert "⬜ to do" in board.table.value and ">missing<" not in board.table.value  # the cards' badges, not state names
    assert "workshop-chain-svg" in board.chain.value


def test_a_step_waiting_for_its_prerequisites_is_not_performed(learner):
    from workshop_lib.chapters import find_step

    status = find_step("agents.connect_users").perform(learner)
    assert status.state is State.MISSING and status.details.get("waiting")
    assert "Amazon Connect instance" in status.summary


def test_the_card_of_a_waiting_console_step_says_what_comes_first(learner):
    from workshop_lib.chapters import find_step
    from workshop_lib.ui.step_card import StepCard

    card = StepCard(find_step("agent.app.relay_state"), learner)
    card.refresh()
    guide_text = " ".join(getattr(w, "value", "") for w in card.guide_box.children)
    assert "appear here once this is done" in guide_text and "chapter 01" in guide_text
    assert "⬜ to do" in card.badge.value


def test_the_chain_marks_the_broken_link_with_its_f_number_and_fix():
    from workshop_lib.ui.chain_view import chain_links, chain_picture

    broken = Finding("F8", Severity.ERROR, "No Connect user is named agent1@connect-workshop.com.", "Run the Connect users step again.", details={"side": "agent"})
    other_side = Finding("F2", Severity.ERROR, "The admin role does not trust its provider.", "Re-run the admin role step.", details={"side": "admin"})
    links = chain_links({}, [broken, other_side], "agent")
    assert [l.label for l in links] == ["Identity Center user", "group", "assignment", "application", "IAM provider", "role",
                                        "Amazon Connect instance", "Connect user"]
    assert [l.label for l in links if l.state is State.WRONG] == ["Connect user"]  # the admin side's finding stays on its own chain
    picture = chain_picture(links)
    assert "F8 · ❌ wrong" in picture and "Run the Connect users step again." in picture
    assert picture.count("<title>") == len(links)  # hover shows each link's resource


def test_the_chain_from_step_statuses_takes_the_worst_state_of_each_link():
    from workshop_lib.ui.chain_view import chain_links

    statuses = {k: Status.done("ok") for k in ("agents.idc_users", "agents.passwords", "agents.group", "agents.assignment", "agent.app",
                                               "agent.app.metadata", "agent.app.mappings", "agent.iam.provider", "agent.iam.role", "iam.policy",
                                               "connect.instance", "connect.instance.saml", "agents.connect_users")}
    statuses["agent.app.relay_state"] = Status.missing("The application has no relay state yet.")
    links = {l.label: l for l in chain_links(statuses, side="agent")}
    assert links["application"].state is State.MISSING and "relay state" in links["application"].summary
    assert links["role"].state is State.DONE


def test_plurals_and_times_read_as_people_say_them():
    from workshop_lib.rules.words import all_of, plural, when

    assert plural(1, "person") == "1 person" and plural(3, "person") == "3 people"
    assert plural(1, "Connect user") == "1 Connect user" and plural(2, "Connect user") == "2 Connect users"
    assert all_of(1, "agent") == "the one agent" and all_of(4, "agent") == "all 4 agents"
    assert when(dt.datetime(2026, 12, 1, 14, 5, tzinfo=dt.timezone.utc)) == "1 December 2026, 14:05 UTC"
    assert when("2031-01-02T03:04:05Z") == "2 January 2031, 03:04 UTC"


def test_a_single_administrator_is_not_all_1(ready_learner):
    from workshop_lib.chapters import find_step

    for key in ("admins.connect_users", "admins.idc_users"):
        status = find_step(key).perform(ready_learner)
        assert status.state is State.DONE
        assert "All 1" not in status.summary and "1 people" not in status.summary


def test_the_admin_relay_card_speaks_of_administrators_and_the_agent_card_of_the_chosen_destination(ready_learner):
    from workshop_lib import settings as st
    from workshop_lib.chapters import find_step

    admin = find_step("admin.app.relay_state").guide(ready_learner)
    assert any("administrators are not signed out" in i for i in admin.instructions)
    assert not any("agents are not signed out" in i for i in admin.instructions)
    with st.update() as s:
        s.agent_destination = "agent-workspace"
    from workshop_lib.context import Context

    agent = find_step("agent.app.relay_state").guide(Context())
    assert agent.values[0].value.endswith("destination=%2Fagent-app-v2")
    assert any("the agent workspace" in i for i in agent.instructions)
    assert agent.docs.startswith("https://docs.aws.amazon.com/")


def test_the_add_application_guide_follows_the_catalog_path(tmp_path, monkeypatch):
    from workshop_lib.chapters import find_step
    from workshop_lib.context import Context

    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    guide = find_step("agent.app").guide(Context())
    text = " ".join(guide.instructions)
    assert "Customer managed" in text and "I want to select an application from the catalog" in text
    assert "I have an application I want to set up" not in text
    assert guide.docs == "https://docs.aws.amazon.com/singlesignon/latest/userguide/saasapps.html"
    assert any(v.value == "https://us-east-1.signin.aws.amazon.com/saml" for v in guide.values)  # the regional sign-in endpoint


def test_a_customised_portal_url_is_used_and_a_wrong_one_is_named(ready_learner):
    from workshop_lib import settings as st
    from workshop_lib.chapters import find_step
    from workshop_lib.chapters.signin import portal_url
    from workshop_lib.context import Context

    default = portal_url(ready_learner)
    assert re.fullmatch(r"https://d-[0-9a-f]+\.awsapps\.com/start", default)
    with st.update() as s:
        s.confirmed["idc.instance"] = "https://team7-contact.awsapps.com/start"
    assert portal_url(Context()) == "https://team7-contact.awsapps.com/start"
    assert find_step("idc.instance").safe_check(Context()).state is State.DONE
    with st.update() as s:
        s.confirmed["idc.instance"] = "https://evil.example.com/start"
    wrong = find_step("idc.instance").safe_check(Context())
    assert wrong.state is State.WRONG and portal_url(Context()) == default


def test_the_sign_in_guide_prepares_the_first_sign_in(ready_learner):
    from workshop_lib.chapters import find_step

    note = find_step("signin.agent").guide(ready_learner).note
    assert "MFA" in note and "verification code" in note and "sandbox" in note


def test_emergency_access_is_a_step_that_says_what_and_where(ready_learner):
    from workshop_lib.chapters import chapter, find_step

    step = find_step("admin.emergency_access")
    assert step in chapter("06").steps
    assert step.safe_check(ready_learner).state is State.MISSING  # no administrator's Connect user yet: F21
    guide = step.guide(ready_learner)
    assert "Log in for emergency access" in " ".join(guide.instructions)
    assert guide.docs.startswith("https://docs.aws.amazon.com/connect/")


def test_cards_name_findings_by_f_number_or_plain_words_never_internal_codes():
    from workshop_lib.ui.step_card import findings_html

    status = Status.wrong("x", [Finding("F12", Severity.ERROR, "Relay state."), Finding("saml.envelope-unsigned", Severity.WARNING, "Only the assertion is signed.")])
    shown = findings_html(status)
    assert "<b>F12</b>" in shown and "<b>response envelope not signed</b>" in shown and "saml.envelope-unsigned" not in shown


def test_a_hostile_name_prefix_from_the_environment_is_refused(tmp_path, monkeypatch):
    import pytest

    from workshop_lib import settings as st
    from workshop_lib.errors import InputError

    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    monkeypatch.setenv("WORKSHOP_NAME_PREFIX", "<img src=x onerror=alert(1)>")
    with pytest.raises(InputError, match="name prefix"):
        st.apply_environment()
    assert st.load().name_prefix == ""


def test_every_button_of_the_workshop_widgets_has_a_tooltip(learner):
    import ipywidgets as W

    from workshop_lib.chapters import find_step
    from workshop_lib.ui.agents_csv import AgentsImport
    from workshop_lib.ui.board import StatusBoard
    from workshop_lib.ui.doctor_view import DoctorView
    from workshop_lib.ui.labs_panel import LabsPanel
    from workshop_lib.ui.settings_form import SettingsForm
    from workshop_lib.ui.step_card import StepCard

    def buttons(widget):
        widget = getattr(widget, "widget", widget)
        found = [widget] if isinstance(widget, (W.Button, W.FileUpload)) else []
        for child in getattr(widget, "children", ()):
            found += buttons(child)
        return found

    shown = [SettingsForm(learner), StatusBoard(learner), DoctorView(learner, run=False), LabsPanel(learner, run=False), AgentsImport(learner)]
    shown += [StepCard(find_step(key), learner) for key in ("connect.instance", "agent.app", "idc.instance")]
    everything = [b for w in shown for b in buttons(w)]
    assert len(everything) >= 8
    assert [b.description for b in everything if not (b.tooltip or "").strip()] == []
