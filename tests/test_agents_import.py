"""Importing agents from a CSV: every row checked first (row numbers as a spreadsheet shows them), the CLI, the widget."""

import datetime

import pytest

from workshop_lib import settings as st
from workshop_lib.agents import EXAMPLE_CSV, load_agents_file, merge_people, read_agents_csv
from workshop_lib.errors import InputError

HEADER = "first name,last name,email,role\n"


# ---- good files -------------------------------------------------------------------------------

GOOD = [
    ("canonical header", HEADER + "Ana,Silva,ana@example.com,agent\nSam,Lee,sam@example.com,admin\n",
     [("ana@example.com", "Ana", "Silva", "agent"), ("sam@example.com", "Sam", "Lee", "admin")]),
    ("snake_case header", "first_name,last_name,email,role\nAna,Silva,ana@example.com,agent\n",
     [("ana@example.com", "Ana", "Silva", "agent")]),
    ("spreadsheet header in capitals", "First Name,Last Name,E-Mail,ROLE\nAna,Silva,ana@example.com,Agent\n",
     [("ana@example.com", "Ana", "Silva", "agent")]),
    ("given name and surname", "Given name,Surname,Email Address,Type\nAna,Silva,ana@example.com,Administrator\n",
     [("ana@example.com", "Ana", "Silva", "admin")]),
    ("columns in another order", "email,role,last name,first name\nana@example.com,agent,Silva,Ana\n",
     [("ana@example.com", "Ana", "Silva", "agent")]),
    ("UTF-8 with a byte order mark", "\ufeff" + HEADER + "José,Núñez,jose@example.com,agent\n",
     [("jose@example.com", "José", "Núñez", "agent")]),
    ("semicolons, as European Excel saves", "first name;last name;email;role\nAna;Silva;ana@example.com;agent\n",
     [("ana@example.com", "Ana", "Silva", "agent")]),
    ("Windows line endings and spaces around cells", "first name , last name , email , role\r\n Ana , Silva , ana@example.com , agent \r\n",
     [("ana@example.com", "Ana", "Silva", "agent")]),
    ("a quoted comma in a name", HEADER + '"Silva, Jr.",Ana,ana@example.com,agent\n',
     [("ana@example.com", "Silva, Jr.", "Ana", "agent")]),
    ("no role column", "first name,last name,email\nAna,Silva,ana@example.com\n",
     [("ana@example.com", "Ana", "Silva", "agent")]),
    ("blank lines are skipped", HEADER + "\nAna,Silva,ana@example.com,agent\n\n\n",
     [("ana@example.com", "Ana", "Silva", "agent")]),
    ("an ignored extra column", "first name,last name,email,role,phone\nAna,Silva,ana@example.com,agent,+44 20 7946 0000\n",
     [("ana@example.com", "Ana", "Silva", "agent")]),
]


@pytest.mark.parametrize("text,expected", [g[1:] for g in GOOD], ids=[g[0] for g in GOOD])
def test_good_files_are_read_without_problems(text, expected):
    checked = read_agents_csv(text.encode("utf-8"))
    assert checked.problems == []
    assert checked.ok
    assert [(a.email, a.first, a.last, a.role) for a in checked.agents] == expected


def test_a_utf16_file_from_excel_is_read():
    checked = read_agents_csv((HEADER + "Zoë,Brontë,zoe@example.com,agent\n").encode("utf-16"))
    assert checked.ok and checked.agents[0].first == "Zoë"


def test_a_windows_1252_file_is_read_and_a_note_says_so():
    checked = read_agents_csv((HEADER + "José,Núñez,jose@example.com,agent\n").encode("cp1252"))
    assert checked.ok and checked.agents[0].last == "Núñez"
    assert any("Windows-1252" in n for n in checked.notes)


def test_notes_say_which_columns_were_ignored_and_that_everyone_is_an_agent_without_a_role_column():
    checked = read_agents_csv("first name,last name,email,team\nAna,Silva,ana@example.com,blue\n")
    assert any("team" in n for n in checked.notes)
    assert any("no role column" in n for n in checked.notes)


def test_the_example_csv_is_valid():
    assert read_agents_csv(EXAMPLE_CSV).ok


# ---- bad files --------------------------------------------------------------------------------

BAD = [
    ("empty file", "", [(0, "empty")]),
    ("no email column", "first name,last name,contact\nAna,Silva,ana@example.com\n", [(1, "no email column")]),
    ("misspelt columns are named", "frist name,last name,email\nAna,Silva,ana@example.com\n", [(1, "'frist name'")]),
    ("two email columns", "first name,last name,email,e-mail\nAna,Silva,ana@example.com,x@example.com\n", [(1, "both hold the email")]),
    ("plus-addressing", HEADER + "Ana,Silva,ana+agent@example.com,agent\n", [(2, "plus-addressing")]),
    ("plus-addressing suggests the plain address", HEADER + "Ana,Silva,ana+agent@example.com,agent\n", [(2, "Perhaps ana@example.com?")]),
    ("the same email twice", HEADER + "Ana,Silva,ana@example.com,agent\nAna,Silva,ana@example.com,agent\n", [(3, "already on row 2")]),
    ("emails differing only in case", HEADER + "Ana,Silva,ana@example.com,agent\nAna,Silva,Ana@Example.com,agent\n", [(3, "differs only in case from ana@example.com on row 2")]),
    ("an empty first name", HEADER + ",Silva,ana@example.com,agent\n", [(2, "first name is empty")]),
    ("an empty last name", HEADER + "Ana,,ana@example.com,agent\n", [(2, "last name is empty")]),
    ("a last name too long for Connect", HEADER + f"Ana,{'x' * 101},ana@example.com,agent\n", [(2, "at most 100")]),
    ("an empty email", HEADER + "Ana,Silva,,agent\n", [(2, "email is empty")]),
    ("a space in the email", HEADER + "Ana,Silva,ana silva@example.com,agent\n", [(2, "space")]),
    ("an apostrophe in the email", HEADER + "Ana,O'Brien,ana.o'brien@example.com,agent\n", [(2, "apostrophe")]),
    ("an accent in the email", HEADER + "José,Núñez,josé@example.com,agent\n", [(2, "non-ASCII")]),
    ("no top-level domain", HEADER + "Ana,Silva,ana@localhost,agent\n", [(2, "top-level domain")]),
    ("an unknown role", HEADER + "Ana,Silva,ana@example.com,manager\n", [(2, "'manager' is neither agent nor admin")]),
    ("an empty role", HEADER + "Ana,Silva,ana@example.com,\n", [(2, "role is empty")]),
    ("blank lines keep spreadsheet row numbers", HEADER + "Ana,Silva,ana@example.com,agent\n\n\nBo,,bo@example.com,agent\n", [(5, "last name is empty")]),
    ("an unquoted comma in a name", HEADER + "Silva, Jr.,Ana,ana@example.com,agent\n", [(2, "beyond the last named column")]),
    ("a quote never closed", HEADER + 'Ana,Silva,ana@example.com,agent\n"Bo,Lee,bo@example.com,agent\n', [(3, "never closed")]),
    ("several problems on several rows", HEADER + "Ana,Silva,ana@example.com,agent\n,Lee,bo+x@example.com,boss\n",
     [(3, "first name is empty"), (3, "neither agent nor admin"), (3, "plus-addressing")]),
]


@pytest.mark.parametrize("text,expected", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_files_are_reported_by_row_before_anything_is_created(text, expected):
    checked = read_agents_csv(text.encode("utf-8"))
    assert not checked.ok
    for row, words in expected:
        assert any(p.row == row and words in p.message for p in checked.problems), [p.line() for p in checked.problems]
    assert "nothing was created" in checked.summary()


def test_only_the_rows_with_problems_are_marked_in_the_table():
    checked = read_agents_csv(HEADER + "Ana,Silva,ana@example.com,agent\nBo,,bo@example.com,agent\n")
    table = checked.frame()
    assert list(table["row"]) == [2, 3]
    assert table.loc[table["row"] == 2, "problems"].item() == ""
    assert "last name is empty" in table.loc[table["row"] == 3, "problems"].item()
    assert [a.email for a in checked.agents] == ["ana@example.com"]


EXISTING = [("agent1@connect-workshop.com", "agent"), ("admin-user@amazon-connect-workshop.com", "admin")]


@pytest.mark.parametrize("line,words", [
    ("Agent,One,Agent1@connect-workshop.com,agent", "differs only in case from agent1@connect-workshop.com, who is already in the workshop"),
    ("Agent,One,agent1@connect-workshop.com,admin", "already in the workshop as an agent"),
], ids=["case-only clash with a workshop user", "same person in the other group"])
def test_clashes_with_people_already_in_the_workshop_are_problems(line, words):
    checked = read_agents_csv(HEADER + line + "\n", existing=EXISTING)
    assert [p.row for p in checked.problems] == [2]
    assert words in checked.problems[0].message


def test_people_already_in_the_workshop_with_the_same_role_are_fine():
    checked = read_agents_csv(HEADER + "Agent,One,agent1@connect-workshop.com,agent\n", existing=EXISTING)
    assert checked.ok and checked.already_known == 1


def test_merging_into_the_roster_adds_each_email_once():
    people = [{"email": "ana@example.com", "first": "Ana", "last": "Silva", "role": "agent"}]
    checked = read_agents_csv(HEADER + "Ana,Silva,ana@example.com,agent\nBo,Lee,bo@example.com,admin\n")
    merged, added = merge_people(people, checked.agents)
    assert added == 1 and [p["email"] for p in merged] == ["ana@example.com", "bo@example.com"]


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="There is no file"):
        load_agents_file(tmp_path / "nope.csv")


def test_a_thousand_rows_are_checked_quickly():
    import time

    text = HEADER + "".join(f"Agent,{i},agent{i}@example.com,agent\n" for i in range(1000))
    started = time.perf_counter()
    checked = read_agents_csv(text)
    assert checked.ok and len(checked.agents) == 1000
    assert time.perf_counter() - started < 2.0


# ---- the command ------------------------------------------------------------------------------

def cli(*argv):
    from workshop_lib.cli import main

    return main(list(argv))


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_cli_reports_problems_with_row_numbers_and_creates_nothing(ready_learner, tmp_path, capsys):
    from workshop_lib.aws.session import CALLS

    path = write(tmp_path, "bad.csv", HEADER + "Ana,Silva,ana@example.com,agent\nBo,Lee,bo+x@example.com,agent\n")
    CALLS.reset()
    assert cli("agents", "import", path) == 1
    out, err = capsys.readouterr()
    assert "row 3: The email 'bo+x@example.com' cannot be used" in out
    assert "Nothing was created" in out
    assert CALLS.total == 0
    assert st.load().people == []
    assert "Traceback" not in out + err


def test_cli_imports_then_a_rerun_writes_nothing(ready_learner, tmp_path, capsys):
    path = write(tmp_path, "agents.csv", HEADER + "".join(f"Agent,{i},cli{i}@example.com,agent\n" for i in range(12)))
    assert cli("agents", "import", path, "--dry-run") == 0
    out, _ = capsys.readouterr()
    assert "would create 12 Identity Center users" in out and st.load().people == []
    assert cli("agents", "import", path, "--workers", "4") == 0
    out, _ = capsys.readouterr()
    assert "created 12 Identity Center users, 12 Connect users, 12 group memberships" in out
    assert "connect:CreateUser" in out  # API calls by operation
    assert len(st.load().people) == 12
    assert cli("agents", "import", path) == 0
    out, _ = capsys.readouterr()
    assert "everything already exists" in out and "of which 0 writes" in out


def test_cli_reports_failed_rows_and_exits_1(ready_learner, tmp_path, capsys):
    from workshop_lib.aws.session import client

    path = write(tmp_path, "agents.csv", HEADER + "Ana,Silva,ana@example.com,agent\nBo,Lee,bo@example.com,agent\n")
    connect = client("connect", ready_learner.settings)

    def refuse(**_kwargs):
        raise RuntimeError("the network dropped")

    connect.meta.events.register("before-call.connect.CreateUser", refuse)
    try:
        assert cli("agents", "import", path) == 1
    finally:
        connect.meta.events.unregister("before-call.connect.CreateUser", refuse)
    out, err = capsys.readouterr()
    assert "row 2 (ana@example.com): Connect user:" in err and "row 3 (bo@example.com)" in err
    assert "only these rows are tried again" in err
    assert "Traceback" not in out + err
    assert cli("agents", "import", path) == 0
    out, _ = capsys.readouterr()
    assert "created 2 Connect users" in out


@pytest.mark.parametrize("argv", [("agents",), ("agents", "import"), ("agents", "import", "x.csv", "--workers", "0")],
                         ids=["no action", "no file", "bad workers"])
def test_cli_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        code = cli(*argv)
        raise SystemExit(code)
    assert exited.value.code == 2
    assert "Traceback" not in "".join(capsys.readouterr())


def test_cli_missing_file_exits_2_with_a_sentence(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    assert cli("agents", "import", str(tmp_path / "nope.csv")) == 2
    assert "There is no file" in capsys.readouterr().err


def test_cli_prints_a_template(capsys):
    assert cli("agents", "template") == 0
    assert capsys.readouterr().out == EXAMPLE_CSV


# ---- the widget -------------------------------------------------------------------------------

def test_widget_without_a_file_only_shows_how(tmp_path, monkeypatch):
    from workshop_lib.context import Context
    from workshop_lib.ui.agents_csv import AgentsImport

    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    view = AgentsImport(Context())
    assert "first name" in view.instructions.value and "agent" in view.instructions.value
    assert view.import_button.disabled and view.table.value == "" and view.rows == []
    assert view.run_import() is None and "Upload a CSV" in view.result.value


def test_widget_shows_problems_by_row_and_keeps_import_disabled(tmp_path, monkeypatch):
    from workshop_lib.context import Context
    from workshop_lib.ui.agents_csv import AgentsImport

    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    view = AgentsImport(Context())
    view.accept((HEADER + "Ana,Silva,ana@example.com,agent\nBo,Lee,bo+x@example.com,agent\n").encode(), "team.csv")
    assert view.import_button.disabled
    assert [r["row"] for r in view.rows if r["problems"]] == [3]
    assert "plus-addressing" in view.table.value and "team.csv" in view.summary.value
    assert "workshop-error" in view.summary.value


def test_widget_upload_then_import_click_creates_the_people(ready_learner):
    from workshop_lib.ui.agents_csv import AgentsImport

    view = AgentsImport(ready_learner)
    content = (HEADER + "".join(f"Agent,{i},ui{i}@example.com,agent\n" for i in range(8))).encode()
    view.upload.value = ({"name": "agents.csv", "type": "text/csv", "size": len(content), "content": memoryview(content), "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
    assert view.file is not None and view.file.ok and not view.import_button.disabled
    view.import_button.click()
    view.join()
    assert view.outcome is not None and view.outcome.ok
    assert view.outcome.created == {"idc": 8, "connect": 8, "membership": 8}
    assert view.progress.value == view.progress.max == 8
    assert "created 8 Identity Center users" in view.result.value
    assert "identitystore:CreateUser" in view.result.value
    assert len(st.load().people) == 8
    view.import_button.click()
    view.join()
    assert view.outcome.writes == 0 and "everything already exists" in view.result.value


def test_the_notebook_cell_gives_the_widget_with_instructions(ready_learner):
    from workshop_lib import ui
    from workshop_lib.ui.agents_csv import AgentsImport

    view = ui.agents_import()
    assert isinstance(view, AgentsImport)
    assert "application/vnd.jupyter.widget-view+json" in view._repr_mimebundle_()


# ---- call accounting in the run report --------------------------------------------------------

def test_the_run_report_shows_api_calls_by_notebook_and_operation():
    from workshop_lib.runner import CALLS_MARK, NotebookResult, RunReport, _kernel_calls, merge_calls

    cell = {"outputs": [{"output_type": "stream", "text": CALLS_MARK + '{"connect:ListUsers": 2, "connect:CreateUser": 3}\n'}]}
    calls = _kernel_calls(cell)
    assert calls == {"connect:CreateUser": 3, "connect:ListUsers": 2}
    report = RunReport("2026-01-01T00:00:00", "sandbox", [NotebookResult("05_agents.ipynb", True, 1.0, calls=calls)])
    report.calls = merge_calls(calls, {"connect:ListUsers": 1})
    text = report.markdown()
    assert "| 05_agents.ipynb | ok | 1.0 | 5 | 3 |" in text
    assert "API calls by operation: 6 in all, 3 writes." in text
    assert "| connect:ListUsers | 3 |" in text


def test_the_notebook_cell_can_be_run_twice(ready_learner):
    from workshop_lib import ui
    from workshop_lib.ui.agents_csv import AgentsImport

    assert isinstance(ui.agents_import(), AgentsImport)
    assert isinstance(ui.agents_import(), AgentsImport)  # the function is not shadowed by a submodule


def test_unique_by_email_keeps_the_first_entry_and_the_order():
    from collections import namedtuple

    from workshop_lib.rules.usernames import unique_by_email

    P = namedtuple("P", "email n")
    people = [P("a@x.com", 1), P("b@x.com", 2), P("a@x.com", 3), P("c@x.com", 4), P("b@x.com", 5)]
    assert unique_by_email(people) == [P("a@x.com", 1), P("b@x.com", 2), P("c@x.com", 4)]
