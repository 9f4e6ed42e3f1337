"""The renderers of Blogger's own files: each output parses, says what Blogger's files say,
and reads back, through a minimal reading of each format written here, as ``expected`` says."""
import datetime as dt
import json
import random
import re
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from pipeline.read.html import element_text, html_to_text
from pipeline.tools import render as r
from pipeline.tools.synth import SynthComment, SynthPost, expected_comments

DATA = Path(__file__).resolve().parent / "data" / "blogger"
SEEDS = range(40)
WAYBACK = re.compile(r"^/web/\d{14}[a-z_]*/")
SAFE = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def drawn(seed):
    return r.draw_blog(random.Random(seed))


def local(element):
    """An element's name without namespace or prefix (a prefix stays in the name when it was never declared)."""
    return element.tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def instant(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def show_comment(href):
    """(epoch ms, comment id) from a ``?showComment=MS#cID`` link."""
    match = re.search(r"[?&]showComment=(\d+)#c(\d+)$", href)
    assert match, href
    return int(match.group(1)), match.group(2)


def from_epoch(ms):
    return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=ms)


def threads(flat):
    """Comments given as dicts with ``parent_id`` and ``at``, put in reading order with paths."""
    tops = sorted((c for c in flat if c["parent_id"] is None), key=lambda c: c["at"])
    out = []
    for number, top in enumerate(tops, start=1):
        out.append(dict(top, path=str(number), parent=None))
        replies = sorted((c for c in flat if c["parent_id"] == top["remote_id"]), key=lambda c: c["at"])
        for k, reply in enumerate(replies, start=1):
            out.append(dict(reply, path=f"{number}.{k}", parent=str(number)))
    assert len(out) == len(flat), "a reply whose parent is not a top-level comment"
    return [{key: c[key] for key in ("remote_id", "path", "parent", "text", "author", "published_at", "deleted")}
            for c in out]


def person(name, url, anonymous_name="Anonymous"):
    if not url and (name == anonymous_name or name.split()[0].lower() in ("anon", "anonymous")):
        return None  # a name typed in that names no one is no one's
    kind = "profile" if url and re.match(r"https://(www\.blogger\.com/profile|plus\.google\.com)/\d+$", url) else "name"
    return {"name": name, "profile_url": url or None, "kind": kind}


# -- minimal readings of each format, to check the renderers against ``expected`` ----------


def read_export(data, recover=False):
    root = etree.fromstring(data, etree.XMLParser(recover=recover, **SAFE))
    atom = "{%s}" % r.ATOM
    posts, comments = {}, []
    for entry in root.iter(atom + "entry"):
        kind = next(c.get("term").rsplit("#", 1)[1] for c in entry.iter(atom + "category")
                    if c.get("scheme") == r.KIND_SCHEME)
        if kind not in ("post", "page", "comment"):
            continue
        number = re.search(r"\.(?:post|page)-(\d+)$", entry.findtext(atom + "id")).group(1)
        author = entry.find(atom + "author")
        who = person(author.findtext(atom + "name"), author.findtext(atom + "uri"))
        published = entry.findtext(atom + "published")
        html = entry.findtext(atom + "content") or ""
        if kind in ("post", "page"):
            if any(local(e) == "draft" and e.text == "yes" for e in entry.iter(etree.Element)):
                continue
            alternate = next(l.get("href") for l in entry.iter(atom + "link") if l.get("rel") == "alternate")
            posts[number] = {
                "remote_id": number, "title": entry.findtext(atom + "title") or None, "url": alternate, "kind": kind,
                "published": published[:10], "published_at": r.rfc3339(instant(published)), "author": who,
                "labels": [c.get("term") for c in entry.iter(atom + "category") if c.get("scheme") == r.LABEL_SCHEME],
                "body": html_to_text(html)}
        elif kind == "comment":
            links = {l.get("rel"): l.get("href") for l in entry.iter(atom + "link")}
            reply_to = next(e for e in entry.iter(etree.Element) if local(e) == "in-reply-to")
            props = {p.get("name"): p.get("value") for p in entry.iter(etree.Element) if local(p) == "extendedProperty"}
            removed = props.get("blogger.contentRemoved") == "true"
            comments.append({
                "remote_id": number, "post": re.search(r"\.post-(\d+)$", reply_to.get("ref")).group(1),
                "parent_id": links["related"].rsplit("/", 1)[1] if "related" in links else None,
                "at": instant(published), "text": "" if removed else html_to_text(html), "author": who,
                "published_at": r.rfc3339(instant(published)), "deleted": removed,
                "alternate": links["alternate"], "display": props["blogger.displayTime"]})
    return [{"post": post, "comments": threads([c for c in comments if c["post"] == number]), "complete": True}
            for number, post in sorted(posts.items())], comments


def read_takeout(data):
    root = etree.fromstring(data, etree.XMLParser(**SAFE))
    atom, b = "{%s}" % r.ATOM, "{%s}" % r.TAKEOUT
    number = lambda text: re.search(r"\.(?:post|page)-(\d+)$", text).group(1)  # noqa: E731
    posts, comments = {}, {}
    for entry in root.iter(atom + "entry"):
        kind = entry.findtext(b + "type")
        author = entry.find(atom + "author")
        name, uri = author.findtext(atom + "name"), author.findtext(atom + "uri")
        who = None if author.findtext(b + "type") == "ANONYMOUS" and name == "Anonymous" and not uri else \
            person(name, uri)
        published = entry.findtext(atom + "published")
        assert published.endswith("Z")
        at = r.rfc3339(instant(published))
        if kind in ("POST", "PAGE"):
            if entry.findtext(b + "status") != "LIVE":
                continue
            posts[number(entry.findtext(atom + "id"))] = {
                "remote_id": number(entry.findtext(atom + "id")), "title": entry.findtext(atom + "title") or None,
                "url": entry.findtext(b + "filename"), "kind": kind.lower(), "published": at[:10],
                "published_at": at, "author": who,
                "labels": [c.get("term") for c in entry.iter(atom + "category")],
                "body": html_to_text(entry.findtext(atom + "content") or "")}
        else:
            removed = entry.findtext(b + "status") in ("GHOSTED_COMMENT", "DELETED")
            comments[number(entry.findtext(atom + "id"))] = {
                "remote_id": number(entry.findtext(atom + "id")), "parent_ref": number(entry.findtext(b + "parent")),
                "parent_id": number(entry.findtext(b + "inReplyTo")) if entry.findtext(b + "inReplyTo") else None,
                "at": instant(published), "published_at": at, "author": who, "deleted": removed,
                "text": "" if removed else html_to_text(entry.findtext(atom + "content") or "")}
    for comment in comments.values():  # a reply's parent may name the parent comment, not the post
        ref = comment["parent_ref"]
        comment["post"] = comments[ref]["parent_ref"] if ref in comments else ref
    return [{"post": post, "comments": threads([c for c in comments.values() if c["post"] == n]), "complete": True}
            for n, post in sorted(posts.items())]


def unwayback(url):
    return WAYBACK.sub("", url) if url else url


def read_page_post(doc, language):
    canonical = unwayback(doc.xpath("//link[@rel='canonical']/@href")[0])
    post_id = doc.xpath("//meta[@itemprop='postId']/@content")[0]
    assert doc.xpath(f"//div[@id='post-body-{post_id}']")
    body = doc.xpath(f"//div[@id='post-body-{post_id}']")[0]
    abbr = doc.xpath("//abbr[contains(concat(' ', @class, ' '), ' published ')]/@title")
    header = doc.xpath("//h2[@class='date-header']/span")[0].text
    published_at = r.rfc3339(dt.datetime.fromisoformat(abbr[0])) if abbr else None
    author = doc.xpath("//span[contains(@class, 'post-author')]//a[contains(@class, 'g-profile')]")[0]
    title = doc.xpath("//h3[contains(@class, 'post-title')]")[0].text_content().strip()
    return {
        "remote_id": post_id, "title": title or None, "url": canonical,
        "kind": "page" if "/p/" in canonical else "post",
        "published": abbr[0][:10] if abbr else parse_header(header, language).isoformat(),
        "published_at": published_at,
        "author": person(author.text_content().strip(), unwayback(author.get("href"))),
        "labels": [a.text for a in doc.xpath("//span[@class='post-labels']/a[@rel='tag']")],
        "body": element_text(body)}


def parse_header(text, language):
    names = r.MONTHS[language.split("-")[0]]
    day, month, year = None, None, int(re.search(r"\d{4}", text).group())
    for k, name in enumerate(names, start=1):
        if re.search(rf"\b{name}\b", text):
            month = k
    day = int(re.search(r"(?<!\d)(\d{1,2})(?!\d{2})\b", text).group(1))
    return dt.date(year, month, day)


def classes(element):
    return (element.get("class") or "").split()


def read_threaded(data, language):
    doc = lxml.html.fromstring(data)
    anonymous = r.words(language)["anonymous"]
    holder = doc.get_element_by_id("comment-holder")
    flat = []

    def one(li, parent_id):
        cid = li.get("id")[1:]
        header = li.find("div[@class='comment-block']/div[@class='comment-header']")
        cite = header.find("cite")
        link = cite.find("a")
        who = person(cite.text_content(), unwayback(link.get("href")) if link is not None else None, anonymous)
        when = header.xpath(".//span[contains(@class, 'datetime')]/a")[0]
        ms, linked = show_comment(unwayback(when.get("href")))
        assert linked == cid
        content = li.xpath("div[@class='comment-block']/p[@class='comment-content']")[0]
        removed = bool(content.xpath(".//span[@class='deleted-comment']"))
        at = from_epoch(ms)
        flat.append({"remote_id": cid, "parent_id": parent_id, "at": at, "text": "" if removed else element_text(content),
                     "author": who, "published_at": r.rfc3339(at), "deleted": removed, "display": when.text})
        return li

    for li in holder.xpath("div[contains(@class, 'toplevel-thread')]/ol[@id='top-ra']/li"):
        one(li, None)
        thread = li.xpath(f"div[@class='comment-replies']/div[@id='{li.get('id')}-rt']")[0]
        for reply in thread.xpath(".//li[contains(concat(' ', @class, ' '), ' comment ')]"):
            one(reply, li.get("id")[1:])
    loadmore = holder.xpath(".//div[contains(concat(' ', @class, ' '), ' loadmore ')]")[0]
    return {"post": read_page_post(doc, language), "comments": threads(flat),
            "complete": "hidden" in classes(loadmore)}, flat, doc


def read_classic(data, language):
    doc = lxml.html.fromstring(data)
    say = r.words(language)
    block = doc.get_element_by_id("comments-block")
    flat = []
    for dt_ in block.xpath("dt[contains(concat(' ', @class, ' '), ' comment-author ')]"):
        cid = dt_.get("id")[1:]
        body = dt_.getnext()
        footer = body.getnext()
        assert "comment-body" in classes(body) and "comment-footer" in classes(footer)
        link = dt_.xpath("a[@href]")
        name = dt_.text_content().strip()
        assert name.endswith(say["said"])
        name = name[: -len(say["said"])].strip()
        who = person(name, unwayback(link[0].get("href")) if link else None, say["anonymous"])
        ms, linked = show_comment(unwayback(footer.xpath(".//span[@class='comment-timestamp']/a")[0].get("href")))
        assert linked == cid
        removed = bool(body.xpath(".//span[@class='deleted-comment']"))
        at = from_epoch(ms)
        flat.append({"remote_id": cid, "parent_id": None, "at": at, "text": "" if removed else element_text(body),
                     "author": who, "published_at": r.rfc3339(at), "deleted": removed})
    assert [c["at"] for c in flat] == sorted(c["at"] for c in flat), "classic comments are in time order"
    return {"post": read_page_post(doc, language), "comments": threads(flat), "complete": True}, doc


# -- HTML to text ----------------------------------------------------------------------------


@pytest.mark.parametrize("html, text", [
    ("one<br />two", "one\ntwo"),
    ("one<br /><br />two", "one\n\ntwo"),
    ("<p>one</p><p>two<br>three</p>", "one\n\ntwo\nthree"),
    ("  spaced \n  out\tline  ", "spaced out line"),
    ('see <a href="https://x.org/a?b=1&amp;c=2">the report</a>.', "see the report."),
    ('<a href="https://x.org/">https://x.org/</a>', "https://x.org/"),
    ("a &lt;script&gt; &amp; &quot;q&quot; caf\u00e9 \ufffd", 'a <script> & "q" caf\u00e9 \ufffd'),
    ("x<script>alert(1)</script><img src=x onerror=alert(2)>y", "xy"),
    ("<div>a</div><div>b</div><br><br><br>c", "a\n\nb\n\nc"),
    ("it is <b>not</b> the <i>point</i>", "it is not the point"),
    ("", ""),
])
def test_html_to_text_follows_the_rule(html, text):
    assert html_to_text(html) == text


@pytest.mark.parametrize("seed", SEEDS)
def test_every_comment_and_body_reads_back_as_its_text(seed):
    blog, posts = drawn(seed)
    for post in posts:
        assert html_to_text(r.body_html(post)) == r.plain(post.body)
        for comment, _ in post.iter_comments():
            assert html_to_text(r.comment_html(comment.paragraphs)) == r.plain(comment.paragraphs)


# -- the truth drawn -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_drawn_blogs_are_well_formed_threads(seed):
    blog, posts = drawn(seed)
    assert re.fullmatch(r"\d{18,19}", blog.id)
    ids = [p.id for p in posts] + [c.id for p in posts for c, _ in p.iter_comments()]
    assert len(ids) == len(set(ids))
    for post in posts:
        assert re.fullmatch(r"\d{19}", post.id)
        assert re.fullmatch(r"/\d{4}/\d{2}/[a-z0-9-]+\.html" if post.kind == "post" else r"/p/[a-z0-9-]+\.html",
                            post.path)
        assert not (post.draft and post.comments)
        tops = [c.published for c in post.comments]
        assert tops == sorted(tops) and all(t > post.published for t in tops)
        instants = [r.epoch_ms(c.published) for c, _ in post.iter_comments()]
        assert len(instants) == len(set(instants))
        for comment, parent in post.iter_comments():
            assert comment.published.utcoffset() == blog.tz.utcoffset(None)
            assert comment.published.microsecond % 1000 == 0
            assert not comment.removed or comment.paragraphs == ()
            if parent is not None:
                assert comment.published > parent.published and not comment.replies


def test_drawn_blogs_have_the_variety_readers_meet():
    seen = set()
    for seed in range(60):
        blog, posts = drawn(seed)
        seen |= {blog.language, blog.offset}
        for post in posts:
            seen |= {post.kind, "draft" if post.draft else "live", post.body_style, "untitled" if not post.title else ""}
            for comment, parent in post.iter_comments():
                seen |= {comment.author.kind, "reply" if parent else "top", "removed" if comment.removed else ""}
                seen |= {"page-comment" if post.kind == "page" else ""}
                text = r.plain(comment.paragraphs)
                seen |= {ch for ch in "<>&\"\u00e9\ufffd" if ch in text}
                seen |= {"link" for p in comment.paragraphs for line in p for run in line if isinstance(run, r.Link)}
    wanted = {"en", "en-GB", "de", "+00:00", "-07:00", "post", "page", "draft", "p", "br", "div", "untitled",
              "anonymous", "profile", "name", "reply", "removed", "page-comment", "<", ">", "&", '"', "\u00e9",
              "\ufffd", "link"}
    assert wanted <= seen, wanted - seen


def test_the_same_seed_draws_the_same_blog():
    assert r.render_export(*drawn(7)) == r.render_export(*drawn(7))
    assert r.render_export(*drawn(7)) != r.render_export(*drawn(8))


# -- the export ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_export_reads_back_as_expected(seed):
    blog, posts = drawn(seed)
    data = r.render_export(blog, posts, one_line=seed % 2 == 0)
    got, _ = read_export(data)
    assert got == r.expected_blog(blog, posts, "export")


@pytest.mark.parametrize("seed", SEEDS)
def test_export_says_what_blogger_says(seed):
    blog, posts = drawn(seed)
    data = r.render_export(blog, posts)
    root = etree.fromstring(data)
    atom = "{%s}" % r.ATOM
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert f"<feed xmlns='{r.ATOM}'".encode() in data
    assert root.findtext(atom + "id") == f"tag:blogger.com,1999:blog-{blog.id}.archive"
    kinds = [next(c.get("term") for c in e.iter(atom + "category") if c.get("scheme") == r.KIND_SCHEME)
             for e in root.iter(atom + "entry")]
    kinds = [k.rsplit("#", 1)[1] for k in kinds]
    assert kinds[:7] == ["template"] + ["settings"] * 6
    first_comment = kinds.index("comment") if "comment" in kinds else len(kinds)
    assert set(kinds[7:first_comment]) <= {"post", "page"} and set(kinds[first_comment:]) <= {"comment"}
    _, comments = read_export(data)
    stamps = [c["at"] for c in comments]
    assert stamps == sorted(stamps, reverse=True), "comments newest first"
    by_id = {c["remote_id"]: c for c in comments}
    posts_by_id = {p.id: p for p in posts}
    for comment in comments:
        ms, linked = show_comment(comment["alternate"])
        assert (linked, from_epoch(ms)) == (comment["remote_id"], comment["at"])
        assert comment["alternate"].startswith(r.post_url(blog, posts_by_id[comment["post"]]) + "?")
        assert comment["at"].utcoffset() == blog.tz.utcoffset(None)
        assert comment["display"] == r.display_time(comment["at"], blog.language)
        if comment["parent_id"]:
            parent = by_id[comment["parent_id"]]
            assert parent["parent_id"] is None and parent["post"] == comment["post"]
    for entry in root.iter(atom + "entry"):
        assert entry.find(f"{atom}author/{atom}email").text == r.NOREPLY
        published = entry.findtext(atom + "published")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", published)
        if entry.find(f"{atom}author/{atom}name").text == "Anonymous":
            assert entry.find(f"{atom}author/{atom}uri") is None


def test_export_comments_are_not_grouped_by_post():
    for seed in range(60):
        blog, posts = drawn(seed)
        _, comments = read_export(r.render_export(blog, posts))
        runs = [k for k, c in enumerate(comments) if k == 0 or c["post"] != comments[k - 1]["post"]]
        if len(runs) > len({c["post"] for c in comments}):
            return
    pytest.fail("no drawn export interleaves the comments of its posts")


def export_with(what):
    """A drawn blog that has ``what`` (a predicate on (post, comment, parent)), and its export."""
    for seed in range(200):
        blog, posts = drawn(seed)
        for post in posts:
            for comment, parent in list(post.iter_comments()) or [(None, None)]:
                if what(post, comment, parent):
                    return blog, posts, post, comment, parent
    raise AssertionError("no drawn blog has it")


def test_drafts_carry_the_draft_marker_and_are_not_expected():
    blog, posts, draft, _, _ = export_with(lambda p, c, parent: p.draft)
    root = etree.fromstring(r.render_export(blog, posts))
    entry = next(e for e in root.iter("{%s}entry" % r.ATOM) if e.findtext("{%s}id" % r.ATOM).endswith(draft.id))
    marker = entry.find("{%s}control/{%s}draft" % (r.APP, r.APP))
    assert marker is not None and marker.text == "yes"
    assert not [l for l in entry.iter("{%s}link" % r.ATOM) if l.get("rel") == "alternate"]
    assert r.expected(blog, draft, "export") is None
    assert draft.id not in {v["post"]["remote_id"] for v in r.expected_blog(blog, posts, "export")}
    with pytest.raises(ValueError):
        r.render_threaded_page(blog, draft)


def test_undeclared_app_prefix_fails_a_strict_parse_and_keeps_the_draft():
    blog, posts, draft, _, _ = export_with(lambda p, c, parent: p.draft)
    data = r.render_export(blog, posts, declare_app_ns=False)
    assert b"<app:draft>yes</app:draft>" in data and b"xmlns:app" not in data
    with pytest.raises(etree.XMLSyntaxError, match="[Nn]amespace"):
        etree.fromstring(data)
    etree.fromstring(r.render_export(blog, posts, declare_app_ns=True))
    got, _ = read_export(data, recover=True)
    assert got == r.expected_blog(blog, posts, "export")


def test_comment_on_a_page_names_it_as_a_post():
    blog, posts, page, comment, _ = export_with(lambda p, c, parent: p.kind == "page" and c is not None)
    root = etree.fromstring(r.render_export(blog, posts))
    atom = "{%s}" % r.ATOM
    page_entry = next(e for e in root.iter(atom + "entry") if e.findtext(atom + "id").endswith("-" + page.id))
    assert page_entry.findtext(atom + "id") == f"tag:blogger.com,1999:blog-{blog.id}.page-{page.id}"
    entry = next(e for e in root.iter(atom + "entry") if e.findtext(atom + "id").endswith("-" + comment.id))
    assert entry.find("{%s}in-reply-to" % r.THR).get("ref") == f"tag:blogger.com,1999:blog-{blog.id}.post-{page.id}"


def test_reply_names_its_parent_in_a_related_link():
    blog, posts, post, reply, parent = export_with(lambda p, c, parent: parent is not None)
    root = etree.fromstring(r.render_export(blog, posts))
    atom = "{%s}" % r.ATOM
    entry = next(e for e in root.iter(atom + "entry") if e.findtext(atom + "id").endswith("-" + reply.id))
    related = [l.get("href") for l in entry.iter(atom + "link") if l.get("rel") == "related"]
    assert related == [f"https://www.blogger.com/feeds/{blog.id}/{post.id}/comments/default/{parent.id}"]


def test_removed_comment_is_marked_and_keeps_its_replies():
    blog, posts, post, comment, _ = export_with(lambda p, c, parent: c is not None and c.removed)
    root = etree.fromstring(r.render_export(blog, posts))
    atom = "{%s}" % r.ATOM
    entry = next(e for e in root.iter(atom + "entry") if e.findtext(atom + "id").endswith("-" + comment.id))
    props = {p.get("name"): p.get("value") for p in entry.iter("{%s}extendedProperty" % r.GD)}
    assert props["blogger.contentRemoved"] == "true"
    assert entry.findtext(atom + "content") == r.removed_notice(comment, blog.language)
    view = next(c for c in r.expected(blog, post, "export")["comments"] if c["remote_id"] == comment.id)
    assert view["deleted"] is True and view["text"] == ""


def test_one_line_export_has_no_line_break_outside_the_template():
    blog, posts = drawn(3)
    assert b"\n" not in r.render_export(blog, posts, extra=False)
    assert r.render_export(blog, posts, one_line=False, extra=False).count(b"\n") > 10
    kinds = etree.fromstring(r.render_export(blog, posts, extra=False)).iter("{%s}category" % r.ATOM)
    assert not [c for c in kinds if c.get("term", "").endswith(("#settings", "#template"))]


def test_markup_in_text_is_escaped_once_in_html_and_once_in_xml():
    blog, posts = drawn(0)
    post = next(p for p in posts if not p.draft)
    post.comments = [r.BlogComment("123456789012345678", r.ANONYMOUS, post.published + dt.timedelta(hours=1),
                                   ((("<script>alert(1)</script> & \"x\" caf\u00e9 \ufffd",),),))]
    data = r.render_export(blog, [post])
    assert b"&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; &amp;amp;" in data
    got, _ = read_export(data)
    assert got[0]["comments"][0]["text"] == "<script>alert(1)</script> & \"x\" caf\u00e9 \ufffd"
    page = lxml.html.fromstring(r.render_threaded_page(blog, post))
    assert not page.get_element_by_id("comment-holder").xpath(".//script")
    assert "<script>alert(1)</script>" in page.get_element_by_id("comment-holder").text_content()


# -- Takeout ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("reply_parent", ["post", "comment"])
def test_takeout_reads_back_as_expected(seed, reply_parent):
    blog, posts = drawn(seed)
    got = read_takeout(r.render_takeout(blog, posts, reply_parent=reply_parent))
    assert got == r.expected_blog(blog, posts, "takeout")


@pytest.mark.parametrize("seed", SEEDS)
def test_takeout_says_what_takeout_says(seed):
    blog, posts = drawn(seed)
    data = r.render_takeout(blog, posts)
    root = etree.fromstring(data)
    b = "{%s}" % r.TAKEOUT
    assert root.nsmap.get("blogger") == r.TAKEOUT
    assert r.THR.encode() not in data and r.KIND_SCHEME.encode() not in data
    for entry in root.iter("{%s}entry" % r.ATOM):
        assert entry.findtext(b + "type") in ("POST", "PAGE", "COMMENT")
        assert entry.findtext(b + "status") in ("LIVE", "DRAFT", "GHOSTED_COMMENT")
        assert entry.findtext(b + "trashed") in ("", None)
        assert entry.find(b + "trashed") is not None
        assert entry.findtext("{%s}published" % r.ATOM).endswith("Z")
        assert entry.findtext(b + "created").endswith("Z")
        assert entry.find("{%s}author/%stype" % (r.ATOM, b)).text in ("BLOGGER", "ANONYMOUS")
        if entry.findtext(b + "type") != "COMMENT":
            draft = entry.findtext(b + "status") == "DRAFT"
            filename = entry.findtext(b + "filename") or ""
            assert draft or re.fullmatch(r"/(\d{4}/\d\d|p)/[a-z0-9-]+\.html", filename)


# -- saved pages -----------------------------------------------------------------------------


def live_posts(seeds=SEEDS):
    for seed in seeds:
        blog, posts = drawn(seed)
        for post in posts:
            if not post.draft:
                yield seed, blog, post


@pytest.mark.parametrize("seed", SEEDS)
def test_threaded_page_reads_back_as_expected(seed):
    blog, posts = drawn(seed)
    for post in (p for p in posts if not p.draft):
        abbr = seed % 3 != 0
        got, flat, _ = read_threaded(r.render_threaded_page(blog, post, abbr=abbr, wayback=seed % 4 == 1),
                                     blog.language)
        assert got == r.expected(blog, post, "threaded", abbr=abbr)
        for comment in flat:
            shown = comment["at"].astimezone(blog.tz)
            assert comment["display"] == r.display_time(shown, blog.language)


@pytest.mark.parametrize("language", r.LANGUAGES)
def test_threaded_page_in_each_language(language):
    _, blog, post = next((s, b, p) for s, b, p in live_posts(range(200))
                         if any(parent for _, parent in p.iter_comments()))
    data = r.render_threaded_page(blog, post, language=language)
    got, _, doc = read_threaded(data, language)
    assert got == r.expected(blog, post, "threaded")
    say = r.words(language)
    holder = doc.get_element_by_id("comment-holder")
    assert {a.text for a in holder.xpath(".//a[@class='comment-reply'][@data-comment-id]")} == {say["reply"]}
    assert {a.text for a in holder.xpath(".//span[contains(@class, 'item-control')]/a")} == {say["delete"]}
    header = doc.xpath("//h2[@class='date-header']/span")[0].text
    assert header == r.date_header(post.published.date(), language)
    assert doc.get("lang") == language


def test_threaded_markup_is_blogger_s():
    _, blog, post = next((s, b, p) for s, b, p in live_posts(range(200))
                         if any(parent for _, parent in p.iter_comments()) and len(p.comments) > 1)
    doc = lxml.html.fromstring(r.render_threaded_page(blog, post))
    tops = doc.xpath("//div[@id='comment-holder']/div[@class='comment-thread toplevel-thread']/ol[@id='top-ra']/li")
    assert [li.get("id") for li in tops] == [f"c{c.id}" for c in post.comments]
    for li, comment in zip(tops, post.comments):
        thread = li.xpath(f"div[@class='comment-replies']/div[@id='c{comment.id}-rt']")
        assert len(thread) == 1
        assert ("hidden" in classes(thread[0])) == (not comment.replies)
        replies = thread[0].xpath(f"ol[@id='c{comment.id}-ra']/div/li[@class='comment']")
        assert [x.get("id") for x in replies] == [f"c{x.id}" for x in comment.replies]
        for reply in replies:  # every comment has its own inline thread; a reply's is empty and hidden
            own = reply.xpath(f"div[@class='comment-replies']/div[@id='{reply.get('id')}-rt']")[0]
            assert "hidden" in classes(own) and not own.xpath(".//li")
            assert not reply.xpath(".//a[@class='comment-reply'][not(ancestor::div[@class='continue'])]")


def test_loadmore_page_holds_only_the_first_batch():
    _, blog, post = next((s, b, p) for s, b, p in live_posts(range(200)) if sum(1 for _ in p.iter_comments()) >= 6)
    total = sum(1 for _ in post.iter_comments())
    got, flat, doc = read_threaded(r.render_threaded_page(blog, post, loadmore=True), blog.language)
    want = r.expected(blog, post, "threaded", loadmore=True)
    assert got == want and want["complete"] is False
    assert len(flat) == r.default_batch(post) < total
    got, _, _ = read_threaded(r.render_threaded_page(blog, post, loadmore=True, batch=3), blog.language)
    assert got == r.expected(blog, post, "threaded", loadmore=True, batch=3) and len(got["comments"]) == 3
    full, _, _ = read_threaded(r.render_threaded_page(blog, post), blog.language)
    assert full["complete"] is True and len(full["comments"]) == total


def test_wayback_copy_links_through_the_archive():
    _, blog, post = next((s, b, p) for s, b, p in live_posts() if p.comments)
    data = r.render_threaded_page(blog, post, wayback=True)
    doc = lxml.html.fromstring(data)
    assert b"BEGIN WAYBACK TOOLBAR INSERT" in data and doc.get_element_by_id("wm-ipp-base") is not None
    stamp = r.wayback_stamp(post)
    toolbar = doc.xpath("//script[contains(@src, 'archive.org')]/@src")
    links = [l for l in doc.xpath("//@href | //@src") if l not in toolbar]
    absolute = [l for l in links if l.startswith(("http:", "https:", "//"))]
    assert not absolute, absolute[:3]
    assert doc.xpath("//link[@rel='canonical']/@href") == [f"/web/{stamp}/{r.post_url(blog, post)}"]
    times = doc.xpath("//span[contains(@class, 'datetime')]/a/@href")
    assert times and all(t.startswith(f"/web/{stamp}/") for t in times)
    got, _, _ = read_threaded(data, blog.language)
    assert got == r.expected(blog, post, "threaded")
    classic = r.render_classic_page(blog, post, wayback=True)
    assert read_classic(classic, blog.language)[0] == r.expected_classic(blog, post)


@pytest.mark.parametrize("seed", SEEDS)
def test_classic_page_reads_back_flat(seed):
    blog, posts = drawn(seed)
    for post in (p for p in posts if not p.draft):
        got, doc = read_classic(r.render_classic_page(blog, post), blog.language)
        assert got == r.expected_classic(blog, post)
        assert all(c["parent"] is None for c in got["comments"])
        assert not doc.xpath("//div[@id='comment-holder']")


def test_classic_page_shows_a_removed_comment():
    _, blog, post = next((s, b, p) for s, b, p in live_posts(range(200))
                         if any(c.removed for c, _ in p.iter_comments()))
    doc = lxml.html.fromstring(r.render_classic_page(blog, post))
    removed = [c for c, _ in post.iter_comments() if c.removed]
    spans = doc.xpath("//dl[@id='comments-block']/dd[@class='comment-body']//span[@class='deleted-comment']")
    assert [s.text for s in spans] == [r.removed_notice(c, blog.language)
                                       for c in sorted(removed, key=lambda c: c.published)]


# -- dumps and Blogger's files agree ---------------------------------------------------------


def test_a_synthetic_dump_post_renders_with_the_same_comments():
    post = SynthPost(dt.date(2014, 3, 6), "Latest news", ["First paragraph.", "Second & last."], [
        SynthComment(["One.", "Two paragraphs."], [["A reply."], ["Another", "reply."]]),
        SynthComment(["Alone <here>."]),
    ])
    blog, blog_post = r.from_synth(post, random.Random(1))
    want = expected_comments(post)
    for fmt, data in [("export", r.render_export(blog, [blog_post])), ("takeout", r.render_takeout(blog, [blog_post]))]:
        view = (read_export(data)[0] if fmt == "export" else read_takeout(data))[0]
        assert view == r.expected(blog, blog_post, fmt)
        assert [(c["path"], c["parent"], " ".join(c["text"].split())) for c in view["comments"]] == want
    view = read_threaded(r.render_threaded_page(blog, blog_post), blog.language)[0]
    assert [(c["path"], c["parent"], " ".join(c["text"].split())) for c in view["comments"]] == want
    assert blog_post.published.date() == dt.date(2014, 3, 6) and blog_post.title == "Latest news"


# -- the hand-made files ---------------------------------------------------------------------

MANIFEST = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))


def test_every_hand_made_file_is_described():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in DATA.iterdir() if p.name not in ("README.md", "manifest.json", "make_files.py")
                   and not p.name.endswith(".expected.json"))
    assert files == sorted(MANIFEST)
    for name in files:
        assert f"`{name}`" in readme, name


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_hand_made_file_reads_as_described(name):
    about = MANIFEST[name]
    data = (DATA / name).read_bytes()
    kind = about["format"]
    expected_path = DATA / (name.rsplit(".", 1)[0] + ".expected.json")
    want = json.loads(expected_path.read_text(encoding="utf-8")) if expected_path.exists() else None
    if kind == "export":
        strict = about.get("strict", True)
        if not strict:
            with pytest.raises(etree.XMLSyntaxError):
                etree.fromstring(data)
        assert read_export(data, recover=not strict)[0] == want
    elif kind == "takeout":
        assert read_takeout(data) == want
    elif kind == "threaded":
        assert [read_threaded(data, about["language"])[0]] == want
    elif kind == "classic":
        assert [read_classic(data, about["language"])[0]] == want
    elif kind == "not-blogger":
        doc = lxml.html.fromstring(data)
        assert not doc.xpath("//div[@id='comment-holder'] | //dl[@id='comments-block'] | //meta[@itemprop='postId']")
    elif kind == "hostile-xml":
        hostile_xml(name, data, about)
    else:
        raise AssertionError(f"unknown format {kind}")


def hostile_xml(name, data, about):
    threat = about["threat"]
    parser = etree.XMLParser(**SAFE)
    if threat == "truncated":
        with pytest.raises(etree.XMLSyntaxError) as caught:
            etree.fromstring(data, parser)
        assert caught.value.lineno == about["error_line"]
        root = etree.fromstring(data, etree.XMLParser(recover=True, **SAFE))
        complete = [e for e in root.iter("{%s}entry" % r.ATOM) if e.find("{%s}author" % r.ATOM) is not None]
        assert len(complete) == about["entries_before_cut"]
    elif threat == "xxe":
        root = etree.fromstring(data, parser)
        assert "root:" not in "".join(root.itertext())
        assert sorted(e.name for e in root.iter(etree.Entity)) == ["nearby", "secret", "secret"]
    elif threat == "bomb":
        try:  # libxml2 may refuse the declarations outright; if not, nothing may be expanded
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as error:
            assert "amplification" in str(error) or "loop" in str(error)
        else:
            assert len("".join(root.itertext())) < 10_000
    else:
        raise AssertionError(f"unknown threat {threat}")
