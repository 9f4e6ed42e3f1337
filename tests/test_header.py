import datetime as dt

import pytest

from pipeline.read.header import parse_date_line, parse_header


@pytest.mark.parametrize("line, date, agrees", [
    ("Thursday, 6 March 2014", dt.date(2014, 3, 6), True),
    ("Thursday 14 August 2014", dt.date(2014, 8, 14), True),
    ("Thursday, September 16, 2010", dt.date(2010, 9, 16), True),
    ("Thursday September 16 2010", dt.date(2010, 9, 16), True),
    ("Saturday, 25th March 2017", dt.date(2017, 3, 25), True),
    ("6 March 2014", dt.date(2014, 3, 6), True),
    ("  Tuesday, 9 December 2014  ", dt.date(2014, 12, 9), True),
    ("Friday, 6 March 2014", dt.date(2014, 3, 6), False),
    ("Thu, 6 Mar 2014", dt.date(2014, 3, 6), True),
    ("Tues 9 Dec. 2014", dt.date(2014, 12, 9), True),
    ("Thursday, Sept 16, 2010", dt.date(2010, 9, 16), True),
])
def test_date_lines(line, date, agrees):
    parsed = parse_date_line(line)
    assert (parsed.date, parsed.weekday_agrees) == (date, agrees)


@pytest.mark.parametrize("line", [
    "Latest From Napo 15", "Thursday, 31 February 2014", "March 2014", "6/3/2014", "", "Thursday",
    "Thursday, 6 March 2014 and more", "Thursday, Septober 16, 2010", "Frid 6 March 2014",
])
def test_not_date_lines(line):
    assert parse_date_line(line) is None


@pytest.mark.parametrize("lines, date_line, title, body_start", [
    (["Thursday, 6 March 2014", "", "Title", "", "Body"], "Thursday, 6 March 2014", "Title", 4),
    (["Thursday, 6 March 2014", "", "", "Body"], "Thursday, 6 March 2014", None, 3),
    (["Title", "", "Body"], None, "Title", 2),
    (["Body starts here:-", "", "More"], None, None, 0),
    (["Body line one", "Body line two"], None, None, 0),
    (["Thursday, 6 March 2014"], "Thursday, 6 March 2014", None, 1),
    ([], None, None, 0),
])
def test_headers(lines, date_line, title, body_start):
    header = parse_header(lines)
    assert (header.date_line, header.title, header.body_start) == (date_line, title, body_start)
