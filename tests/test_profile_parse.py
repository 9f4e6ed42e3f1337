"""The parse profiler runs on a small archive and reports the stages it times."""
import os

import pytest

from pipeline.tools import profile_parse

from .conftest import RAW, ROOT


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


def test_times_files_already_in_a_folder_and_another_copy_without_writing_there(tmp_path, capsys):
    folder = tmp_path / "archive" / "part"
    folder.mkdir(parents=True)
    for k, sample in enumerate(sorted(RAW.glob("*.txt")) * 2):
        (folder / f"{k:02d}.txt").write_bytes(sample.read_bytes())
    before = sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir())
    profile_parse.main(["--on", str(tmp_path / "archive"), "--files", "7", "--repeat", "1", "--against", str(ROOT)])
    out = capsys.readouterr().out
    assert out.startswith(f"7 files, ") and f"in {tmp_path / 'archive'}/; one process" in out.splitlines()[0]
    assert f"parse_bytes of {ROOT}: " in out and "times as long" in out
    assert sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir()) == before


def test_a_folder_without_text_files_is_said_so(tmp_path):
    with pytest.raises(SystemExit, match="no .txt files"):
        profile_parse.main(["--on", str(tmp_path)])


def test_a_planted_archive_gives_the_people_stage_signatures_and_references(tmp_path, capsys):
    from pipeline.parse import parse_bytes

    cwd = os.getcwd()
    os.chdir(ROOT)  # the archive is recombined from raw/
    try:
        profile_parse.main(["--planted", "--files", "12", "--dir", str(tmp_path / "planted"), "--repeat", "1"])
    finally:
        os.chdir(cwd)
    assert capsys.readouterr().out.startswith("12 files")
    parsed = [parse_bytes(p.name, p.read_bytes()) for p in sorted((tmp_path / "planted").glob("*.txt"))]
    assert len(parsed) == 12 and not any(p.failed for p in parsed)
    assert {"numbered", "blogger-actions"} <= {p.layout for p in parsed}  # "plain": a post without comments
    comments = [c for p in parsed for c in p.comments]
    assert sum(c.signature is not None for c in comments) > len(comments) / 4
    assert sum(len(t.refs) for p in parsed for t in p.threads) > len(comments) / 8
