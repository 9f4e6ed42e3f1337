import contextlib
import json
import os
import sqlite3
import shutil
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from pipeline.store import load
from pipeline.cli import cli

from .conftest import RAW, ROOT


@pytest.fixture
def archive(tmp_path, monkeypatch):
    shutil.copytree(RAW, tmp_path / "raw")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "raw"


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_load_defaults_to_raw_and_data_blog_db(archive):
    result = run("load")
    assert result.exit_code == 0
    assert result.stderr == "5 loaded, 0 unchanged, 0 removed, 0 failed, 0 warnings: data/blog.db\n"
    assert (archive.parent / "data" / "blog.db").exists()
    again = run("load")
    assert again.stderr == "0 loaded, 5 unchanged, 0 removed, 0 failed, 0 warnings: data/blog.db\n"


def test_load_reports_bad_files_and_exits_1(archive):
    (archive / "empty.txt").write_bytes(b"")
    (archive / "zz-binary.dat").write_bytes(bytes(range(256)))
    result = run("load", "--db", "x.db")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "raw/empty.txt:1: file is empty",
        "raw/zz-binary.dat:1: not a text file: it holds binary data",
        "5 loaded, 0 unchanged, 0 removed, 2 failed, 0 warnings: x.db",
    ]


def test_load_reports_a_bad_file_when_it_reaches_it(archive, monkeypatch):
    # Not held until the end: memory does not grow with the files reported.
    (archive / "empty.txt").write_bytes(b"")
    reported = []
    finish = load.ensure_finished

    def finishing(db, timings=None):
        sys.stderr.flush()
        reported.append(sys.stderr.buffer.getvalue().decode())
        return finish(db, timings)

    monkeypatch.setattr(load, "ensure_finished", finishing)
    result = run("load", "--db", "x.db")
    assert reported == ["raw/empty.txt:1: file is empty\n"]
    assert result.stderr.splitlines()[-1] == "5 loaded, 0 unchanged, 0 removed, 1 failed, 0 warnings: x.db"


def test_quiet_load_prints_errors_only(archive):
    (archive / "empty.txt").write_bytes(b"")
    result = run("load", "--quiet")
    assert (result.exit_code, result.stderr, result.stdout) == (1, "raw/empty.txt:1: file is empty\n", "")


def test_warnings_name_file_and_line(archive):
    target = archive / "000_a04ef07ac41940ba.txt"
    target.write_text(target.read_text(encoding="utf-8").replace("Thursday,", "Friday,", 1), encoding="utf-8")
    result = run("load", "raw/000_a04ef07ac41940ba.txt")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == (
        "raw/000_a04ef07ac41940ba.txt:1: warning: date line says Friday but 2014-03-06 is a Thursday; "
        "the date is kept")


def test_load_without_raw_folder_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("load")
    assert result.exit_code == 2
    assert "no PATHS given and there is no raw/ folder here" in result.stderr


def test_load_refuses_a_database_of_another_schema(archive):
    import sqlite3
    sqlite3.connect("old.db").execute("PRAGMA user_version = 99").connection.close()
    result = run("load", "--db", "old.db")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: old.db was built with schema version 99")
    assert "made by a newer version of the pipeline" in result.stderr
    assert "Traceback" not in result.output


def test_parse_prints_the_comment_tree(archive):
    result = run("parse", "raw/004_f41891cd9d906480.txt")
    assert result.exit_code == 0
    tree = json.loads(result.stdout)
    assert (tree["layout"], tree["placement"]) == ("blogger-actions", "first-line")
    assert len(tree["comments"]) == 12
    assert [r["path"] for r in tree["comments"][6]["replies"]] == ["7.1", "7.2", "7.3", "7.4"]


def test_parse_a_missing_file():
    result = run("parse", "no-such-file.txt")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_an_example(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout


def test_a_file_that_is_not_a_database(archive):
    (archive.parent / "notes.db").write_text("not a database, just notes\n" * 100)
    for command in (["load", "--db", "notes.db"], ["check", "--db", "notes.db"]):
        result = run(*command)
        assert result.exit_code == 1
        assert result.stderr == "Error: notes.db: file is not a database\n"


def test_bench_loads_and_checks_a_small_archive(archive, tmp_path):
    # Only that the benchmark runs and checks what it loads: its times are its output.
    result = run("bench", "--files", "20", "--scales", "1,2", "--dir", str(tmp_path / "bench"),
                 "--feed-comments", "300", "--only", "load")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if line.startswith("| 1x") or line.startswith("| 2x")]
    assert [row.split("|")[2].strip() for row in rows] == ["20", "40"]
    report = json.loads((tmp_path / "bench" / "report.json").read_text())
    measures = report["sizes"]
    assert [m["files"] for m in measures] == [20, 40]
    assert 0 < measures[0]["comments"] < measures[1]["comments"]
    assert measures[0]["stages"]["files (parsed and written)"] > 0
    assert report["feed"]["comments"] >= 300 and report["feed"]["export_s"] > 0
    assert "| export |" in result.stdout
    # The parse on a local Dask cluster against the loader's own, and the load from shards.
    header = next(line for line in result.stdout.splitlines() if "shards parse MB/s" in line)
    columns = [c.strip() for c in header.strip("|").split("|")]
    for name in ("in-process parse MB/s", "shards parse MB/s", "load from shards s", "direct cold load s"):
        assert name in columns
    values = result.stdout.splitlines()[result.stdout.splitlines().index(header) + 2].strip("|").split("|")
    figures = dict(zip(columns, (v.strip() for v in values)))
    assert figures["files"] == "20" and float(figures["shards parse MB/s"]) > 0
    float(figures["load from shards s"]), float(figures["direct cold load s"])  # figures, not blanks
    shards = json.loads((tmp_path / "bench" / "report-shards.json").read_text())
    assert shards["shards_load_s"] > 0 and shards["direct_load_s"] > 0
    assert not list((tmp_path / "bench").glob("*.db"))  # each size's databases are removed once measured


# -- what a new user tripped on -------------------------------------------------------


@pytest.mark.parametrize("name, data, message", [
    ("empty.txt", b"", "file is empty"),
    ("binary.txt", bytes(range(256)) * 8, "not a text file: it holds binary data"),
    ("page.html", b"<!DOCTYPE html><html><body><p>Not a dump</p></body></html>", "not a saved Blogger post page"),
])
def test_parse_of_a_file_that_is_no_post_page_says_why(tmp_path, name, data, message):
    (tmp_path / name).write_bytes(data)
    result = CliRunner().invoke(cli, ["parse", str(tmp_path / name)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert json.loads(result.stdout)["post"] is None
    assert result.stderr.startswith(f"{tmp_path / name}:1: ") and message in result.stderr


def test_check_prints_ok_on_standard_output(archive):
    run("load", "--db", "x.db")
    result = run("check", "--db", "x.db")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "x.db: ok\n", "")


def test_check_says_which_files_changed_or_went_since_the_load(archive):
    run("load", "--db", "x.db")
    (archive / "001_1f9ec539c5090330.txt").unlink()
    with open(archive / "002_8a5aa0765c243ef5.txt", "a", encoding="utf-8") as f:
        f.write("\n  56. Added later.\n")
    result = run("check", "--db", "x.db")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "raw/001_1f9ec539c5090330.txt: gone from disk since it was loaded (load its folder again to remove its rows)",
        "raw/002_8a5aa0765c243ef5.txt: changed on disk since it was loaded (load it again to read it)",
    ]
    assert result.stderr == "Error: 2 problems in x.db\n"
    run("load", "--db", "x.db")
    assert run("check", "--db", "x.db").exit_code == 0


@contextlib.contextmanager
def read_only(*paths):
    """Make files and folders impossible to write, even for root (who may run the
    tests): marked immutable then, else their write permissions taken away."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", *map(str, paths)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", *map(str, paths)], check=True)
    else:
        modes = {path: os.stat(path).st_mode for path in paths}
        for path in paths:
            os.chmod(path, modes[path] & ~0o222)
        try:
            yield
        finally:
            for path, mode in modes.items():
                os.chmod(path, mode)


def test_check_works_on_a_database_that_cannot_be_written(archive, tmp_path):
    published = tmp_path / "published"
    published.mkdir()
    run("load", "--db", str(published / "blog.db"))
    with read_only(published / "blog.db", published):
        result = run("check", "--db", str(published / "blog.db"))
        assert (result.exit_code, result.stdout) == (0, f"{published / 'blog.db'}: ok\n"), result.output
        # A search index out of step is still found, from a sample of rows.
    writable = sqlite3.connect(published / "blog.db")
    writable.execute("INSERT INTO comments_fts(comments_fts) VALUES ('delete-all')")
    writable.commit()
    writable.close()
    with read_only(published / "blog.db", published):
        result = run("check", "--db", str(published / "blog.db"))
        assert result.exit_code == 1
        assert "comments_fts is out of step with comments: rows" in result.stdout


def test_load_into_a_folder_that_cannot_be_written_says_so(archive, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    with read_only(locked):
        result = run("load", "--db", str(locked / "blog.db"))
    assert result.exit_code == 1
    assert result.stderr == (f"Error: cannot write in {locked} (permission denied), where {locked / 'blog.db'} and "
                             "its journal go: choose a --db in a folder you can write to\n")


def test_a_database_of_an_older_schema_is_set_aside_with_rebuild(archive):
    con = sqlite3.connect("old.db")
    con.execute("CREATE TABLE sources (id INTEGER PRIMARY KEY, path TEXT)")
    con.execute("PRAGMA user_version = 5")
    con.close()
    result = run("load", "--db", "old.db")
    assert result.exit_code == 1
    assert "old.db was built with schema version 5, this is version" in result.stderr
    assert "load again with --rebuild" in result.stderr
    result = run("load", "--db", "old.db", "--rebuild")
    assert result.exit_code == 0
    assert "old.db was built with schema version 5: set aside as old.db.schema5" in result.stderr
    assert sqlite3.connect("old.db.schema5").execute("SELECT name FROM sqlite_master").fetchall() == [("sources",)]
    assert sqlite3.connect("old.db").execute("SELECT count(*) FROM posts").fetchone() == (5,)


def test_make_notices_a_deleted_raw_file(archive, tmp_path):
    db = tmp_path / "made.db"
    make = ["make", "-s", "-C", str(ROOT), "-n", f"DB={db}", f"RAW={archive}", "VENV=.venv"]
    subprocess.run(["make", "-s", "-C", str(ROOT), f"DB={db}", f"RAW={archive}"], check=True,
                   capture_output=True)
    assert subprocess.run(make, capture_output=True, text=True).stdout == ""  # up to date
    time.sleep(0.01)
    (archive / "001_1f9ec539c5090330.txt").unlink()
    assert "pipeline load" in subprocess.run(make, capture_output=True, text=True).stdout


def test_a_fault_of_the_pipeline_s_own_is_a_sentence_not_a_traceback(archive, monkeypatch):
    def broken(*args, **kwargs):
        raise TypeError("a bug planted by this test")

    monkeypatch.setattr(load, "ensure_finished", broken)
    result = run("load", "--db", "x.db")
    assert result.exit_code == 1
    assert "Traceback" not in result.output + result.stderr
    assert result.stderr.splitlines()[-1].startswith(
        "Error: internal error: TypeError: a bug planted by this test. This is a fault of the pipeline's")
    monkeypatch.setenv("PIPELINE_TRACEBACK", "1")
    with pytest.raises(TypeError):
        run("load", "--db", "x.db")


def test_a_file_the_reader_fails_on_fails_alone_and_is_read_again_next_time(archive, monkeypatch):
    from pipeline.store import work

    parse = work.parse_bytes

    def failing_on_one(path, data, **kwargs):
        if path.endswith("002_8a5aa0765c243ef5.txt"):
            raise ValueError("a bug planted by this test")
        return parse(path, data, **kwargs)

    monkeypatch.setattr(work, "parse_bytes", failing_on_one)
    result = run("load", "--db", "x.db", "--workers", "1")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-2:] == [
        "raw/002_8a5aa0765c243ef5.txt:1: the reader failed here (ValueError: a bug planted by this test); the file "
        "is not loaded. This is a fault of the pipeline's, not of the file: please report it",
        "4 loaded, 0 unchanged, 0 removed, 1 failed, 0 warnings: x.db"]
    monkeypatch.setattr(work, "parse_bytes", parse)
    assert run("load", "--db", "x.db").stderr.splitlines()[-1] == \
        "1 loaded, 4 unchanged, 0 removed, 0 failed, 0 warnings: x.db"


@pytest.mark.parametrize("missing, module, command, extra", [
    ("distributed", "pipeline.store.engine", ["parse", "--engine", "dask", "raw", "--out", "shards"], "dask"),
    ("dask", "pipeline.store.engine", ["parse", "--engine", "dask", "raw", "--out", "shards"], "dask"),
    ("pyarrow", "pipeline.store.shards", ["load", "--from-shards", "shards"], "dask"),
    ("pyarrow", "pipeline.serve.export", ["export", "parquet", "out"], "export"),
    ("pyarrow", "pipeline.serve.export", ["export", "csv", "out"], "export"),
])
def test_a_command_whose_extra_is_not_installed_says_how_to_install_it(archive, monkeypatch, missing, module,
                                                                       command, extra):
    for name in list(sys.modules):
        if name == missing or name.startswith(missing + ".") or name == module:
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, missing, None)  # an import of it fails, as when it is not installed
    run("load")
    if command[0] == "load":
        (archive.parent / "shards").mkdir()
    result = run(*command)
    assert result.exit_code == 1
    assert f"{missing} is not installed" in result.stderr
    assert f"pip install 'blog-pipeline[{extra}]'" in result.stderr and "internal error" not in result.stderr
    if command[0] != "load":
        assert not (archive.parent / command[-1]).exists()


def test_a_scheduler_out_of_reach_is_named_and_leaves_no_folder(archive, monkeypatch):
    import distributed

    def unreachable(address, *args, **kwargs):
        raise OSError(f"Timed out trying to connect to {address} after 30 s")

    monkeypatch.setattr(distributed, "Client", unreachable)
    import pipeline.store.engine as engine

    monkeypatch.setattr(engine, "Client", unreachable)
    result = run("parse", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "raw", "--out", "shards")
    assert result.exit_code == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr
    assert "leave out --scheduler" in result.stderr
    assert not (archive.parent / "shards").exists()


def in_terminal(args, cwd) -> tuple[int, str]:
    """Run a command with a terminal for its output, as a user at a prompt does; its
    exit status and all it wrote."""
    import pty

    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="100", TERM="xterm")
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, cwd=cwd, env=env)
    os.close(slave)
    written = bytearray()
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the terminal closed: the command ended
            break
        if not data:
            break
        written.extend(data)
    os.close(master)
    return process.wait(timeout=300), written.decode("utf-8", "replace")


def test_long_commands_show_a_progress_bar_in_a_terminal_and_none_in_a_pipe(archive):
    pipeline = [sys.executable, "-m", "pipeline"]
    cwd = archive.parent
    commands = [
        (["load", "raw", "--db", "blog.db"], None),
        (["export", "convokit", "corpus", "--db", "blog.db"], "Writing utterances"),
        (["export", "parquet", "parquet", "--db", "blog.db"], "Writing rows"),
        (["export", "csv", "csv", "--db", "blog.db"], "Writing rows"),
        (["parse", "--engine", "dask", "--workers", "1", "raw", "--out", "shards"], "Parsing"),
        (["load", "--from-shards", "shards", "--db", "sharded.db"], "Loading"),
    ]
    for args, label in commands:
        status, written = in_terminal(pipeline + args, cwd)
        assert status == 0, (args, written)
        if label:
            assert label in written and "100%" in written, (args, written)
    for args, label in commands[1:4]:
        args = args[:2] + [args[2] + "-piped"] + args[3:]
        result = subprocess.run(pipeline + args, cwd=cwd, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0 and label not in result.stderr and "%" not in result.stderr, result.stderr


def test_a_stop_while_the_program_loads_ends_without_a_traceback(monkeypatch, capsys):
    """Ctrl-C before the command has started (while its modules are imported)."""
    import importlib.abc

    from pipeline import entry

    class Interrupted(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "pipeline.cli":
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "pipeline.cli")
    monkeypatch.setattr(sys, "meta_path", [Interrupted()] + sys.meta_path)
    with pytest.raises(SystemExit) as stop:
        entry.main()
    assert stop.value.code == 130
    assert capsys.readouterr().err == "Stopped before anything was done.\n"


def test_the_installed_command_is_the_entry_point():
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "pipeline"), "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "pipeline" in result.stdout


def test_a_stop_in_any_command_ends_it_with_status_130(archive, monkeypatch):
    import pipeline.cli as commands

    def interrupted(file):
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "_print_parse", interrupted)
    result = CliRunner().invoke(cli, ["parse", "raw/000_a04ef07ac41940ba.txt"])
    assert (result.exit_code, result.stderr) == (130, "Stopped: run the same command again to finish.\n")


def test_a_stop_while_finishing_says_every_file_is_saved(archive, monkeypatch):
    from pipeline.store import load

    def interrupted(db, timings=None):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(load, "ensure_finished", interrupted)
        result = CliRunner().invoke(cli, ["load", "raw", "--db", "data/stopped.db"])
    assert result.exit_code == 130
    assert result.stderr.endswith("Stopped while finishing (indexes, search, statistics), every file saved; "
                                  "run the same command again to finish.\n")
    result = CliRunner().invoke(cli, ["load", "raw", "--db", "data/stopped.db"])
    assert result.exit_code == 0 and "0 loaded, 5 unchanged" in result.stderr


def test_a_database_that_holds_nothing_yet_is_to_be_loaded_says_each_command(tmp_path):
    """A first load stopped before it began leaves an empty database file."""
    path = tmp_path / "new.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = WAL")
    con.close()
    for command in (["check"], ["export", "csv", str(tmp_path / "csv")], ["export", "parquet", str(tmp_path / "pq")]):
        result = CliRunner().invoke(cli, [*command, "--db", str(path)])
        assert result.exit_code == 1, command
        assert "holds nothing yet" in result.stderr and f"pipeline load --db {path}" in result.stderr, command
        assert "--rebuild" not in result.stderr


def test_every_command_says_a_database_is_of_a_newer_version(tmp_path):
    path = tmp_path / "newer.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE posts (id INTEGER)")
    con.execute("PRAGMA user_version = 99")
    con.close()
    for command in (["check"], ["load", str(tmp_path / "raw")], ["export", "csv", str(tmp_path / "csv")]):
        (tmp_path / "raw").mkdir(exist_ok=True)
        result = CliRunner().invoke(cli, [*command, "--db", str(path)])
        assert result.exit_code == 1, command
        assert "made by a newer version of the pipeline" in result.stderr, (command, result.stderr)


def test_a_stop_once_the_command_is_done_ends_at_once(monkeypatch):
    """Ctrl-C while Python shuts down after the command: status 130, no traceback."""
    import signal as signals

    from pipeline import entry

    monkeypatch.setattr(sys, "argv", ["pipeline", "--version"])
    previous = signals.getsignal(signals.SIGINT)
    try:
        with pytest.raises(SystemExit) as done:
            entry.main()
        assert done.value.code == 0
        assert signals.getsignal(signals.SIGINT) is entry._stop_at_exit
    finally:
        signals.signal(signals.SIGINT, previous)
    code = ("import os, signal, sys, threading, time\n"
            "from pipeline import entry\n"
            "threading.Thread(target=lambda: (time.sleep(1), os.kill(os.getpid(), signal.SIGINT), time.sleep(5))).start()\n"
            "sys.argv = ['pipeline', '--version']\n"
            "entry.main()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 130 and "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("args, message", [
    (["load", "--db", ""], "Invalid value for '--db': needs a value"),
    (["load", "--archive", " ", "--db", "x.db"], "Invalid value for '--archive': needs a value"),
    (["check", "--db", ""], "Invalid value for '--db'"),
    (["export", "csv", "out", "--db", ""], "Invalid value for '--db': needs a value"),
    (["bench", "--scales", "0", "--files", "10"], "'0' is not a list of whole numbers of 1 or more"),
    (["bench", "--scales", "1,-1", "--files", "10"], "'1,-1' is not a list of whole numbers of 1 or more"),
])
def test_an_empty_or_impossible_option_is_a_usage_error(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and message in result.stderr, result.output
