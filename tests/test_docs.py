"""Keep the README in step with the command line."""
import re

import click
import pytest

from pipeline.cli import cli

from .conftest import ROOT

README = (ROOT / "README.md").read_text()


def commands(group=cli, prefix=""):
    """(name, command) of every command that runs: a group's by their full name
    (``export parquet``), not the group."""
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


@pytest.mark.parametrize("name", [name for name, _ in commands()])
def test_every_command_is_documented(name):
    assert f"### `pipeline {name}" in README


@pytest.mark.parametrize("name, option", [
    (name, opt)
    for name, command in commands()
    for param in command.params if isinstance(param, click.Option)
    for opt in param.opts
])
def test_every_option_is_documented(name, option):
    heading = re.search(rf"### `pipeline {name}[^\n]*", README)[0]
    assert option in heading


def test_every_table_is_documented():
    tables = re.findall(r"CREATE (?:TABLE|VIEW|VIRTUAL TABLE) IF NOT EXISTS (\w+)", (ROOT / "schema.sql").read_text())
    for table in tables:
        assert f"| `{table}`" in README, table


def test_readme_shows_the_set_up_commands():
    assert re.search(r"^make$", README, re.M) and re.search(r"^make test$", README, re.M)


def test_every_column_is_in_the_readme_table(db):
    for table in ("archives", "sources", "authors", "posts", "post_labels", "comments", "comment_refs",
                  "date_mentions", "parse_issues", "dates"):
        row = next(line for line in README.splitlines() if line.startswith(f"| `{table}`"))
        for column in db[table].columns_dict:
            assert f"`{column}`" in row, (table, column)
