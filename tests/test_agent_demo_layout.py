"""The demo's folder: rebuilt on every run, but never a folder that is not a demo's."""

from __future__ import annotations

import pytest

from activo.demo_setup import DemoFailed, DemoLayout


def test_a_fresh_folder_is_marked_and_old_demo_files_are_removed(tmp_path):
    layout = DemoLayout(tmp_path / "demo")
    layout.reset()
    layout.tango_db.write_text("old")
    (layout.logs).mkdir()
    (layout.logs / "agent.log").write_text("old")
    layout.reset()
    assert not layout.tango_db.exists()
    assert not layout.logs.exists()


def test_a_foreign_non_empty_folder_is_refused(tmp_path):
    (tmp_path / "important.txt").write_text("do not delete")
    with pytest.raises(DemoFailed, match="--data-dir"):
        DemoLayout(tmp_path).reset()
    assert (tmp_path / "important.txt").exists()
