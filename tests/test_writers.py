"""The writer of what a post reproduces, and the comments that cite them: every form of
credit and of citation, look-alikes beside them, drawn at random, and in the database."""
import random

import pytest

from pipeline.parse import parse_bytes
from pipeline.store.load import load_paths, open_database
from pipeline.understand.refs import NAME
from pipeline.understand.writers import add_cites, find_cites, post_writers

# Made up here: writers and roles no sample holds.
WRITERS = ["Ann Penhallow", "Rhodri Vance", "Meg Ostrowski", "Tobias Quayle", "Ruth Adeyemi"]
ROLES = ["General Secretary", "National Chair", "Chief Officer", "Assistant Secretary"]
VALEDICTIONS = ["Yours sincerely", "Yours faithfully", "Yours fraternally", "In solidarity", "Best wishes",
                "Kind regards", "Regards,", "Yours in solidarity,"]
BYLINES = ["Highlights from the latest blog post by {w}:-", "A guest post by {w}.", "This was sent by {w}:",
           "Below, a letter by the {w} - worth reading", "An update by {w}"]
CITES = ["{n} says the ballot closes soon.", "As {n} said, nothing has changed.", "{n} has written a fair piece.",
         "{n} doesn't say anything about pay.", "{n}'s letter is a step forward.", "{n} claims we are winning.",
         "I think {n} wrote this in a hurry.", "{n} argues the case well enough."]
MENTIONS = ["Maybe {n} will tell the minister so.", "I met {n} at conference.", "Nobody voted for {n} anyway.",
            "Give {n} a chance.", "{n} is not the enemy here."]
FILLER = ["The office was quiet today.", "Caseloads are still too high.", "We need a proper pay rise.",
          "Nobody listens to frontline staff."]


def letter(rng, writer, role):
    valediction = rng.choice([str, str.upper, str.lower])(rng.choice(VALEDICTIONS))
    lines = [rng.choice(FILLER), "", rng.choice(["", "  ", "\u00a0"]) + valediction, "", writer]
    if role:
        lines.append(role)
    return "\n".join(lines + ["", rng.choice(FILLER)])


@pytest.mark.parametrize("seed", range(40))
def test_a_letter_s_signer_and_a_byline_are_the_post_s_writers(seed):
    rng = random.Random(seed)
    writer, role = rng.choice(WRITERS), rng.choice(ROLES + [None])
    found = post_writers(letter(rng, writer, role))
    assert writer in found and "".join(w[0] for w in writer.split()) in found
    assert (role in found) if role else len(found) == 2
    byline = rng.choice(BYLINES).format(w=role or writer)
    assert (role or writer) in post_writers(byline + "\n\n" + rng.choice(FILLER))


@pytest.mark.parametrize("body", [
    "The office was quiet today.\n\nThanks to everyone by the way.",  # "by" and no capitalised name
    "Written by hand, this one.\n\nMore text.",
    "The service was wrecked by the Reforms.\n\nMore text.",  # "by" a cause, not a writer
    "Yours sincerely\n\nthe members of the branch who are all very fed up with it all",  # no name under it
    "We met on Friday.\nIt was signed by Ann Penhallow in the end.",  # a name in passing, not the first line
    "Yours truly was at the meeting.\nAnn Penhallow",  # not a valediction on its own
    "",
])
def test_a_name_the_post_only_mentions_is_no_writer(body):
    assert post_writers(body) == ()


@pytest.mark.parametrize("seed", range(40))
def test_a_comment_citing_the_writer_is_a_reference_and_a_mention_is_not(seed):
    rng = random.Random(seed)
    writer = rng.choice(WRITERS)
    writers = post_writers(letter(rng, writer, rng.choice(ROLES)))
    form = rng.choice([writer, "the " + rng.choice(ROLES), "".join(w[0] for w in writer.split())])
    cite = rng.choice(CITES).format(n=form)
    mention = rng.choice(MENTIONS).format(n=writer)
    cited_name = form.removeprefix("the ")
    bodies = [f"{rng.choice(FILLER)} {cite}", mention, f"{mention} {rng.choice(FILLER)}"]
    found = find_cites(bodies, writers)
    if cited_name in writers:
        [ref] = found[0]
        assert ref.kind == NAME and ref.text == bodies[0][ref.start:ref.end]
        assert ref.target == cited_name and ref.text.endswith(cited_name)
    else:
        assert found[0] == []  # a role this letter is not signed with
    assert found[1] == [] and found[2] == []


def test_initials_are_matched_in_capitals_only():
    writers = post_writers("Yours sincerely\n\nGeneral Secretary\n")
    assert [r.text for r in find_cites(["This talk from the GS doesn't say anything."], writers)[0]] == ["the GS"]
    assert find_cites(["The gs says nothing, it is a typo."], writers) == [[]]
    assert find_cites(["Our GSM says so."], writers) == [[]]


def test_a_citation_does_not_displace_a_reference_found_otherwise():
    writers = ("Ann Penhallow",)
    bodies = ["Ann Penhallow says so."]
    found = [[]]
    add_cites(found, bodies, writers)
    assert [r.text for r in found[0]] == ["Ann Penhallow"]
    other = find_cites(bodies, writers)[0][0]
    found = [[other]]
    add_cites(found, bodies, writers)
    assert found == [[other]]


def dump(rng, writer, role, comments):
    body = letter(rng, writer, role)
    items = "\n".join(f"  {k}. {text}" for k, text in enumerate(comments, start=1))
    return f"Thursday, 6 March 2014\n\nA Letter\n\n{body}\n\n{items}\n".encode()


@pytest.mark.parametrize("seed", range(10))
def test_in_a_parsed_dump_a_citation_resolves_to_the_post(seed):
    rng = random.Random(seed)
    writer, role = rng.choice(WRITERS), rng.choice(ROLES)
    comments = [rng.choice(FILLER), rng.choice(CITES).format(n=writer), rng.choice(MENTIONS).format(n=writer)]
    parsed = parse_bytes("letter.txt", dump(rng, writer, role, comments))
    refs = parsed.threads[0].refs
    assert [(r.comment_path, r.text, r.target_post, r.target_path, r.method) for r in refs] == [
        ("2", writer, True, None, "post-writer")]


def test_a_citation_is_a_row_of_comment_refs(tmp_path):
    rng = random.Random(7)
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "letter.txt").write_bytes(dump(rng, "Ruth Adeyemi", "National Chair", [
        "Ruth Adeyemi says the talks have stalled.", "Give Ruth Adeyemi a chance."]))
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [tmp_path / "raw"])
    rows = list(db.query("SELECT c.path, r.text, r.kind, r.target_post, r.method FROM comment_refs r "
                         "JOIN comments c ON c.id = r.comment_id"))
    assert rows == [{"path": "1", "text": "Ruth Adeyemi", "kind": "name", "target_post": 1, "method": "post-writer"}]
