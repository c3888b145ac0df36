"""The whole workshop against a real sandbox server: every step done, a re-run writes nothing, cleanup leaves nothing."""

import fault_cases as fc

from workshop_lib import settings as st
from workshop_lib.aws.session import CALLS
from workshop_lib.chapters import all_steps
from workshop_lib.chapters.model import State


def perform_all(ctx):
    return {step.key: step.perform(ctx) for _, step in all_steps()}


def test_every_step_is_done_and_a_rerun_writes_nothing(learner, aws):
    first = perform_all(learner)
    not_done = {k: (s.state.value, s.summary, [f.line() for f in s.findings]) for k, s in first.items() if s.state is not State.DONE}
    assert not_done == {}
    assert "landed on the Contact Control Panel (CCP)" in first["signin.agent"].summary and first["signin.agent"].details["landing"] == "ccp"
    assert "landed on the Amazon Connect admin website" in first["signin.admin"].summary
    ledger_before = [(e.kind, e.name, e.id, e.arn) for e in st.load().ledger]

    CALLS.reset()
    second = perform_all(learner)
    assert all(s.state is State.DONE for s in second.values())
    assert CALLS.writes() == 0, {k: n for k, n in CALLS.counts.items() if not k[1].startswith(("List", "Get", "Describe", "Search"))}
    assert [(e.kind, e.name, e.id, e.arn) for e in st.load().ledger] == ledger_before
    assert len(aws("connect").list_instances()["InstanceSummaryList"]) == 1
    assert len(aws("iam").list_roles()["Roles"]) == 2


def test_ledger_records_what_was_created(learner):
    perform_all(learner)
    kinds = {}
    for e in st.load().ledger:
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    assert kinds == {**fc.LEDGER, "organizations.organization": 1}
    s = st.load()
    assert set(s.role_ids) == {"AmazonConnectAgentAccessRole", "AmazonConnectAdminAccessRole"}
    assert all(v.startswith("AROA") for v in s.role_ids.values())


# Cleanup with someone else's resources in the account: tests/test_cleanup_safety.py (decoys of every kind).


def test_settings_form_lists_the_sandbox_instances_and_selects_ours(learner):
    from workshop_lib.chapters import find_step
    from workshop_lib.ui.settings_form import SettingsForm

    assert find_step("connect.instance").perform(learner).state is State.DONE
    form = SettingsForm(learner)
    ours = st.load().instance_arn
    assert form.instance_picker.value == ours
    assert any("SAML" in label for label, value in form.instance_picker.options if value == ours)


def test_step_card_buttons_run_and_check_against_the_sandbox(learner):
    from workshop_lib.chapters import find_step
    from workshop_lib.ui.step_card import StepCard

    card = StepCard(find_step("org.organization"), learner)
    assert card.refresh().state is State.MISSING
    card.run_button.click()
    card.join()
    assert card.status.state is State.DONE and "workshop-done" in card.badge.value
    card.check_button.click()
    card.join()
    assert card.status.state is State.DONE


def test_saml_inspector_opens_on_a_verified_sandbox_response_with_no_errors(learner):
    from workshop_lib import ui

    perform_all(learner)
    inspector = ui.saml_inspector()
    assert "(verified)" in inspector.result.value
    assert "agent1@connect-workshop.com" in inspector.result.value
    assert [f.code for f in inspector.findings if f.severity.value == "error"] == []


def test_saml_inspector_names_the_problem_in_a_pasted_response(learner):
    from workshop_lib import ui

    perform_all(learner)
    inspector = ui.saml_inspector()
    tampered = inspector.text.value
    import base64

    xml = base64.b64decode(tampered).replace(b"agent1@connect-workshop.com", b"agent9@connect-workshop.com")
    from workshop_lib.metadata_files import read_metadata

    findings = inspector.inspect(base64.b64encode(xml).decode(), read_metadata("agent").encode())
    assert "F4" in {f.code for f in findings}
    assert "NOT valid" in inspector.result.value
    assert "agent9@connect-workshop.com" in inspector.result.value  # the unverified content is still shown and judged


def test_preflight_card_shows_account_caller_and_organization(learner):
    from workshop_lib.chapters import find_step
    from workshop_lib.ui.step_card import StepCard

    card = StepCard(find_step("start.preflight"), learner)
    card.refresh()
    assert "Account: 123456789012" in card.summary.value
    assert "Caller: arn:aws:" in card.summary.value
    assert "No AWS Organization yet" in card.summary.value
