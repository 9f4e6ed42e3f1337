"""The parse profiler runs on a small archive and reports the stages it times."""
import os

from pipeline.tools import profile_parse

from .conftest import ROOT


def test_profiles_a_small_archive(tmp_path, capsys):
    cwd = os.getcwd()
    os.chdir(ROOT)  # the archive is recombined from raw/
    try:
        profile_parse.main(["--files", "12", "--dir", str(tmp_path / "archive"), "--repeat", "1"])
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert out.startswith("12 files")
    assert "MB/s" in out
    for label in ("decode", "split", "threads", "normalise", "dates.find_mentions (all calls)", "rows_of"):
        assert f"\n{label}" in out or f"  {label}" in out, label
    assert len(list((tmp_path / "archive").glob("*.txt"))) == 12
