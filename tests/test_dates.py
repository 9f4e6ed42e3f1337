"""Dates: post dates from headers and from text, and every date written in a text."""
import datetime as dt
import json

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.understand.dates import date_mentions, find_mentions, header_date, infer_post_date
from pipeline.parse import parse_file

from .conftest import RAW, load_gold

POST = header_date(dt.date(2014, 3, 6), "Thursday, 6 March 2014")  # a Thursday
NBSP = "\u00a0"


def mentions(text, post=POST):
    return [(m.text, m.value, m.precision, m.resolution) for m in date_mentions(text, post)]


# Real expressions from the samples, in a sentence, and what each resolves to against
# a post of Thursday 6 March 2014.
@pytest.mark.parametrize("text, expected", [
    (f"strike action across the 31st{NBSP}March-1st{NBSP}April 12:00 noon",
     [(f"31st{NBSP}March", "2014-03-31", "day", "anchored"), (f"1st{NBSP}April", "2014-04-01", "day", "anchored")]),
    (f"the Offender Rehabilitation Bill - 11th{NBSP}March", [(f"11th{NBSP}March", "2014-03-11", "day", "anchored")]),
    (f"take industrial action this Friday 7th{NBSP}March and I",
     [(f"Friday 7th{NBSP}March", "2014-03-07", "day", "anchored")]),
    ("Whatever the result on 7 May 2015, part of", [("7 May 2015", "2015-05-07", "day", "explicit")]),
    ("wound up on 31 May and the new system", [("31 May", "2014-05-31", "day", "anchored")]),
    ("fully in place by next April, a month ahead", [("next April", "2015-04", "month", "anchored")]),
    ("861 views 2 Feb 2023 Life After Prison", [("2 Feb 2023", "2023-02-02", "day", "explicit")]),
    ("a committee hearing in Jan '24 accompanied by", [("Jan '24", "2024-01", "month", "explicit")]),
    ("backdated to October 2023 and a \u00a3500 one-off", [("October 2023", "2023-10", "month", "explicit")]),
    ("waved before the camera's in 1939", [("in 1939", "1939", "year", "explicit")]),
    ("has significantly increased since June, and our", [("since June", "2013-06", "month", "anchored")]),
    ("TR is not due to start until Feb.", [("until Feb", "2015-02", "month", "anchored")]),
    ("It's been delayed but it will go in January", [("in January", "2015-01", "month", "anchored")]),
    ("Asked on: 06 May 2016", [("06 May 2016", "2016-05-06", "day", "explicit")]),
    ("a quote from this blog, 21 Aug 2014:", [("21 Aug 2014", "2014-08-21", "day", "explicit")]),
    ("the CRC/NPS june 1st) they will", [("june 1st", "2014-06-01", "day", "anchored")]),
    ("over the period from April to June. Management",
     [("from April", "2014-04", "month", "anchored"), ("June", "2014-06", "month", "anchored")]),
    ("I announced yesterday, we are", [("yesterday", "2014-03-05", "day", "anchored")]),
    ("follows on from that of last Tuesday where", [("last Tuesday", "2014-03-04", "day", "anchored")]),
    ("In September last year, the then chief", [("In September last year", "2013-09", "month", "anchored")]),
    ("closed at the end of 2014. Results", [("of 2014", "2014", "year", "explicit")]),
    ("interviewed between 1 November 2000 and 30 June 2002 using",
     [("1 November 2000", "2000-11-01", "day", "explicit"), ("30 June 2002", "2002-06-30", "day", "explicit")]),
    ("Meeting on the 12-14 May at", [("12", "2014-05-12", "day", "anchored"), ("14 May", "2014-05-14", "day", "anchored")]),
    ("Thursday, September 16, 2010 was", [("Thursday, September 16, 2010", "2010-09-16", "day", "explicit")]),
    ("the form dated 31/03/2014 says", [("31/03/2014", "2014-03-31", "day", "explicit")]),
    ("logged as 2014-03-06 in", [("2014-03-06", "2014-03-06", "day", "explicit")]),
    ("see you last friday then", [("last friday", "2014-02-28", "day", "anchored")]),
    ("by mid-May at the latest", [("mid-May", "2014-05", "month", "anchored")]),
    ("at the end of June we", [("end of June", "2014-06", "month", "anchored")]),
    ("the meeting tonight and this morning's", [("tonight", "2014-03-06", "day", "anchored"),
                                                ("this morning", "2014-03-06", "day", "anchored")]),
])
def test_real_expressions(text, expected):
    assert mentions(text) == expected


@pytest.mark.parametrize("text", [
    "Anon 20:43.",
    "Shut up 19.23 no evidence of this",
    "Meeting 3 – 12.30 – 13.30pm",
    "posted at 3:26 am",
    "the budget for 2015/16 is",
    "an 80 per cent-plus risk, 40% of staff",
    "a \u00a3500 one-off payment and \u00a31.7bn",
    "2 half days might protect your pension",
    "in 2000 cases the order was",
    "it may be that they will",
    "May I suggest a different approach",
    "this is the point",
    "Q76 Carolyn Harris: Thank you",
    "in the service today",
    "6 out of 10 short-term prisoners",
    "1,000 staff and 35 trusts",
    "section 3.2 of the act",
    "in November of the same year",
    "in 2019-20 the budget",
    "the next morning and last evening",
])
def test_look_alikes_are_not_dates(text):
    assert mentions(text) == []


def test_offsets_point_at_the_text():
    text = f"Strike on 31st{NBSP}March-1st{NBSP}April, ballot until Feb. See you yesterday."
    for mention in date_mentions(text, POST):
        assert text[mention.start:mention.end] == mention.text


def test_nothing_is_filled_in_from_today():
    # Without a post date, a date without a year has no year: it stays unresolved.
    assert mentions("on 11th March and yesterday", post=None) == [
        ("11th March", None, None, "unresolved"), ("yesterday", None, None, "unresolved")]
    # ISO dates are never read day-first.
    assert mentions("on 2014-03-06", post=None) == [("2014-03-06", "2014-03-06", "day", "explicit")]


def test_a_weekday_that_fits_no_nearby_year_gives_no_date():
    assert mentions("on Monday 6th March") == [("Monday 6th March", None, None, "unresolved")]


def test_a_weekday_picks_the_year_it_fits():
    # 7 March was a Friday in 2014, but a Saturday in 2015: a post of December 2014.
    post = header_date(dt.date(2014, 12, 9), "Tuesday, 9 December 2014")
    assert mentions("on Saturday 7th March", post) == [("Saturday 7th March", "2015-03-07", "day", "anchored")]


def test_headerless_sample_is_dated_within_its_bounds():
    gold = load_gold("004_f41891cd9d906480.json")
    parsed = parse_file(str(RAW / gold["file"]))
    post = parsed.post
    bounds = gold["published_inferred"]
    assert (post.published, post.published_precision, post.published_source) == ("2024-05", "month", "inferred")
    assert bounds["not_before"][:7] <= post.published <= bounds["not_after"][:7]
    assert "fit" in post.published_evidence and "last Friday (17th May)" in post.published_evidence


def test_no_evidence_no_date():
    assert infer_post_date(["A post with no dates in it at all.", "A comment on 11th March."]) is None


def test_pairs_that_fit_several_years_give_no_date():
    # Friday 17th May fits 2013, 2019 and 2024: nothing else tells which.
    assert infer_post_date(["The ballot opened on Friday 17th May."]) is None


def test_one_day_of_evidence_gives_a_day():
    date = infer_post_date(["Yesterday (Thursday 23rd May) the ballot opened; in Jan '24 we met."])
    assert (date.value, date.precision) == ("2024-05-24", "day")


def test_headers_date_posts_exactly(tmp_path):
    for name in ("000_a04ef07ac41940ba", "001_1f9ec539c5090330", "002_8a5aa0765c243ef5", "003_92b3ed089a46f2e7"):
        gold = load_gold(name + ".json")
        post = parse_file(str(RAW / gold["file"])).post
        assert (post.published, post.published_precision, post.published_source) == (gold["published"], "day",
                                                                                      "header")


def test_parse_shows_the_date_and_mentions():
    result = CliRunner().invoke(cli, ["parse", str(RAW / "004_f41891cd9d906480.txt")], catch_exceptions=False)
    tree = json.loads(result.stdout)
    assert tree["post"]["published"] == "2024-05"
    assert tree["post"]["published_evidence"].startswith("weekday/date pairs")
    assert {"comment_path": None, "text": "Thursday 23rd May", "value": "2024-05-23", "precision": "day",
            "resolution": "anchored"}.items() <= tree["date_mentions"][3].items()


def test_mentions_in_the_database(db, monkeypatch):
    from pipeline.store.load import load_paths
    monkeypatch.chdir(RAW.parent)
    load_paths(db, ["raw"])
    rows = list(db.query(
        """SELECT m.text, m.value, c.path FROM date_mentions m JOIN posts p ON p.id = m.post_id
           JOIN sources s ON s.id = p.source_id LEFT JOIN comments c ON c.id = m.comment_id
           WHERE s.path = '003_92b3ed089a46f2e7.txt' AND m.resolution = 'explicit' ORDER BY m.id"""))
    assert {(r["text"], r["value"], r["path"]) for r in rows} >= {
        ("21 Aug 2014", "2014-08-21", "11.3"), ("06 May 2016", "2016-05-06", "11.2")}
    [day] = db.query("SELECT * FROM dates WHERE date = '2014-08-21'")
    assert day == {"date": "2014-08-21", "year": 2014, "month": 8, "day": 21, "weekday": "Thursday"}
    for row in db.query("SELECT m.text, m.start, m.end, coalesce(c.body, p.body) AS body FROM date_mentions m "
                        "JOIN posts p ON p.id = m.post_id LEFT JOIN comments c ON c.id = m.comment_id"):
        assert row["body"][row["start"]:row["end"]] == row["text"]
