"""Hostile values through every sink: the HTML the widgets send to the browser never carries live markup.

Every widget's HTML values (what ipywidgets ships to JupyterLab, which sets them as innerHTML) are parsed
with lxml: no <script>, no <img>, no event handler but the workshop's own two (copy, chain details).
"""

from __future__ import annotations

from widget_text import text_of

import pytest
from lxml import html as lxml_html

from workshop_lib import settings as st
from workshop_lib.chapters.model import CopyValue, Guide, State, Status, Step
from workshop_lib.errors import WorkshopError
from workshop_lib.findings import Finding, Severity

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = '"><script>alert(2)</script>'
HOSTILE = f"{IMG}{SCRIPT}"
OWN_HANDLERS = ("var b=this,v=b.getAttribute('data-copy')", "var d=this.closest('.workshop-chain')")


def html_values(widget) -> list[str]:
    """Every HTML string a widget tree sends to the browser (W.HTML values; Text and Label are shown as text)."""
    import ipywidgets as W

    widget = getattr(widget, "widget", widget)
    out = []
    if isinstance(widget, (W.HTML, W.HTMLMath)):
        out.append(widget.value)
    for child in getattr(widget, "children", ()):
        out += html_values(child)
    return out


def assert_inert(widget) -> str:
    """No element or attribute in the widget's HTML can run script; returns the page text for further checks."""
    texts = []
    for value in html_values(widget):
        if not value.strip():
            continue
        root = lxml_html.fragment_fromstring(value, create_parent="div")
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            assert element.tag.lower() not in ("script", "img", "iframe", "object", "embed"), f"live <{element.tag}> in {value[:300]}"
            for name, attr in element.attrib.items():
                if name.lower().startswith("on"):
                    assert name == "onclick" and attr.startswith(OWN_HANDLERS), f"event handler {name}={attr!r} in {value[:300]}"
                if name.lower() in ("href", "src"):
                    assert not attr.strip().lower().startswith("javascript:"), attr
        texts.append(root.text_content())
    return "\n".join(texts)


@pytest.fixture()
def hostile_home(tmp_path, monkeypatch):
    """A settings file edited by hand (or by a hostile tool) to hold markup in the name prefix: validation is bypassed."""
    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    st.save(st.Settings(target="sandbox", name_prefix=HOSTILE))
    return tmp_path


# ---- the sinks -------------------------------------------------------------------------------------

def test_a_step_card_shows_hostile_summary_findings_and_guide_as_text(hostile_home):
    from workshop_lib.context import Context
    from workshop_lib.ui.step_card import StepCard

    finding = Finding("F1", Severity.ERROR, HOSTILE, fix=HOSTILE, expected=HOSTILE)
    guide = Guide(link=f"https://console.aws.amazon.com/?x={SCRIPT}", instructions=[f"**{HOSTILE}**"], values=[CopyValue(HOSTILE, HOSTILE)], docs=HOSTILE, note=HOSTILE)
    step = Step("test.hostile", HOSTILE, "console", HOSTILE, lambda c: Status.wrong(HOSTILE, [finding], lines=[HOSTILE]), guide=lambda c: guide)
    card = StepCard(step, Context())
    card.refresh()
    text = assert_inert(card)
    assert text.count(IMG) >= 6  # title, why, summary, finding, guide, label …: shown, as text
    copy_buttons = [v for v in html_values(card) if "data-copy" in v]
    assert copy_buttons and all("<script>" not in v for v in copy_buttons)


def test_real_cards_with_a_hostile_prefix_in_the_settings(hostile_home, sandbox, monkeypatch):
    from workshop_lib.aws.session import forget_clients
    from workshop_lib.chapters import find_step
    from workshop_lib.context import Context
    from workshop_lib.ui.step_card import StepCard

    monkeypatch.setenv("WORKSHOP_SANDBOX_ENDPOINT", sandbox.endpoint)
    forget_clients()
    for key in ("agent.iam.provider", "agent.iam.role", "agent.app", "agents.group", "agent.app.mappings"):
        card = StepCard(find_step(key), Context())
        card.refresh()
        assert_inert(card)
    forget_clients()


def test_the_status_board_escapes_names_from_the_settings(hostile_home, sandbox, monkeypatch):
    """pandas' Styler ignores to_html(escape=True): the board builds its own escaped table."""
    from workshop_lib.aws.session import forget_clients
    from workshop_lib.context import Context
    from workshop_lib.ui.board import StatusBoard

    monkeypatch.setenv("WORKSHOP_SANDBOX_ENDPOINT", sandbox.endpoint)
    forget_clients()
    board = StatusBoard(Context())
    text = assert_inert(board)
    assert f"{HOSTILE}AmazonConnectAgentAccess" in text  # the provider's name, shown as the learner wrote it
    forget_clients()


def test_the_doctor_view_escapes_findings_and_draws_them_inert(hostile_home, monkeypatch):
    from workshop_lib import doctor
    from workshop_lib.context import Context
    from workshop_lib.doctor.report import DoctorReport
    from workshop_lib.ui.doctor_view import DoctorView

    findings = [Finding("F8", Severity.ERROR, HOSTILE, fix=HOSTILE, expected=HOSTILE, details={"side": "agent"}),
                Finding(HOSTILE, Severity.WARNING, HOSTILE)]
    monkeypatch.setattr(doctor, "run_doctor", lambda settings: DoctorReport(findings=findings, facts=None))
    view = DoctorView(Context())
    text = assert_inert(view)
    assert IMG in text and "F8" in text


def test_the_inspector_shows_a_hostile_response_as_text():
    from saml_helpers import ACS, b64, build_assertion, build_response_around
    from lxml import etree

    from workshop_lib.ui.inspectors import SamlInspector

    assertion = etree.fromstring(build_assertion("_a1", issuer=HOSTILE, name_id=HOSTILE, role_session_name=HOSTILE, audience=HOSTILE, placeholder=False))
    response = etree.tostring(build_response_around(assertion, "_r1", issuer=HOSTILE, destination=ACS))
    inspector = SamlInspector()
    inspector.inspect(b64(response))
    assert IMG in assert_inert(inspector)
    inspector.inspect(HOSTILE)  # not a SAML response at all: the sentence may quote it
    assert_inert(inspector)


def test_the_csv_import_refuses_markup_in_names_and_shows_the_rows_as_text(hostile_home):
    from workshop_lib.context import Context
    from workshop_lib.ui.agents_csv import AgentsImport

    data = (f'first name,last name,email,role\n"{IMG}",Smith,ok.agent@example.com,agent\nAda,"{SCRIPT}","{IMG}",agent\n').encode()
    widget = AgentsImport(Context())
    agents = widget.accept(data, name=HOSTILE)
    text = assert_inert(widget)
    assert not agents.ok and widget.import_button.disabled
    assert "markup pasted by mistake" in text and IMG in text


def test_the_cleanup_panel_lists_hostile_ledger_names_as_text(hostile_home):
    from workshop_lib.context import Context
    from workshop_lib.ui.cleanup_panel import CleanupPanel

    with st.update() as s:
        s.record("iam.role", HOSTILE, arn=f"arn:aws:iam::123456789012:role/{HOSTILE}")
    panel = CleanupPanel(Context())
    assert IMG in assert_inert(panel)


def test_the_labs_panel_shows_hostile_results_and_chains_as_text(hostile_home):
    from workshop_lib.chapters.labs import LABS, LabResult
    from workshop_lib.context import Context
    from workshop_lib.ui.labs_panel import LabsPanel

    panel = LabsPanel(Context(), run=False)
    broken = Finding("F8", Severity.ERROR, HOSTILE, fix=HOSTILE)
    panel.show([LabResult(LABS[0], sign_in_message=HOSTILE, doctor_codes=[HOSTILE], doctor_findings=[broken], repaired=True)])
    assert IMG in assert_inert(panel)


def test_metadata_with_a_hostile_entity_id_is_refused_and_the_sentence_is_inert(ready_learner):
    from workshop_lib.chapters import find_step
    from workshop_lib.context import Context
    from workshop_lib.metadata_files import metadata_path, read_metadata, store_metadata
    from workshop_lib.ui.inspectors import MetadataUpload

    for key in ("agent.app", "agent.app.metadata"):  # the sandbox's own Identity Center metadata, as a learner downloads it
        assert find_step(key).perform(ready_learner).state is State.DONE
    good = read_metadata("agent").encode()
    metadata_path("agent").unlink()
    hostile = good.replace(b'entityID="', b'entityID="' + SCRIPT.replace('"', "&quot;").replace("<", "&lt;").encode(), 1)
    with pytest.raises(WorkshopError, match="entityID"):
        store_metadata("agent", hostile)
    assert not metadata_path("agent").exists()
    upload = MetadataUpload(Context(), "agent")
    assert upload.accept(hostile) is False
    assert "entityID" in assert_inert(upload)
    assert upload.accept(good) is True  # the genuine file is kept


def test_the_settings_form_refuses_a_hostile_prefix_and_keeps_the_old_one(tmp_path, monkeypatch):
    from workshop_lib.context import Context
    from workshop_lib.ui.settings_form import SettingsForm

    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    form = SettingsForm(Context())
    form.prefix.value = "team7-"
    assert st.load().name_prefix == "team7-"
    form.prefix.value = HOSTILE
    assert st.load().name_prefix == "team7-"
    assert "cannot be used" in text_of(form.message.value) and "'<'" in text_of(form.message.value)
    assert_inert(form)


def test_the_name_prefix_follows_iam_and_identity_center_rules():
    from workshop_lib.errors import InputError
    from workshop_lib.rules.names import NAME_PREFIX_MAX_LENGTH, validate_name_prefix, validate_iam_name

    assert validate_name_prefix("  team7- ") == "team7-"
    assert validate_name_prefix("") == ""
    longest = "a" * NAME_PREFIX_MAX_LENGTH
    assert validate_iam_name("role", longest + "AmazonConnectAgentAccessRole")  # the longest prefix still makes a valid role name
    for bad in (longest + "a", "team 7", "team7+", "team@7", "<b>"):
        with pytest.raises(InputError):
            validate_name_prefix(bad)



def test_widget_html_is_built_through_the_one_escaping_helper():
    """No module of the package escapes on its own (the error edge and the facilitator's view included):
    html.escape appears only in ui/markup.py."""
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "workshop_lib"
    own = [str(p.relative_to(package)) for p in package.rglob("*.py")
           if p.name != "markup.py" and "html.escape(" in p.read_text(encoding="utf-8")]
    assert own == []
