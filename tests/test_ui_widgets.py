"""Widgets driven from Python, without a browser: set values, click, read what the learner would see."""

from widget_text import text_of
import pytest

from workshop_lib import settings as st
from workshop_lib.context import Context
from workshop_lib.chapters.model import CopyValue, Guide, State, Status, Step
from workshop_lib.errors import WorkshopError
from workshop_lib.ui.settings_form import SettingsForm
from workshop_lib.ui.step_card import StepCard

SEED_ARN = "arn:aws:connect:us-east-1:257804509653:instance/9690dd9b-3de7-4097-b4d9-67829f7c8fur"
GOOD_ARN = "arn:aws:connect:us-east-1:123456789012:instance/178c75e4-b3de-4839-a6aa-e321ab3f3770"


@pytest.fixture()
def ctx(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    return Context()


def test_pasting_the_seed_arn_shows_which_characters_are_wrong_and_keeps_settings(ctx):
    form = SettingsForm(ctx)
    form.instance_text.value = SEED_ARN
    assert "not hexadecimal" in text_of(form.message.value)
    assert "workshop-error" in form.message.value
    assert st.load().instance_id == ""


def test_pasting_a_good_arn_chooses_the_instance(ctx):
    form = SettingsForm(ctx)
    form.instance_text.value = f'  "{GOOD_ARN}/" '
    saved = st.load()
    assert saved.instance_id == "178c75e4-b3de-4839-a6aa-e321ab3f3770"
    assert saved.instance_arn == GOOD_ARN and saved.account_id == "123456789012"
    assert "chosen" in text_of(form.message.value)


def test_an_arn_from_another_region_is_refused(ctx):
    form = SettingsForm(ctx)
    form.region.value = "eu-west-2"
    form.instance_text.value = GOOD_ARN
    assert "us-east-1" in text_of(form.message.value) and "eu-west-2" in text_of(form.message.value)
    assert st.load().instance_id == ""


def test_changing_the_region_is_saved_at_once(ctx):
    form = SettingsForm(ctx)
    form.region.value = "eu-west-2"
    form.idc_region.value = "us-east-1"
    s = st.load()
    assert s.region == "eu-west-2" and s.idc_region == "us-east-1"
    assert s.identity_center_region == "us-east-1"


def test_region_dropdown_lists_only_connect_regions(ctx):
    from workshop_lib.rules.regions import connect_regions

    form = SettingsForm(ctx)
    assert set(connect_regions()) <= set(form.region.options)
    assert "eu-south-1" not in form.region.options  # Milan has no Amazon Connect


def _step(check, run=None, kind="api", guide=None):
    return Step("test.step", "A test step", kind, "Because.", check, run=run, guide=guide)


def test_step_card_shows_done_after_run(ctx):
    calls = []
    card = StepCard(_step(lambda c: Status.done("All there.") if calls else Status.missing("Not yet."), run=lambda c: calls.append(1)), ctx)
    card.refresh()
    assert card.status.state is State.MISSING and "workshop-missing" in card.badge.value
    card.run_button.click()
    card.join()
    assert calls == [1]
    assert card.status.state is State.DONE and "workshop-done" in card.badge.value
    assert "All there." in card.summary.value


def test_a_failing_run_shows_the_sentence_not_a_traceback(ctx):
    def boom(c):
        raise WorkshopError("The thing failed.", fix="Do the other thing.")

    card = StepCard(_step(lambda c: Status.missing("no"), run=boom), ctx)
    status = card.perform()
    assert status.state is State.ERROR
    assert "The thing failed. Do the other thing." in card.summary.value
    assert "Traceback" not in card.summary.value
    assert card.run_button.disabled is False


def test_a_check_that_raises_unexpectedly_is_an_error_status(ctx):
    def broken(c):
        raise KeyError("x")

    card = StepCard(_step(broken), ctx)
    assert card.refresh().state is State.ERROR


def test_console_guide_offers_copy_fields_with_exact_values(ctx):
    value = "arn:aws:iam::123456789012:role/AmazonConnectAgentAccessRole,arn:aws:iam::123456789012:saml-provider/AmazonConnectAgentAccess"
    guide = Guide("https://console.aws.amazon.com/", ["Open it", "Paste **this**"], [CopyValue("Role", value)])
    card = StepCard(_step(lambda c: Status.unknown("check by eye"), kind="console", guide=lambda c: guide), ctx)
    texts = []

    def walk(w):
        if hasattr(w, "children"):
            for c in w.children:
                walk(c)
        elif hasattr(w, "value") and isinstance(w.value, str):
            texts.append(w.value)

    walk(card.guide_box)
    assert value in texts
    assert any("<b>this</b>" in t for t in texts)


def test_step_card_renders_as_a_widget_bundle(ctx):
    card = StepCard(_step(lambda c: Status.done("ok")), ctx)
    bundle = card._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_a_corrupt_settings_file_shows_a_sentence_in_the_cell(ctx, tmp_path):
    from workshop_lib import ui

    (tmp_path / "settings.json").write_text("{oops")
    shown = ui.status_board()
    assert "not valid JSON" in shown.value and "workshop-error" in shown.value
    assert list(tmp_path.glob("settings.json.broken-*"))


def test_on_a_real_account_a_pasted_relay_state_is_checked_exactly(ctx):
    """No API reads the relay state back: the learner pastes what they saved and the card judges it."""
    from workshop_lib.chapters import find_step

    st.save(st.Settings(target="aws", region="us-east-1", instance_id="178c75e4-b3de-4839-a6aa-e321ab3f3770", instance_arn=GOOD_ARN, account_id="123456789012"))
    card = StepCard(find_step("agent.app.relay_state"), Context())
    assert card.refresh().state is State.UNKNOWN
    assert card.confirm_text is not None
    wrong = card.confirm("https://us-east-1.console.aws.amazon.com/connect/federate/178c75e4-b3de-4839-a6aa-e321ab3f3770?destination=/ccp-v2 ")
    assert wrong.state is State.WRONG and {f.code for f in wrong.findings} == {"F12"}
    right = card.confirm("https://us-east-1.console.aws.amazon.com/connect/federate/178c75e4-b3de-4839-a6aa-e321ab3f3770?destination=%2Fccp-v2")
    assert right.state is State.DONE
    assert st.load().confirmed["agent.app.relay_state"].endswith("%2Fccp-v2")


def test_on_a_real_account_a_pasted_role_value_with_a_space_is_f1(ctx):
    from workshop_lib.chapters import find_step

    st.save(st.Settings(target="aws", region="us-east-1", instance_id="178c75e4-b3de-4839-a6aa-e321ab3f3770", instance_arn=GOOD_ARN, account_id="123456789012"))
    card = StepCard(find_step("agent.app.mappings"), Context())
    role = "arn:aws:iam::123456789012:role/AmazonConnectAgentAccessRole"
    provider = "arn:aws:iam::123456789012:saml-provider/AmazonConnectAgentAccess"
    wrong = card.confirm(f"{role}, {provider}")
    assert wrong.state is State.WRONG and "F1" in {f.code for f in wrong.findings}
    right = card.confirm(f"{role},{provider}")
    assert right.state is State.DONE and "RoleSessionName" in right.summary
