"""Signatures: the hand labels, sign-offs and look-alikes of every form, planted ones at scale."""
import pytest
from hypothesis import given, strategies as st

from pipeline.parse import parse_bytes
from pipeline.tools.plant import CLOSING_LOOKALIKES, plant_synth
from pipeline.tools.synth import ArchiveShape, Rendering, draw_post, render
from pipeline.understand.signatures import (Signature, find_signature, is_anonymous, normalise_time,
                                            signature_name, signature_time)

from .labelled import STOCK, label_files, load, percent, seeded


def label_scores():
    """Per sample: (labelled signatures, found, false ones, [what was missed or false])."""
    rows = []
    for path in label_files():
        sample = load(path.name)
        want = found = false = 0
        notes = []
        for comment in sample.comments:
            label = sample.labels["comments"][comment.path]
            doubtful = {d["text"] for d in label["doubtful_signatures"]}
            got = find_signature(comment.body)
            if label["signature"]:
                want += 1
                if got and got.text == label["signature"]:
                    found += 1
                else:
                    notes.append(f"missed {comment.path} {label['signature']!r} (got {got and got.text!r})")
            elif got and got.text not in doubtful:
                false += 1
                notes.append(f"false {comment.path} {got.text!r}")
        rows.append((sample.name, want, found, false, notes))
    return rows


def test_labelled_signatures_are_found():
    rows = label_scores()
    print("\nsignatures on the labels: file, labelled, found, false")
    for name, want, found, false, notes in rows:
        print(f"  {name}  {want:3d}  {found:3d} ({percent(found, want)})  {false}", *notes)
    want, found, false = (sum(r[i] for r in rows) for i in (1, 2, 3))
    print(f"  all  {want:3d}  {found:3d} ({percent(found, want)})  {false}")
    assert found >= 0.9 * want
    assert false <= 2


@pytest.mark.parametrize("body, text", [
    ("That's the way it is.\n'Getafix", "Getafix"),
    ("You hopefully take my point?\nPO", "PO"),
    ("Nobody listens to us any more.\nAnon", "Anon"),
    ("I would not criticise anybody's decision....Bobbyjoe", "Bobbyjoe"),
    ("My concern is that this will end up with people being hurt. Spartacus.", "Spartacus"),
    ("I'm trying to regroup my energies and belief. Anon 20:43.", "Anon 20:43"),
    ("It is shameful how quickly it was ripped apart. M.", "M"),
    ("The caseloads are out of hand.\n- Old Lag", "Old Lag"),
    ("The caseloads are out of hand.\n\u2018Wayfarer\u2019", "Wayfarer"),
    ("The caseloads are out of hand.\nA PO", "A PO"),
    ("The caseloads are out of hand.\nCRC PO", "CRC PO"),
    ("The caseloads are out of hand.\nanon 9.19", "anon 9.19"),
    ("The caseloads are out of hand!\nAnonymous SPO", "Anonymous SPO"),
    ("The caseloads are out of hand. Ex-PSO", "Ex-PSO"),
    ("The caseloads are out of hand.\nRegards, Wayfarer", "Wayfarer"),
    ("The caseloads are out of hand. Kind regards - Old Lag.", "Old Lag"),
    ("The caseloads are out of hand.\nBest wishes, Anon 20:43", "Anon 20:43"),
])
def test_sign_offs_are_found(body, text):
    found = find_signature(body)
    assert found is not None and found.text == text
    assert body[found.start:found.end] == text


@pytest.mark.parametrize("body", [
    "Napo just stand around.\nAgreed",
    "Napo just stand around.\nExactly.",
    "Read it here:\nhttps://www.example.org/report",
    "They think we will fold.\nBring it on",
    "Follow the doctors, get together, get angry people. Strike.",
    "Yeah, that must be it... what a conspiracy! Numpty.",
    "ND will simply show a completed order. Wrong. Wrong. Wrong.",
    "I have heard it may be one of the concessions. Watch this space.",
    "\u201cThe definition of insanity is doing the same thing over again\u201d\n\u2013 Albert Einstein",
    "Who is to blame for all of this? Mr Grayling.",
    "Is this what you meant? Ask Jim?",
    "Thanks for all the support.\nSolidarity",
    "Thanks for all the support.\nRant over.",
    "The meeting starts at ten:\nMonday",
    "Indeed",
    "Sorry...",
    "We all know who is responsible for this mess. Thanks Jim.",
    "so help me NOMS....",
    "Whatever you think of it, the plan is here.\nPLEASE SAVE OUR SERVICE",
    "The caseloads are out of hand.\nThanks, Wayfarer",
    "The caseloads are out of hand.\nKind regards",
])
def test_text_is_not_a_signature(body):
    assert find_signature(body) is None


def test_a_name_mentioned_or_addressed_is_not_a_signature():
    assert find_signature("Getafix - does this help? I think it does.") is None
    assert find_signature("As Spartacus said, nothing will change here.") is None
    assert find_signature("@Bobbyjoe you are quite wrong about the ballot") is None


def test_signature_time_and_anonymity():
    assert signature_time("Anon 20:43") == "20:43"
    assert signature_time(Signature("anon 9.19", 0, 9)) == "09:19"
    assert signature_time("Getafix") is None
    assert is_anonymous("Anon") and is_anonymous("Anonymous") and is_anonymous("anon 20:43")
    assert is_anonymous("Anon PO")
    assert not is_anonymous("Getafix") and not is_anonymous(None)
    assert Signature("Anon 20:43", 0, 10).anonymous and Signature("Anon 20:43", 0, 10).time == "20:43"
    assert normalise_time("9:41pm") == "21:41" and normalise_time("12.05 am") == "00:05"
    assert normalise_time("19 :19") == "19:19" and normalise_time("no time") is None



def test_the_name_a_signature_signs_with_is_without_its_time():
    assert signature_name("Kestrel 20:43") == "Kestrel" and signature_name("Kestrel at 9.19") == "Kestrel"
    assert signature_name(Signature("Old Lag @ 21:05", 0, 15)) == "Old Lag"
    assert signature_name("Anon 20:43") == "Anon" and signature_name("Kestrel") == "Kestrel"
    assert signature_name(None) is None

def test_planted_signatures_are_read_back_from_dumps():
    """Signatures planted in synthetic posts, rendered as dumps and parsed back."""
    rng = seeded(17)
    planted = found = false = lookalikes = 0
    for _ in range(120):
        post = draw_post(rng, STOCK, ArchiveShape(top_level=(2, 10)))
        post, truth = plant_synth(post, rng)
        parsed = parse_bytes("x.txt", render(post, Rendering(layout="numbered")))
        signed = {s.path: s.text for s in truth.signatures}
        closing = {la.path for la in truth.lookalikes if la.text in CLOSING_LOOKALIKES}
        for comment in parsed.comments:
            got = find_signature(comment.body)
            if comment.path in signed:
                planted += 1
                found += got is not None and got.text == signed[comment.path]
            elif got is not None:
                false += 1
                lookalikes += comment.path in closing
    print(f"\nplanted signatures: {found}/{planted} found ({percent(found, planted)}), {false} false "
          f"({lookalikes} on planted closing words)")
    assert planted > 300
    assert found >= 0.95 * planted
    assert lookalikes == 0


@given(st.text(max_size=300))
def test_any_text_gives_a_signature_that_stands_in_it(body):
    found = find_signature(body)
    if found is not None:
        assert body[found.start:found.end] == found.text
        assert found.text and found.text[0] not in "'\"\u2018\u2019-" and found.text[-1] not in ".!,;"
