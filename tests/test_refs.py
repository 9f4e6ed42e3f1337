"""References and their resolution: the hand labels, every form and look-alike, planted threads."""
from collections import Counter

import pytest
from hypothesis import given, strategies as st

from pipeline.parse import parse_bytes
from pipeline.tools.plant import plant_blog, plant_synth
from pipeline.tools.render import draw_blog, plain as plain_text
from pipeline.tools.synth import ArchiveShape, Rendering, draw_post, render
from pipeline.understand.refs import (NAME, POSITION, TIME, author_name_forms, find_refs, find_refs_many,
                                      known_names)
from pipeline.understand.resolve import (CommentText, ThreadText, find_thread_refs, resolve_refs,
                                         same_writer_links)
from pipeline.understand.signatures import find_signature, normalise_time
from pipeline.understand.writers import post_writers

from .labelled import (QUOTED_WRITER, STOCK, blog_thread, label_files, load, overlaps, percent, seeded, span,
                       synth_thread)

NAMES = [path.name for path in label_files()]


# -- the labels ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_labels_fit_the_parse(name):
    """Every labelled comment exists, and every labelled text stands where its label says."""
    sample = load(name)
    assert set(sample.labels["comments"]) == {c.path for c in sample.comments}
    for comment in sample.comments:
        label = sample.labels["comments"][comment.path]
        for item in label["refs"] + label["lookalikes"]:
            assert span(comment.body, item["text"], item["occurrence"])[0] >= 0, (comment.path, item["text"])
    for item in sample.labels["post"]["lookalikes"]:
        assert span(sample.post_body, item["text"], item["occurrence"])[0] >= 0, item["text"]


def found_in(sample):
    """The references found in each comment of a labelled sample, by path."""
    return find_thread_refs(sample.thread())


def label_scores():
    rows = []
    for name in NAMES:
        sample = load(name)
        refs = found_in(sample)
        row = Counter()
        notes = []
        for comment in sample.comments:
            label = sample.labels["comments"][comment.path]
            got = refs[comment.path]
            matched = set()
            for item in label["refs"]:
                where = span(comment.body, item["text"], item["occurrence"])
                quoted = item.get("note", "").startswith(QUOTED_WRITER)
                row["refs"] += 1
                row["quoted"] += quoted
                hit = [r for r in got if r.kind == item["kind"] and overlaps((r.start, r.end), where)]
                if hit:
                    row["found"] += 1
                    row["found_plain"] += not quoted
                    row["exact"] += (hit[0].start, hit[0].end) == where
                    matched.add(hit[0])
                else:
                    notes.append(f"missed {comment.path} {item['text']!r}" + (" [quoted writer]" if quoted else ""))
            for ref in got:
                if ref in matched:
                    continue
                row["unlabelled"] += 1
                if any(overlaps((ref.start, ref.end), span(comment.body, la["text"], la["occurrence"]))
                       for la in label["lookalikes"]):
                    row["on_lookalike"] += 1
                    notes.append(f"on a look-alike: {comment.path} {ref.text!r}")
        for ref in find_refs(sample.post_body):
            if any(overlaps((ref.start, ref.end), span(sample.post_body, la["text"], la["occurrence"]))
                   for la in sample.labels["post"]["lookalikes"]):
                row["on_lookalike"] += 1
                notes.append(f"on a look-alike in the post: {ref.text!r}")
        rows.append((sample.name, row, notes))
    return rows


def test_labelled_references_are_found_and_none_on_a_look_alike():
    rows = label_scores()
    total = Counter()
    print("\nreferences on the labels: file, labelled, found, exact span, found without the quoted writer's, "
          "on look-alikes, found but not labelled")
    for name, row, notes in rows:
        total.update(row)
        plain = row["refs"] - row["quoted"]
        print(f"  {name}  {row['refs']:3d}  {row['found']:3d} ({percent(row['found'], row['refs'])})"
              f"  {row['exact']:3d}  {row['found_plain']}/{plain} ({percent(row['found_plain'], plain)})"
              f"  {row['on_lookalike']}  {row['unlabelled']}")
        for note in notes:
            print("       ", note)
    plain = total["refs"] - total["quoted"]
    print(f"  all  {total['refs']:3d}  {total['found']:3d} ({percent(total['found'], total['refs'])})"
          f"  {total['exact']:3d}  {total['found_plain']}/{plain} ({percent(total['found_plain'], plain)})"
          f"  {total['on_lookalike']}  {total['unlabelled']}")
    # Every labelled reference counts, those to the writer of text the post reproduces
    # included: where the post credits that writer (a byline, a letter's signer), a
    # comment citing what they wrote is found (``writers``); one that only names them
    # is a look-alike (000 comment 2 holds one of each).
    assert total["found"] >= 0.85 * total["refs"]
    assert total["on_lookalike"] == 0


def test_what_the_text_alone_can_resolve_is_resolved():
    wrong, resolved, resolvable = [], 0, 0
    for name in NAMES:
        sample = load(name)
        thread = sample.thread()
        refs = find_thread_refs(thread)
        results = resolve_refs(thread, refs)
        for comment in sample.comments:
            for item in sample.labels["comments"][comment.path]["refs"]:
                where = span(comment.body, item["text"], item["occurrence"])
                hit = [r for r in results if r.path == comment.path and overlaps((r.ref.start, r.ref.end), where)]
                target = (item["target_path"], item["target_post"])
                if item["resolvable_from_text"]:
                    resolvable += 1
                    resolved += bool(hit) and (hit[0].target_path, hit[0].target_post) == target
                elif hit and (hit[0].target_path or hit[0].target_post) and \
                        (hit[0].target_path, hit[0].target_post) != target:
                    wrong.append((sample.name, comment.path, item["text"], hit[0].target_path, hit[0].method))
    print(f"\nresolvable from the text: {resolved}/{resolvable}; resolved to another target: {wrong}")
    assert resolvable == 7 and resolved == resolvable
    assert not wrong


def test_labelled_time_references_resolve_where_times_are_shown():
    """The labels name the comment each time points at: show those comments at those times
    (every other comment at a time of its own) and the resolver must find them, and
    leave unresolved a mistyped time ("19 :19" for 9:19) rather than guess."""
    rng = seeded(5)
    right = wrong = total = 0
    for name in NAMES:
        sample = load(name)
        shown = {}
        timed = []
        for comment in sample.comments:
            for item in sample.labels["comments"][comment.path]["refs"]:
                if item["kind"] == TIME and item["target_path"]:
                    time = normalise_time(item["target"].replace(">", ":"))
                    if item["target"].replace(" ", "").replace(">", ":") in (time, time.lstrip("0")) or \
                            item["target"].replace(".", ":") in (time, time.lstrip("0")):
                        shown[item["target_path"]] = time
                    timed.append((comment.path, item))
        taken = set(shown.values())
        for comment in sample.comments:
            while comment.path not in shown:
                candidate = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}"
                if candidate not in taken:
                    shown[comment.path] = candidate
                    taken.add(candidate)
        thread = sample.thread(shown)
        results = resolve_refs(thread, find_thread_refs(thread))
        for path, item in timed:
            where = span(sample.body(path), item["text"], item["occurrence"])
            hit = [r for r in results if r.path == path and overlaps((r.ref.start, r.ref.end), where)]
            total += 1
            if hit and hit[0].target_path == item["target_path"]:
                right += 1
            elif hit and hit[0].target_path:
                wrong += 1
    print(f"\nlabelled time references with the labels' times shown: {right}/{total} resolved, {wrong} wrong")
    assert wrong == 0
    assert right >= total - 2  # the two mistyped ones, "19 :19" and "19>19" for 9:19


# -- forms and look-alikes -------------------------------------------------------------------

def refs_in(body, names=(), **kw):
    return [(r.kind, r.text, r.target) for r in find_refs(body, names, **kw)]


@pytest.mark.parametrize("body, expected", [
    ("@Anon 9:19 why don't you read it first?", [(TIME, "@Anon 9:19", "9:19")]),
    ("Shut up 19.23 no evidence of this happening anywhere.", [(TIME, "19.23", "19.23")]),
    ("07:03 here, just in from another day's graft.", [(TIME, "07:03", "07:03")]),
    ("All true I fear Netnipper at 15:40, however one is better off.", [(TIME, "Netnipper at 15:40", "15:40")]),
    ("Contd from 20:10 above - indeed.", [(TIME, "20:10", "20:10")]),
    ("Fine.\n\n09:19 & 18:23, save your bile for the CRCs.", [(TIME, "09:19", "09:19"), (TIME, "18:23", "18:23")]),
    ("How do you know that 20.58?", [(TIME, "20.58", "20.58")]),
    ("It's true what 19.23 says we are discouraged.", [(TIME, "19.23", "19.23")]),
    ("Having read this thread I think 19>19 is correct.", [(TIME, "19>19", "19>19")]),
    ("Thank you 9:41` ! Support the union.", [(TIME, "9:41", "9:41")]),
    ("I agree with the poster at 14:21 on this.", [(TIME, "poster at 14:21", "14:21")]),
    ("But for you, 22:46, I'll make a rare exception.", [(TIME, "22:46", "22:46")]),
    ("@ 9:19 you are wrong.", [(TIME, "@ 9:19", "9:19")]),
])
def test_time_references(body, expected):
    assert refs_in(body) == expected


@pytest.mark.parametrize("body", [
    "Strike action from 12:00 noon to 12:00 noon next day.",
    "I will be speaking at their rally outside Parliament at 9:00 (please show your support).",
    "Courts will open until 8.30pm, civil courts until 7pm.",
    "Meetings are 12.30 \u2013 13.30pm and 1-2pm.",
    "I've been up since 3:26 am grinding my teeth.",
    "Complete the documents by 10 next morning.",
    "They pay \u00a312.50 an hour, up 2.5% on last year.",
    "Read clause 4.12 and section 3:15 of the agreement.",
    "It was signed on 12.03.2015 and again on 31/03/2014.",
    "The vote went 21-14, and 47 CPOs (out of a possible 54) replied.",
    "See https://example.org/watch?t=10:30 for the video.",
    "I caught the 10:15 train and the meeting starts 9:30 on Monday.",
    "The 1.5 million figure and 19.23 per cent are both wrong.",
    "It cost 12.50 in the end.",
    "The deadline is 17:00, so hurry.",
    "We lost 21:14 in the final.",
    "Lunch 12:30.",
    "Start time 9:15, finish 17:15.",
    "We got 18.50 an hour back then.",
    "His curfew 19:00 was never checked, and court 10:00 was adjourned.",
])
def test_event_times_amounts_and_numbers_are_not_references(body):
    assert [r for r in find_refs(body) if r.kind == TIME] == []


def test_name_references():
    names = known_names(["Getafix", "Spartacus"], [], author_name_forms("Jim Brown"))
    assert refs_in("Getafix - Does this help?\n\nQ Asked by an MP.", names) == [(NAME, "Getafix", "Getafix")]
    assert refs_in("Hobnob - do you really think so?") == [(NAME, "Hobnob", "Hobnob")]
    assert refs_in("@Wayfarer you have missed the point.") == [(NAME, "@Wayfarer", "Wayfarer")]
    assert refs_in("Brilliant Netnipper. As a branch official I agree.") == [(NAME, "Netnipper", "Netnipper")]
    assert refs_in("Absolutely Su! I understand the constraints.") == [(NAME, "Su", "Su")]
    assert refs_in("As Spartacus says, it will fail.", names) == [(NAME, "Spartacus", "Spartacus")]
    assert refs_in("At the risk of being neutered again by Mr Brown, I reiterate.", names) == \
        [(NAME, "Mr Brown", "Mr Brown")]
    assert refs_in("Just look at the emails as highlighted by Jim - oops.", names) == [(NAME, "Jim", "Jim")]
    # The writer's own sign-off is not a reference to anyone.
    body = "Nobody asked us.\n'Getafix"
    assert find_refs(body, names, find_signature(body)) == []


@pytest.mark.parametrize("body", [
    "Chris Grayling is a minister in a hurry, says Sadiq Khan.",
    "Come on Unison members, express your concern.",
    "Listen to Jimmy Nail singing Big River.",
    "Jimmy Nail - Big River - Live",
    "Jim Davidson was on the television again.",
    "Thank God its just the probation service.",
    "NAPO leadership:- we're going to fight you!",
    "Q76 Carolyn Harris: Thank you, Chair. Good morning.",
    "Grayling - the man who broke probation.",
    "I am a PO in a CRC and so is my colleague.",
])
def test_people_named_in_passing_are_not_references(body):
    names = known_names(["Getafix", "PO"], [], author_name_forms("Jim Brown"))
    assert [r for r in find_refs(body, names) if r.kind == NAME] == []


def test_position_references():
    assert refs_in("Get lost, look at the first post I thought was in order.") == \
        [(POSITION, "the first post", "first")]
    assert refs_in("He misunderstood the first negative poster.") == \
        [(POSITION, "the first negative poster", "first")]
    assert refs_in("Take note of your last 2 lines and keep your negativity.") == \
        [(POSITION, "your last 2 lines", "last")]
    assert refs_in("Having read your initial attack on him, I disagree.") == \
        [(POSITION, "your initial attack", "initial")]
    assert refs_in("For the PSO above who says their pay is ok, I agree.") == [(POSITION, "the PSO above", "above")]
    assert refs_in("I agree with the previous comment.") == [(POSITION, "the previous comment", "previous")]
    assert refs_in("Same as above.") == [(POSITION, "above", "above")]
    assert refs_in("Just read the experiences highlighted below & despair.") == [(POSITION, "below", "below")]


@pytest.mark.parametrize("body", [
    "I've had my head above the parapet for years.",
    "Managers who have been promoted above their capabilities.",
    "The last Labour government legislated for it.",
    "Questions should be asked in the first place.",
    "All previous action has failed.",
    "Still waiting for printers post new laptop roll out.",
    "Your post is incredibly negative.",
    "Many of the comments last night called for it.",
    "There are more details below.",
    "It was the last straw and at last they listened.",
])
def test_position_words_in_their_ordinary_sense_are_not_references(body):
    assert [r for r in find_refs(body) if r.kind == POSITION] == []


def test_positions_are_found_in_top_level_comments_of_a_thread_with_replies():
    # A top-level comment points at the one above as a reply does, whether or not
    # the thread has replies elsewhere.
    thread = thread_of(("1", None, "First."), ("1.1", "1", "A reply to the first."),
                       ("2", None, "Same as the previous comment, and the first comment too."))
    assert [(r.ref.text, r.target_path, r.method) for r in resolve_one(thread, "2")] == [
        ("the previous comment", "1.1", "previous"), ("the first comment", "1", "first")]
    thread = thread_of(("1", None, "First."), ("2", None, "Second."),
                       ("3", None, "I agree with the first comment above."))
    assert [(r.ref.text, r.target_path, r.method) for r in resolve_one(thread, "3")] == [
        ("the first comment above", "1", "first")]


def test_many_bodies_at_once_is_each_body_alone():
    rng = seeded(3)
    names = known_names(["Wayfarer", "Old Lag", "SPO"], ["Alice Smith"], ["Jim Brown", "Jim"])
    for _ in range(40):
        post, _ = plant_synth(draw_post(rng, STOCK, ArchiveShape(top_level=(1, 8))), rng)
        bodies = [c.body for c in synth_thread(post).comments]
        assert find_refs_many(bodies, names) == [find_refs(body, names) for body in bodies]


# Texts made of the pieces references are made of, and of any character.
PIECES = list("0123456789 :.>@-\n'\x00") + ["above", "post", "your last ", "Anon ", "Thanks ", "Getafix",
                                           "Mr Brown", "PO", "the first ", "comment"]
TEXTS = st.lists(st.sampled_from(PIECES) | st.characters(), max_size=40).map("".join)


@given(st.lists(st.text(max_size=200) | TEXTS, max_size=5), st.sampled_from([(), ("Getafix", "Mr Brown", "PO")]))
def test_any_text_gives_references_that_stand_in_it(bodies, names):
    for body, refs in zip(bodies, find_refs_many(bodies, names)):
        for ref in refs:
            assert body[ref.start:ref.end] == ref.text and ref.kind in (TIME, NAME, POSITION) and ref.target
        assert all(a.end <= b.start for a, b in zip(refs, refs[1:]))


@given(st.lists(st.tuples(TEXTS, st.booleans(), st.none() | st.sampled_from(["09:19", "21:19", "9:19", "20:43"])),
                min_size=1, max_size=8),
       st.booleans())
def test_any_thread_resolves_to_comments_of_its_own(items, twelve_hour):
    comments, top = [], 0
    for k, (body, reply, shown) in enumerate(items):
        if reply and top:
            comments.append(CommentText(f"{top}.{k}", str(top), body, find_signature(body), None, shown))
        else:
            top += 1
            comments.append(CommentText(str(top), None, body, find_signature(body), "Getafix", shown))
    thread = ThreadText(comments, ("Mr Brown",), twelve_hour)
    paths = [c.path for c in comments]
    for result in resolve_refs(thread, find_thread_refs(thread)):
        assert result.target_path is None or (result.target_path in paths and result.target_path != result.path)
        assert not (result.target_path and result.target_post)
        assert 0 <= result.confidence <= 1 and result.candidates >= 0


# -- resolution ------------------------------------------------------------------------------

def thread_of(*comments, blog=(), twelve_hour=False):
    return ThreadText([CommentText(*c) for c in comments], tuple(blog), twelve_hour)


def resolve_one(thread, path):
    refs = find_thread_refs(thread)
    return [r for r in resolve_refs(thread, refs) if r.path == path]


def test_a_time_resolves_to_the_comment_shown_at_that_minute():
    thread = thread_of(("1", None, "First.", None, None, "09:19"),
                       ("2", None, "Second.", None, None, "09:41"),
                       ("2.1", "2", "@Anon 9:19 you are wrong.", None, None, "10:02"))
    [result] = resolve_one(thread, "2.1")
    assert (result.target_path, result.method, result.candidates) == ("1", "shown-time", 1)


def test_a_time_two_comments_were_shown_at_is_left_unresolved():
    thread = thread_of(("1", None, "First.", None, None, "09:19"),
                       ("2", None, "Second.", None, None, "09:19"),
                       ("3", None, "Thanks 9:19!", None, None, "10:02"))
    [result] = resolve_one(thread, "3")
    assert result.target_path is None and result.candidates == 2


def test_the_name_written_with_a_time_tells_two_candidates_apart():
    thread = thread_of(("1", None, "First.", None, "Netnipper", "15:40"),
                       ("2", None, "Second.", None, "Bob Smith", "15:40"),
                       ("3", None, "All true Netnipper at 15:40, however.", None, None, "16:02"))
    [result] = resolve_one(thread, "3")
    assert result.target_path == "1" and result.candidates == 2


def test_a_twelve_hour_clock_reads_both_hours():
    thread = thread_of(("1", None, "First.", None, None, "21:19"),
                       ("2", None, "Second.", None, None, "21:30"),
                       ("3", None, "@Anon 9:19 no.", None, None, "22:00"), twelve_hour=True)
    assert resolve_one(thread, "3")[0].target_path == "1"
    thread.comments[1].shown_time = "09:19"
    assert resolve_one(thread, "3")[0].target_path is None


def test_a_reply_may_answer_a_later_top_level_comment_posted_before_it():
    thread = thread_of(("1", None, "First.", None, None, "09:00", "2020-01-01T09:00:00+00:00"),
                       ("1.1", "1", "@Anon 11:05 nonsense.", None, None, "12:30", "2020-01-01T12:30:00+00:00"),
                       ("2", None, "Second.", None, None, "11:05", "2020-01-01T11:05:00+00:00"),
                       ("3", None, "Third.", None, None, "13:05", "2020-01-01T13:05:00+00:00"))
    assert resolve_one(thread, "1.1")[0].target_path == "2"


def test_without_shown_times_a_time_resolves_to_a_timed_signature():
    signed = "I am struggling with it all too. Anon 20:43."
    thread = thread_of(("1", None, "I am struggling.", None),
                       ("2", None, signed, find_signature(signed)),
                       ("3", None, "@Anon 20:43 cheer up.", None))
    [result] = resolve_one(thread, "3")
    assert (result.target_path, result.method) == ("2", "signed-time")


def test_a_time_written_with_a_name_resolves_by_the_name_where_no_time_fits():
    # A dump shows no times: "Kestrel at 15:40" is the one earlier comment signed Kestrel.
    thread = thread_of(("1", None, "First.\nKestrel", "Kestrel"), ("2", None, "Second."),
                       ("3", None, "I agree with Kestrel at 15:40, nothing changes."))
    assert [(r.target_path, r.method, r.candidates) for r in resolve_one(thread, "3")] == [("1", "signature", 1)]
    # Two comments signed Kestrel: which one is meant cannot be told.
    thread = thread_of(("1", None, "First.\nKestrel", "Kestrel"), ("2", None, "Second.\nKestrel", "Kestrel"),
                       ("3", None, "I agree with Kestrel at 15:40, nothing changes."))
    assert [(r.target_path, r.method, r.candidates) for r in resolve_one(thread, "3")] == [(None, None, 2)]


def test_a_timed_signature_links_to_the_comment_shown_at_its_time():
    signed = "I am struggling with it all too. Anon 20:43."
    thread = thread_of(("1", None, "I am struggling.", None, None, "20:43"),
                       ("1.1", "1", signed, find_signature(signed), None, "21:50"))
    [link] = same_writer_links(thread)
    assert (link.path, link.time, link.target_path) == ("1.1", "20:43", "1")


def test_names_resolve_to_the_post_or_the_nearest_earlier_comment():
    body = "Nobody listens.\nWayfarer"
    thread = thread_of(("1", None, body, find_signature(body)),
                       ("2", None, "Something else.\nWayfarer", find_signature("Something else.\nWayfarer")),
                       ("3", None, "Thanks Wayfarer! And Jim is right to post it.", None),
                       blog=author_name_forms("Jim Brown"))
    results = resolve_one(thread, "3")
    assert [(r.ref.text, r.target_path, r.target_post, r.method, r.candidates) for r in results] == [
        ("Wayfarer", "2", False, "signature", 2), ("Jim", None, True, "blog-author", 1)]


def test_positions_resolve_to_first_parent_and_previous():
    thread = thread_of(("1", None, "First."), ("2", None, "Second."),
                       ("2.1", "2", "Reply one."),
                       ("2.2", "2", "I agree with the PSO above who says so, not with the first post."),
                       ("2.3", "2", "Take note of your last 2 lines."))
    got = {r.ref.text: (r.target_path, r.method) for r in resolve_one(thread, "2.2") + resolve_one(thread, "2.3")}
    assert got == {"the PSO above": ("2", "parent"), "the first post": ("1", "first"),
                   "your last 2 lines": ("2.2", "previous")}


# -- planted threads ---------------------------------------------------------------------------

def score_planted(pairs):
    """(thread, truth) pairs: per kind, planted, found, resolved as expected, resolved wrongly."""
    table = {kind: Counter() for kind in (TIME, NAME, POSITION)}
    on_lookalikes = 0
    for thread, truth in pairs:
        refs = find_thread_refs(thread)
        results = resolve_refs(thread, refs)
        bodies = {c.path: c.body for c in thread.comments}
        for lookalike in truth.lookalikes:
            where = lookalike.locate(bodies[lookalike.path])
            on_lookalikes += any(overlaps((r.start, r.end), where) for r in refs[lookalike.path])
        for planted in truth.refs:
            row = table[planted.kind]
            row["planted"] += 1
            where = planted.locate(bodies[planted.path])
            reply = thread.comments[[c.path for c in thread.comments].index(planted.path)].parent_path is not None
            row["in replies"] += reply
            hit = [r for r in results if r.path == planted.path and r.ref.kind == planted.kind
                   and overlaps((r.ref.start, r.ref.end), where)]
            if not hit:
                continue
            row["found"] += 1
            got = (hit[0].target_path, hit[0].target_post)
            right = got == (planted.target_path, planted.target_post)
            row["to its target"] += right
            row["ambiguous"] += planted.expect == "ambiguous"
            if got != (None, False) and not right:
                row["wrong"] += 1
                row["wrong when ambiguous"] += planted.expect == "ambiguous"
    return table, on_lookalikes


def print_planted(title, table, on_lookalikes):
    print(f"\n{title}: kind, planted (in replies), found, resolved to its target, ambiguous, wrong")
    for kind, row in table.items():
        print(f"  {kind:8s} {row['planted']:5d} ({row['in replies']})  {row['found']:5d}"
              f" ({percent(row['found'], row['planted'])})  {row['to its target']:5d}"
              f" ({percent(row['to its target'], row['planted'])})  {row['ambiguous']:4d}  {row['wrong']}")
    print(f"  references on a planted look-alike: {on_lookalikes}")


def test_planted_references_in_blogger_files_where_times_are_shown():
    rng = seeded(11)
    pairs = []
    while len(pairs) < 400:
        blog, posts = draw_blog(rng)
        for post in posts:
            if post.comments and not post.draft:
                post, truth = plant_blog(blog, post, rng, letter=0.3)
                pairs.append((blog_thread(blog, post, truth.post_author_names, post_writers(plain_text(post.body))),
                              truth))
    table, on_lookalikes = score_planted(pairs)
    print_planted("planted in Blogger's files (times shown)", table, on_lookalikes)
    times, names, positions = table[TIME], table[NAME], table[POSITION]
    assert times["planted"] > 1000
    assert times["to its target"] >= 0.9 * times["planted"]
    assert times["wrong when ambiguous"] == 0 and times["ambiguous"] > 50
    assert times["wrong"] == 0
    assert names["to its target"] >= 0.95 * names["planted"] and names["wrong"] == 0
    assert positions["to its target"] >= 0.95 * positions["planted"] and positions["wrong"] == 0
    assert on_lookalikes == 0
    # Among the names, citations of the writer of a letter the post reproduces.
    assert sum(r.target in t.post_writer_names for _, t in pairs for r in t.refs) > 50


def test_planted_references_in_dumps_read_back():
    """Planted in synthetic posts, rendered as dumps and parsed: times point at timed signatures."""
    rng = seeded(23)
    pairs = []
    for _ in range(200):
        post, truth = plant_synth(draw_post(rng, STOCK, ArchiveShape(top_level=(2, 10))), rng,
                                  blog_author="Alice Smith", letter=0.3)
        parsed = parse_bytes("x.txt", render(post, Rendering(layout="numbered")))
        thread = ThreadText([CommentText(c.path, c.parent_path, c.body, find_signature(c.body))
                             for c in parsed.comments], truth.post_author_names,
                            post_writer_names=post_writers(parsed.post.body))
        assert set(truth.post_writer_names) <= set(thread.post_writer_names)
        pairs.append((thread, truth))
    table, on_lookalikes = score_planted(pairs)
    print_planted("planted in dumps (no times shown)", table, on_lookalikes)
    times, names, positions = table[TIME], table[NAME], table[POSITION]
    assert times["planted"] > 100 and times["to its target"] >= 0.95 * times["planted"]
    assert names["to its target"] >= 0.95 * names["planted"]
    assert positions["to its target"] >= 0.95 * positions["planted"]
    assert sum(row["wrong"] for row in table.values()) == 0
    assert on_lookalikes == 0
    assert sum(r.target in t.post_writer_names for _, t in pairs for r in t.refs) > 30
