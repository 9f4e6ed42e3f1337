"""Threads of known structure re-rendered with glued Reply/Delete markers.

Every thread the tests hold with certain boundaries becomes glued dumps in both
placements, with and without a header: the numbered samples (each comment an item of
their list), the glued sample as its gold file reads it, new threads recombined from
those samples' whole comments, and synthetic threads of recombined sentences.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Optional

from pipeline.parse import parse_bytes
from pipeline.read.decode import decode_bytes
from pipeline.read.split import FIRST_LINE, TRAILING
from pipeline.tools.synth import (ArchiveShape, Rendering, SynthComment, SynthPost, draw_post, expected_comments,
                                  render, sentences_from)
from pipeline.tools.train_placement import Thread

from .conftest import RAW, gold_files, load_gold, norm

PLACEMENTS = (FIRST_LINE, TRAILING)
# The header date of a sample that has none.
_SOME_DAY = dt.date(2024, 6, 7)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def sample_threads() -> dict[str, SynthPost]:
    """Each sample's thread as its gold file reads it, by sample file name (no suffix).

    A numbered sample is read by the parser, a glued one by the first-line reading
    written out below; either way the result must be what the gold file lists, so the
    thread does not depend on the placement decision under test.
    """
    threads = {}
    for gold_path in gold_files():
        gold = load_gold(gold_path.name)
        path = RAW / gold["file"]
        if gold["layout"] == "numbered":
            parsed = parse_bytes(path.name, path.read_bytes())
            body, title, published = parsed.post.body, parsed.post.title, parsed.post.published
            comments = [(c.parent_path is not None, c.body) for c in parsed.comments]
        else:
            body, comments = _first_line_reading(decode_bytes(path.read_bytes()).text)
            title, published = None, None
        got = [(norm(text)[:60], norm(text)[-40:], len(norm(text))) for _, text in comments]
        assert got == [(c["first"], c["last"], c["chars"]) for c in gold["comments"]], path.name
        assert (norm(body)[:60], norm(body)[-40:]) == (gold["body_first"], gold["body_last"]), path.name
        post_comments: list[SynthComment] = []
        for is_reply, text in comments:
            if is_reply:
                post_comments[-1].replies.append(_lines(text))
            else:
                post_comments.append(SynthComment(_lines(text)))
        date = dt.date.fromisoformat(published) if len(published or "") == 10 else _SOME_DAY
        threads[path.stem] = SynthPost(date, title or " ".join(body.split()[:4]), _lines(body), post_comments)
    return threads


def _first_line_reading(text: str) -> tuple[str, list[tuple[bool, str]]]:
    """A glued dump with no header, each marker read as following its comment's first line."""
    lines = text.split("\n")
    starts = []
    for i, line in enumerate(lines):
        for marker, is_reply in (("ReplyDelete", False), ("Delete", True)):
            if line.startswith(marker):
                starts.append((i - 1, is_reply))
                lines[i] = line[len(marker):]
                break
    ends = [s for s, _ in starts[1:]] + [len(lines)]
    comments = [(is_reply, "\n".join(lines[s:e])) for (s, is_reply), e in zip(starts, ends)]
    return "\n".join(lines[:starts[0][0]]), comments


def all_comments(post: SynthPost) -> list[list[str]]:
    """Every comment and reply of ``post``, in reading order, as its lines."""
    return [text for c in post.comments for text in [c.paragraphs, *c.replies]]


def as_training(post: SynthPost) -> Thread:
    return Thread(all_comments(post))


def sentence_stock() -> list[str]:
    return sentences_from(p.read_text(encoding="utf-8") for p in sorted(RAW.glob("*.txt")))


def recombined(pool: list[list[str]], count: int, seed: int) -> list[SynthPost]:
    """New threads of whole real comments drawn from ``pool``, under a body of recombined sentences."""
    rng = random.Random(seed)
    stock = sentence_stock()
    no_comments = ArchiveShape(top_level=(0, 0))
    posts = []
    for _ in range(count):
        comments = []
        for _ in range(rng.randint(1, 12)):
            replies = [rng.choice(pool) for _ in range(rng.randint(1, 4))] if rng.random() < 0.4 else []
            comments.append(SynthComment(rng.choice(pool), replies))
        body = draw_post(rng, stock, no_comments).body
        posts.append(SynthPost(_SOME_DAY + dt.timedelta(days=rng.randrange(3000)), "A Thread", body, comments))
    return posts


def synthetic(count: int, seed: int) -> list[SynthPost]:
    """Threads of sentences recombined at random, as the benchmark's archive holds."""
    rng = random.Random(seed)
    shape = ArchiveShape(top_level=(1, 12), reply_chance=0.4, replies=(1, 4))
    stock = sentence_stock()
    return [draw_post(rng, stock, shape) for _ in range(count)]


@dataclass
class Case:
    """One glued dump and the thread it was rendered from."""

    name: str
    placement: str
    header: bool
    post: SynthPost
    data: bytes


def renderings(name: str, post: SynthPost) -> list[Case]:
    """``post`` in both placements, with and without a header."""
    cases = []
    for placement in PLACEMENTS:
        for header in (True, False):
            shown = post if header else SynthPost(None, None, post.body, post.comments)
            data = render(shown, Rendering(layout="blogger-actions", placement=placement))
            cases.append(Case(f"{name}-{placement}-{'header' if header else 'no-header'}", placement, header, shown,
                              data))
    return cases


@dataclass
class Result:
    case: Case
    placement: Optional[str]
    placement_right: bool  # the placement it was written in, or readings that split it alike
    exact: int  # comments read exactly: path, parent and text
    total: int
    first_exact: bool  # the first comment's text, start included
    margin: Optional[float]
    warned: bool


def judge(case: Case) -> Result:
    """How ``case`` parses against the thread it was rendered from.

    In the trailing placement nothing marks where the first comment starts, so that
    comment is judged on its place in the thread (path and parent) and on its text
    up to where its start may lie (one text ends the other).
    """
    parsed = parse_bytes(case.name, case.data)
    got = [(c.path, c.parent_path, norm(c.body)) for c in parsed.comments]
    want = expected_comments(case.post)
    exact = 0
    for k, expected in enumerate(want):
        found = got[k] if k < len(got) else None
        if found == expected:
            exact += 1
        elif (k == 0 and case.placement == TRAILING and found is not None and found[:2] == expected[:2]
              and (found[2].endswith(expected[2]) or expected[2].endswith(found[2]))):
            exact += 1
    alike = "same way" in (parsed.layout_note or "")
    margin = None
    if parsed.layout_note and "margin " in parsed.layout_note:
        margin = float(parsed.layout_note.split("margin ")[1].split()[0])
    return Result(case, parsed.placement, parsed.placement == case.placement or alike,
                  exact - max(0, len(got) - len(want)), len(want), bool(got) and got[0] == want[0], margin,
                  any(issue.kind == "placement" for issue in parsed.issues))


# -- figures: python -m tests.glued_corpus --------------------------------------------


def _model_without(threads: dict[str, SynthPost], held: Optional[str]):
    from pipeline.read.placement import Model
    from pipeline.tools.train_placement import count
    tables = count(as_training(post) for name, post in sorted(threads.items()) if name != held)
    return Model.from_tables(tables.openings, tables.endings, tables.joins, tables.lengths, tables.long_tail)


def _table(title: str, results: list[Result]) -> None:
    print(title)
    for placement in PLACEMENTS:
        for header in (True, False):
            rows = [r for r in results if r.case.placement == placement and r.case.header == header]
            if not rows:
                continue
            right = sum(r.placement_right for r in rows)
            exact, total = sum(r.exact for r in rows), sum(r.total for r in rows)
            warned = sum(r.warned for r in rows if not r.placement_right)
            print(f"  {placement:10} {'header' if header else 'no header':9}  placement right {right}/{len(rows)}"
                  f"  comments exact {exact}/{total} ({exact / total:.1%})"
                  f"  wrong ones warned {warned}/{len(rows) - right}")


def _calibration(results: list[Result]) -> None:
    decided = [r for r in results if r.margin is not None]
    for low, high in ((0, 1), (1, 2), (2, 3), (3, 4), (4, 6), (6, 10), (10, float("inf"))):
        rows = [r for r in decided if low <= r.margin < high]
        if rows:
            print(f"    margin {low}-{high}: {sum(r.placement_right for r in rows)}/{len(rows)} right")
    for cut in (3, 4):
        above = [r for r in decided if r.margin >= cut]
        below = [r for r in decided if r.margin < cut]
        print(f"    decided by {cut}+: {sum(r.placement_right for r in above)}/{len(above)} right; "
              f"by less: {sum(r.placement_right for r in below)}/{len(below)}")


def main() -> None:
    from pipeline.read import placement

    threads = sample_threads()
    names = sorted(threads)
    _table("The sample threads, model as committed:",
           [judge(case) for name in names for case in renderings(name, threads[name])])
    pool = [comment for post in threads.values() for comment in all_comments(post)]
    results = [judge(case) for k, post in enumerate(recombined(pool, 100, seed=1))
               for case in renderings(f"recombined-{k}", post)]
    _table("100 threads recombined from the samples' comments, model as committed:", results)
    _calibration(results)
    _table("100 threads of recombined sentences (synth), model as committed:",
           [judge(case) for k, post in enumerate(synthetic(100, seed=2)) for case in renderings(f"synthetic-{k}", post)])

    committed = placement.MODEL
    held_samples, held_recombined = [], []
    try:
        for held in names:
            placement.MODEL = _model_without(threads, held)
            held_samples += [judge(case) for case in renderings(held, threads[held])]
            own = all_comments(threads[held])
            batch = [judge(case) for k, post in enumerate(recombined(own, 60, seed=11))
                     for case in renderings(f"{held}-recombined-{k}", post) if case.header]
            held_recombined += batch
            print(f"held out {held}: sample renderings right "
                  f"{sum(r.placement_right for r in held_samples[-4:])}/4, its recombined threads right "
                  f"{sum(r.placement_right for r in batch)}/{len(batch)}")
    finally:
        placement.MODEL = committed
    _table("Each sample held out of the counts in turn, its renderings:", held_samples)
    _table("Each sample held out in turn, 60 threads recombined from its own comments:", held_recombined)
    _calibration(held_recombined)
    numbered = [r for r in held_recombined if not r.case.name.startswith(tuple(
        n for n in names if load_gold(f"{n}.json")["layout"] != "numbered"))]
    print("  the numbered samples only:")
    _calibration(numbered)


if __name__ == "__main__":
    main()
