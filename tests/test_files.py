"""atomic_write: the whole new content or the old, private to the user, no temporary files left."""

import os
import stat

import pytest

from workshop_lib.files import atomic_write


@pytest.mark.parametrize("durable", [True, False])
def test_atomic_write_replaces_the_content_and_keeps_it_private(tmp_path, durable):
    path = tmp_path / "deeper" / "state.bin"
    atomic_write(path, b"first", durable=durable)
    atomic_write(path, "second, as text", durable=durable)
    assert path.read_text() == "second, as text"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["state.bin"]


def test_a_failed_rename_keeps_the_old_file_and_removes_the_temporary_one(tmp_path, monkeypatch):
    path = tmp_path / "settings.json"
    atomic_write(path, "old")

    def refuse(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        atomic_write(path, "new")
    monkeypatch.undo()
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]
