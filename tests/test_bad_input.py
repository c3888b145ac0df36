"""Bad input at every entry point ends in a sentence (WorkshopError, or exit 1/2 from the CLI): no traceback, no hang."""

from __future__ import annotations

from collections import Counter

import pytest
import bad_input_cases as cases

ALL = cases.all_cases()


def test_there_are_over_200_cases_across_every_entry_point():
    per = Counter(c.category for c in ALL)
    assert len(ALL) >= 200
    assert set(per) == {"region", "instance", "names", "usernames", "relay state", "role attribute", "agents csv",
                        "metadata", "saml response", "settings file", "cli"}
    assert min(per.values()) >= 10


@pytest.mark.parametrize("case", ALL, ids=[f"{c.category}: {c.label}" for c in ALL])
def test_bad_input_gives_a_sentence_not_a_traceback(case):
    handled = cases.try_case(case)
    assert handled.ok, (handled.why, handled.sentence)
    assert handled.seconds < cases.TIME_LIMIT


def test_a_refused_fresh_run_leaves_the_settings_alone(tmp_path, monkeypatch):
    from workshop_lib import settings as st
    from workshop_lib.cli import main

    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    monkeypatch.delenv("WORKSHOP_TARGET", raising=False)
    assert main(["run", "--target", "aws", "--fresh"]) == 2
    assert st.load().target == "sandbox" and not (tmp_path / st.FILE_NAME).exists()


def test_a_pasted_wall_of_text_comes_back_shortened_and_control_characters_escaped():
    from workshop_lib.errors import InputError
    from workshop_lib.rules.regions import validate_region

    with pytest.raises(InputError) as raised:
        validate_region("x" * 50_000)
    assert len(raised.value.message) < 400 and "(50,000 characters)" in raised.value.message
    with pytest.raises(InputError) as raised:
        validate_region("us-east-1\x1b[2J")
    assert "\x1b" not in str(raised.value) and "\\x1b" in str(raised.value)


def test_settings_with_values_of_the_wrong_type_are_kept_aside_and_reported(tmp_path):
    import json

    from workshop_lib import settings as st
    from workshop_lib.errors import SettingsError

    path = tmp_path / st.FILE_NAME
    path.write_text(json.dumps({"schema": st.SCHEMA, "version": 1, "region": 123}))
    with pytest.raises(SettingsError, match="'region' should be text, not int"):
        st.load(path)
    assert not path.exists() and [p.name.startswith("settings.json.broken-") for p in tmp_path.iterdir()] == [True]
