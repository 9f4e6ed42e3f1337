"""Re-make the rendered files of this folder: hand-specified threads, rendered, then edited where noted.

Run from the repository's root: ``.venv/bin/python tests/data/blogger/make_files.py tests/data/blogger``.
The hostile XML files and not-blogger.html are written by hand and are not touched;
their entries in manifest.json are kept.
"""
import datetime as dt, json, sys
from pathlib import Path
from pipeline.tools import render as r
from pipeline.tools.render import Author, Blog, BlogComment, BlogPost, Link, Bold, ANONYMOUS

OUT = Path(sys.argv[1])
OUT.mkdir(parents=True, exist_ok=True)
manifest = json.loads((OUT / "manifest.json").read_text(encoding="utf-8")) if (OUT / "manifest.json").exists() else {}

def tz(offset):
    return Blog("1", "", "", offset, "en", ANONYMOUS).tz

def t(offset, *args):
    y, mo, d, h, mi, s, ms = (list(args) + [0, 0])[:7]
    return dt.datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=tz(offset))

def lines(*texts):
    return tuple((x if isinstance(x, tuple) else (x,)) for x in texts)

mary = Author("Mary Hale", "profile", "https://www.blogger.com/profile/04412360771203367517")
juergen = Author("Jürgen Müller", "profile", "https://www.blogger.com/profile/17736401926655043018")
oldhand = Author("Old hand", "name", None)
exstaff = Author("Ex-staff", "name", "https://www.example.org/~ex")

A = Blog("7034628186159223745", "Notes from the Office", "https://office-notes-example.blogspot.com", "-07:00", "en", mary)
O = "-07:00"
budget = BlogPost(
    id="5127745561237793421", title="Budget day & what it means", path="/2014/03/budget-day-what-it-means.html",
    kind="post", published=t(O, 2014, 3, 6, 10, 23), author=mary, labels=("budget", "Q&A"),
    updated=t(O, 2014, 3, 6, 18, 2),
    body=(lines("The budget was published this morning.", ("Read ", Link("https://www.example.org/budget?year=2014&part=2", "the summary"), " first.")),
          lines(("It is ", Bold("not"), " good news for the service.")),))
c1 = BlogComment("4455667788990011223", ANONYMOUS, t(O, 2014, 3, 6, 11, 2, 17, 489),
                 (lines("First!", 'Second line with 5 > 3 & "quotes".'),))
r1 = BlogComment("901234567890123456", mary, t(O, 2014, 3, 6, 11, 30, 5, 1),
                 (lines("Thanks, café regulars \ufffd."),))
c2 = BlogComment("3344556677889900112", oldhand, t(O, 2014, 3, 7, 8, 15, 0, 250),
                 (lines("Two paragraphs here."),
                  lines(("The figures are ", Link("https://www.example.org/figures.pdf", "in this PDF"), "."),
                        "And <b>this</b> is typed, not bold.")))
c3 = BlogComment("2233445566778899001", juergen, t(O, 2014, 3, 8, 21, 40, 12, 5), (), removed=True)
r2 = BlogComment("1122334455667788990", ANONYMOUS, t(O, 2014, 3, 9, 7, 3, 44, 918),
                 (lines("Why was that removed?"),))
c1.replies = [r1]
c3.replies = [r2]
budget.comments = [c1, c2, c3]

about = BlogPost(id="6012345678901234567", title="About this blog", path="/p/about.html", kind="page",
                 published=t(O, 2013, 11, 2, 9, 0), author=mary, updated=t(O, 2013, 11, 2, 9, 0),
                 body=(lines("Written by staff, for staff."),), body_style="br")
about.comments = [BlogComment("7766554433221100998", exstaff, t(O, 2014, 4, 1, 12, 0, 0, 0),
                              (lines(("Useful: ", Link("https://www.example.org/", "https://www.example.org/"))),))]
draft = BlogPost(id="8123456789012345678", title="Draft: not yet", path="/2014/03/draft-not-yet.html", kind="post",
                 published=t(O, 2014, 3, 10, 8, 0), author=mary, draft=True, updated=t(O, 2014, 3, 10, 8, 5),
                 body=(lines("This must never become a post."),))

def write(name, data, fmt, expected=None, **about_):
    (OUT / name).write_bytes(data)
    manifest[name] = dict(format=fmt, **about_)
    if expected is not None:
        (OUT / (name.rsplit(".", 1)[0] + ".expected.json")).write_text(
            json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

write("export-one-line.xml", r.render_export(A, [budget], extra=False), "export", r.expected_blog(A, [budget], "export"))
write("export-full.xml", r.render_export(A, [budget, about, draft], one_line=False), "export",
      r.expected_blog(A, [budget, about, draft], "export"))
write("export-undeclared-app.xml", r.render_export(A, [about, draft], extra=False, declare_app_ns=False), "export",
      r.expected_blog(A, [about, draft], "export"), strict=False)

# Takeout: replies name their parent comment in blogger:parent; one is edited by hand
# (below) to name the post instead, as both are seen.
takeout = r.render_takeout(A, [budget, about, draft], reply_parent="comment").decode()
old = f"<blogger:parent>tag:blogger.com,1999:blog-{A.id}.post-{c1.id}</blogger:parent>"
assert takeout.count(old) == 1
takeout = takeout.replace(old, f"<blogger:parent>tag:blogger.com,1999:blog-{A.id}.post-{budget.id}</blogger:parent>")
write("takeout-feed.atom", takeout.encode(), "takeout", r.expected_blog(A, [budget, about, draft], "takeout"))

write("threaded-en.html", r.render_threaded_page(A, budget), "threaded", [r.expected(A, budget, "threaded")],
      language="en")
write("threaded-loadmore.html", r.render_threaded_page(A, budget, loadmore=True, batch=3), "threaded",
      [r.expected(A, budget, "threaded", loadmore=True, batch=3)], language="en")

D = "+01:00"
hans = Author("Hans Becker", "profile", "https://www.blogger.com/profile/09981726354433221100")
B = Blog("934567812345678901", "Der lange Blick", "https://der-lange-blick-example.blogspot.com", D, "de", hans)
kaffee = BlogPost(id="2345678901234567890", title="Kaffeepause", path="/2019/07/kaffeepause.html", kind="post",
                  published=t(D, 2019, 7, 4, 16, 45), author=hans, labels=("Kommentar",), updated=t(D, 2019, 7, 4, 16, 45),
                  body=(lines("Schöne Grüße aus München."), lines("Wir haben die Zahlen erst gestern bekommen.")),
                  body_style="div")
k1 = BlogComment("5566778899001122334", ANONYMOUS, t(D, 2019, 7, 4, 18, 1, 2, 3), (lines("Das ist doch Unsinn, oder?"),))
k2 = BlogComment("667788990011223344", hans, t(D, 2019, 7, 5, 9, 12, 30, 700), (lines("Nein, ganz & gar nicht."),))
k3 = BlogComment("7788990011223344556", juergen, t(D, 2019, 7, 6, 23, 59, 59, 999),
                 (lines("Grüße", "aus Köln <3"),))
k1.replies = [k2]
kaffee.comments = [k1, k3]
write("threaded-de.html", r.render_threaded_page(B, kaffee), "threaded", [r.expected(B, kaffee, "threaded")],
      language="de")

G = "+00:00"
ann = Author("Ann Clarke", "profile", "https://www.blogger.com/profile/00123456789012345678")
C = Blog("5550001112223334445", "Branch News & Views", "https://branch-news-example.blogspot.com", G, "en-GB", ann)
meeting = BlogPost(id="3456789012345678901", title="", path="/2011/10/blog-post.html", kind="post",
                   published=t(G, 2011, 10, 12, 19, 5), author=ann, updated=t(G, 2011, 10, 12, 19, 5),
                   body=(lines("The meeting is on Tuesday at the usual place.", "Bring a colleague."),))
m1 = BlogComment("8899001122334455667", oldhand, t(G, 2011, 10, 12, 20, 43, 1, 0), (lines("I'll be there."),))
m2 = BlogComment("9900112233445566778", ANONYMOUS, t(G, 2011, 10, 13, 7, 3, 0, 120), (), removed=True)
m3 = BlogComment("1012131415161718192", ann, t(G, 2011, 10, 13, 9, 19, 0, 0),
                 (lines("@Anon 07:03: please keep it civil."),))
m4 = BlogComment("2021222324252627282", ANONYMOUS, t(G, 2011, 10, 13, 11, 0, 0, 0), (lines("Agreed & seconded."),))
m1.replies = [m3]
meeting.comments = [m1, m2, m4]
write("classic-deleted.html", r.render_classic_page(C, meeting), "classic", [r.expected_classic(C, meeting)],
      language="en-GB")
write("threaded-wayback.html", r.render_threaded_page(C, meeting, wayback=True, abbr=False), "threaded",
      [r.expected(C, meeting, "threaded", abbr=False)], language="en-GB")

# Hostile: markup a browser would run, inserted into a comment after rendering. The
# text a reader keeps is the comment's text alone: scripts and images give nothing.
bad = BlogPost(id="4567890123456789012", title="Open thread", path="/2016/01/open-thread.html", kind="post",
               published=t(O, 2016, 1, 2, 10, 0), author=mary, updated=t(O, 2016, 1, 2, 10, 0),
               body=(lines("Say what you like."),))
b1 = BlogComment("3031323334353637383", ANONYMOUS, t(O, 2016, 1, 2, 11, 0, 0, 1),
                 (lines("Hello", ("Please ", Link("javascript:alert(document.cookie)", "click me"), ".")),))
b2 = BlogComment("4041424344454647484", oldhand, t(O, 2016, 1, 2, 12, 0, 0, 2),
                 (lines("I typed <script>alert(1)</script> as text: it must stay text."),))
bad.comments = [b1, b2]
INJECT = '<script>alert("stolen")</script><img src="x" onerror="alert(1)">'
page = r.render_threaded_page(A, bad).decode()
assert page.count("Hello<br/>") == 1
page = page.replace("Hello<br/>", "Hello" + INJECT + "<br/>")
write("hostile-script.html", page.encode(), "threaded", [r.expected(A, bad, "threaded")], language="en")
export = r.render_export(A, [bad], extra=False).decode()
marker = "Hello&lt;br /&gt;"
assert export.count(marker) == 1
from xml.sax.saxutils import escape
export = export.replace(marker, "Hello" + escape(INJECT) + "&lt;br /&gt;")
write("hostile-script-export.xml", export.encode(), "export", r.expected_blog(A, [bad], "export"))

(OUT / "manifest.json").write_text(json.dumps(dict(sorted(manifest.items())), indent=1, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
