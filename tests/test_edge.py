"""One error edge: every exception, in a notebook cell or a CLI command, is a sentence with what to do."""

from __future__ import annotations

import pytest

from workshop_lib import cli
from workshop_lib.edge import EXIT_INTERRUPTED, EXIT_USAGE, explain
from workshop_lib.ui.widgets import error_html
from workshop_lib.errors import AwsError, InputError


def _raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:  # noqa: BLE001 - a real traceback for the detail
        return caught


def test_a_workshop_error_is_its_own_sentence_and_a_wrong_value_is_a_usage_error():
    told = explain(_raised(AwsError("The role is not yours.", fix="Choose a name prefix in 00.")))
    assert told.sentence == "The role is not yours. Choose a name prefix in 00." and told.exit_code == 1 and told.expected
    assert explain(_raised(InputError("The Region 'mars-1' is unknown."))).exit_code == EXIT_USAGE


def test_a_botocore_error_is_translated_into_what_to_do():
    from botocore.exceptions import ClientError

    error = ClientError({"Error": {"Code": "AccessDenied", "Message": "User is not authorized to perform: iam:CreateRole"}}, "CreateRole")
    told = explain(_raised(error))
    assert told.expected and "iam:CreateRole" in told.sentence and "Traceback" not in told.sentence


def test_an_unexpected_error_is_named_and_its_traceback_kept_only_as_detail():
    told = explain(_raised(ZeroDivisionError("division by zero")))
    assert not told.expected and told.exit_code == 1
    assert "ZeroDivisionError: division by zero" in told.sentence and "report it" in told.sentence
    assert "Traceback" not in told.sentence and "Traceback (most recent call last)" in told.detail


def test_an_interruption_says_a_rerun_is_safe():
    told = explain(_raised(KeyboardInterrupt()))
    assert told.exit_code == EXIT_INTERRUPTED and "again" in told.sentence


def test_a_file_problem_names_the_file():
    told = explain(_raised(PermissionError(13, "Permission denied", "/tmp/settings.json")))
    assert "/tmp/settings.json" in told.sentence and "Permission denied" in told.sentence


def test_the_notebook_message_escapes_everything_and_hides_the_detail_in_a_disclosure():
    page = error_html(_raised(ValueError("<img src=x onerror=alert(1)>")))
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<details><summary>Technical detail</summary>" in page and "Traceback" in page.split("<details>", 1)[1]
    assert page.count("<img") == 0 and "onerror=alert" in page  # shown as text, in the sentence and the detail


def test_a_notebook_cell_shows_a_sentence_whatever_goes_wrong():
    from workshop_lib.ui import _friendly

    @_friendly
    def broken():
        return {}["missing"]

    shown = broken()
    assert "KeyError" in shown.value and "Something unexpected stopped this" in shown.value


@pytest.mark.parametrize("debug", [False, True])
def test_the_cli_turns_an_unexpected_failure_into_a_sentence_and_exit_1(monkeypatch, capsys, debug):
    import workshop_lib.doctor as doctor

    def explode(**kwargs):
        raise RuntimeError("the facts reader broke")

    monkeypatch.setattr(doctor, "run_doctor", explode)
    if debug:
        monkeypatch.setenv("CONNECT_SSO_WORKSHOP_DEBUG", "1")
    else:
        monkeypatch.delenv("CONNECT_SSO_WORKSHOP_DEBUG", raising=False)
    code = cli.main(["doctor"])
    err = capsys.readouterr().err
    assert code == 1
    assert "connect-sso-workshop: Something unexpected stopped this (RuntimeError: the facts reader broke)" in err
    assert ("Traceback (most recent call last)" in err) is debug


def test_findings_are_named_by_f_number_or_plain_words_never_an_internal_id():
    from workshop_lib.findings import Finding, Severity

    assert Finding("F10", Severity.ERROR, "x").label == "F10"
    assert Finding("saml.envelope-unsigned", Severity.WARNING, "x").label == "response envelope not signed"
    assert Finding("metadata.several-entities", Severity.WARNING, "x").line().startswith("[several entities] x")


def test_status_prints_the_cards_badges_not_raw_state_names(learner, capsys):
    code = cli.main(["status", "--chapter", "01"])
    out = capsys.readouterr().out
    assert code == 1 and "⬜ to do" in out and " missing " not in out
