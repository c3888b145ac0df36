"""`run` writes each run to $WORKSHOP_HOME/runs/<time>/ and keeps runs/latest pointing at the newest."""

from workshop_lib.commands.workshop import _new_run_folder


def test_each_run_gets_its_own_folder_under_the_workshop_home_and_latest_follows(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)  # not the current folder: the home
    first = _new_run_folder()
    second = _new_run_folder()
    runs = tmp_path / "home" / "runs"
    assert first.parent == runs and second.parent == runs and first != second
    assert (runs / "latest").resolve() == second.resolve()
    assert not (tmp_path / "runs").exists()
