-- The database that `pipeline load` builds: the single source of truth for its
-- tables, keys, indexes and views. Applied as is, on every load; every statement is
-- idempotent. Raise user_version whenever a table changes shape or its ids change
-- meaning: a database built with another version is refused, with the advice to
-- rebuild it, or upgraded in place where a column was only added (6 to 7:
-- archives.blog_zone; see store/schema.py).
PRAGMA user_version = 8;

-- What ids rest on. A file is known by its archive and its path within the
-- archive's folder: never by the path as typed, nor by where the command ran. Its
-- id is derived from the archive's name and that path (pipeline/store/rows.py). A
-- post from a text dump takes its file's id; a post from Blogger's own files (an
-- export, a Takeout feed, a saved page) takes the id Blogger's id for it gives,
-- whichever file holds it. A post's comments and date mentions are numbered from
-- the post's id (a comment's from Blogger's id for it, else from its place in the
-- thread, "3.2"), a file's issues from the file's. So every id stays the same
-- whenever the same files are loaded again, whatever else is added, and wherever
-- the archive's folder has moved; a newer export of a blog updates its posts in
-- place. A file whose content changes keeps its id; a dump's comments keep theirs
-- while their place in the thread is the same. A file moved or renamed within its
-- archive is recognised by its bytes and keeps its ids under its new path. Should
-- two ids collide (about one chance in eight billion for a pair), the one loaded
-- second takes the next free one, and keeps it.

-- One row per archive: a folder of raw files loaded as one (a blog, or one scrape
-- of it). Several archives can live in one database.
CREATE TABLE IF NOT EXISTS archives (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,      -- `pipeline load --archive NAME`; by default the folder's name
    root TEXT NOT NULL,             -- the folder, absolute, symlinks resolved; followed when it moves
    first_loaded TEXT NOT NULL,     -- ISO 8601, UTC
    last_loaded TEXT NOT NULL,
    blog_author TEXT,               -- `pipeline load --blog-author NAME`: whom readers of its dumps address as the
                                    -- blog's author (Blogger's files name the post's author themselves)
    blog_zone TEXT,                 -- `pipeline load --blog-zone ZONE` (Europe/London): the blog's time zone, for
                                    -- files that give times in UTC only (Takeout): the clock its comments showed
    reader INTEGER                  -- the version of the reading rules its files were read with; a load by
                                    -- other rules reads them all again
);

-- One row per raw file.
CREATE TABLE IF NOT EXISTS sources (
    id INTEGER PRIMARY KEY,
    archive_id INTEGER NOT NULL REFERENCES archives(id) ON DELETE CASCADE,
    path TEXT NOT NULL,             -- within the archive's folder, "/" between parts
    format TEXT NOT NULL,           -- how it was read: dump, blogger-export, takeout, page; other (not read,
                                    -- or left out as no post: a template, a CSV table)
    sha256 TEXT NOT NULL,           -- of the raw bytes: an unchanged file is not read again
    bytes INTEGER NOT NULL,
    mtime_ns INTEGER,               -- modification time when read: an unchanged one is not read again
    held_by INTEGER REFERENCES sources(id) ON DELETE SET NULL,  -- the file that holds its posts instead
    encoding TEXT NOT NULL,         -- utf-8, utf-8-sig, utf-16, cp1252, latin-1, binary
    layout TEXT NOT NULL,           -- dumps: numbered, blogger-actions, plain; pages: threaded, classic,
                                    -- no-comments; feeds: feed; copy, superseded (held_by); none when not read
    placement TEXT,                 -- blogger-actions only: first-line or trailing
    layout_note TEXT,               -- why the file was read the way it was; a feed's that holds comments
                                    -- without their posts (Takeout's Blogger/Comments/NAME/) says so
    lines INTEGER NOT NULL,
    blog_id TEXT,                   -- Blogger's id of the blog, where the file gives it
    feed_updated TEXT,              -- an export's own time: of two exports of a blog, the newer holds its posts;
                                    -- a feed's that gives none (Takeout's): its latest entry's, in UTC
    loaded_at TEXT NOT NULL,
    UNIQUE (archive_id, path)
);

-- Everyone a post or comment is by, as far as anything says: one row per profile
-- (Blogger's, Google+), per name typed in (with its website), per signature.
-- Anonymous is no one: an anonymous comment has no author.
CREATE TABLE IF NOT EXISTS authors (
    id INTEGER PRIMARY KEY,         -- derived from key
    name TEXT,                      -- as written
    profile_url TEXT,               -- the profile (Blogger, Google+), or the website given with a name
    kind TEXT NOT NULL,             -- profile, name (typed in), signature (how a comment is signed)
    key TEXT NOT NULL UNIQUE        -- what makes mentions one author: the profile, or the kind and name
);

-- One row per post (or Blogger page). A dump or a saved page holds one; an export
-- or a Takeout feed a whole blog.
CREATE TABLE IF NOT EXISTS posts (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    remote_id TEXT,                 -- Blogger's id of the post (one post each); NULL for a dump's
    url TEXT,                       -- the post's address on the blog, where the file gives it
    kind TEXT NOT NULL,             -- post, or page (Blogger's static pages)
    title TEXT,                     -- NULL when the file has none
    date_line TEXT,                 -- a dump header's date line as written
    published TEXT,                 -- YYYY-MM-DD, YYYY-MM or YYYY: the date the blog showed; NULL when undated
    published_precision TEXT,       -- day, month, year: no finer than the evidence
    published_source TEXT,          -- header (a dump's date line), inferred (from the text), blogger (the file's time)
    published_evidence TEXT,        -- why the post has that date
    published_at TEXT,              -- the exact time, ISO 8601 with its offset, where the file gives it
    published_year INTEGER,         -- for faceting: from published, whatever its precision
    published_month TEXT,           -- YYYY-MM, for faceting; NULL when only the year is known
    author_id INTEGER REFERENCES authors(id),
    body TEXT NOT NULL,             -- the post's text, paragraphs kept
    first_line INTEGER NOT NULL,    -- the body's line span in the source
    last_line INTEGER NOT NULL,
    comment_count INTEGER NOT NULL DEFAULT 0
);

-- A post's labels (Blogger's tags).
CREATE TABLE IF NOT EXISTS post_labels (
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    PRIMARY KEY (post_id, label)
);

-- Top-level comments and their replies, threaded one level deep.
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES comments(id) ON DELETE CASCADE,  -- NULL for top-level
    path TEXT NOT NULL,             -- "3" top-level, "3.2" its second reply
    depth INTEGER NOT NULL,         -- 1 top-level, 2 reply
    position INTEGER NOT NULL,      -- place among its siblings, from 1
    seq INTEGER NOT NULL,           -- place in the page's reading order, from 1
    remote_id TEXT,                 -- Blogger's id of the comment; NULL for a dump's
    author_id INTEGER REFERENCES authors(id),  -- NULL: anonymous, or not known
    published_at TEXT,              -- the exact time, ISO 8601 with its offset, where the file gives it
    deleted INTEGER NOT NULL DEFAULT 0,  -- 1: removed on the blog; kept, without text, as replies may answer it
    shown_time TEXT,                -- HH:MM, the time the blog showed beside it, in its own zone
    signature TEXT,                 -- the writer's sign-off, as written ('Getafix, Anon 20:43)
    signed_time TEXT,               -- HH:MM written in the signature: the writer's time, not always this comment's
    body TEXT NOT NULL,             -- without list numbers or markers, paragraphs kept
    first_line INTEGER NOT NULL,    -- line span in the source
    last_line INTEGER NOT NULL
);

-- Where a comment addresses another comment, or the post, in its text: by the time
-- a comment was shown (@Anon 9:19), by name (Getafix - ...), by position (the PSO above).
CREATE TABLE IF NOT EXISTS comment_refs (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    comment_id INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,  -- the comment that addresses
    start INTEGER NOT NULL,         -- offsets of text in that comment's body
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,             -- exactly as written
    kind TEXT NOT NULL,             -- time, name, position
    target TEXT NOT NULL,           -- the time or name as written, or the position's word
    target_comment_id INTEGER REFERENCES comments(id) ON DELETE SET NULL,  -- the comment addressed; NULL: not told
    target_post INTEGER NOT NULL DEFAULT 0,  -- 1: addresses the post or its author
    method TEXT,                    -- how it was resolved (shown-time, signed-time, signature, author, blog-author,
                                    -- post-writer, first, parent, previous, ...); NULL: unresolved
    confidence REAL NOT NULL,       -- how often the method names the comment a careful reader would (0..1)
    candidates INTEGER NOT NULL     -- comments that fitted: 2 or more left it unresolved
);

-- What the parser had to say about a file, one row per remark.
CREATE TABLE IF NOT EXISTS parse_issues (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,         -- error: not read as a post; warning: read, with doubts
    message TEXT NOT NULL
);

-- Every date written in a post body or a comment.
CREATE TABLE IF NOT EXISTS date_mentions (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    comment_id INTEGER REFERENCES comments(id) ON DELETE CASCADE,  -- NULL: in the post body
    text TEXT NOT NULL,             -- exactly as written
    start INTEGER NOT NULL,         -- offsets of text in the body (of the comment, or the post)
    "end" INTEGER NOT NULL,
    value TEXT,                     -- YYYY-MM-DD, YYYY-MM or YYYY; NULL when it cannot be resolved
    precision TEXT,                 -- day, month, year
    resolution TEXT NOT NULL        -- explicit (the text gives it all), anchored (from the post's date), unresolved
);

-- Every calendar day the database refers to, for faceting by year and month.
CREATE TABLE IF NOT EXISTS dates (
    date TEXT PRIMARY KEY,          -- YYYY-MM-DD
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    day INTEGER NOT NULL,
    weekday TEXT NOT NULL           -- Monday ... Sunday
);

-- Full-text search (posts_fts over title and body, comments_fts over body) is made
-- by sqlite-utils after the first load and kept in step by its triggers.

-- Bookkeeping of the loader: "finished" is 0 from the first row a load writes until
-- the derived tables (dates, search) are in step again, so an interrupted load is
-- finished by the next one even when no file has changed since. "analysed_files" is
-- the number of files when the query planner's statistics (ANALYZE) were last taken;
-- they are taken again once that number has changed by more than a tenth.
CREATE TABLE IF NOT EXISTS pipeline_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT OR IGNORE INTO pipeline_state (key, value) VALUES ('finished', '1');

CREATE INDEX IF NOT EXISTS sources_sha256 ON sources(sha256);
CREATE INDEX IF NOT EXISTS sources_held_by ON sources(held_by);
CREATE INDEX IF NOT EXISTS sources_blog_id ON sources(blog_id);
CREATE UNIQUE INDEX IF NOT EXISTS posts_remote_id ON posts(remote_id) WHERE remote_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS comments_remote_id ON comments(remote_id) WHERE remote_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS posts_source_id ON posts(source_id);
CREATE INDEX IF NOT EXISTS posts_author_id ON posts(author_id);
CREATE INDEX IF NOT EXISTS comments_author_id ON comments(author_id);
-- One comment per place in a thread. An index, not a constraint of the table, so that
-- a first load builds it once at the end, as it builds the others.
CREATE UNIQUE INDEX IF NOT EXISTS comments_post_path ON comments(post_id, path);
CREATE INDEX IF NOT EXISTS comments_parent_id ON comments(parent_id);
CREATE INDEX IF NOT EXISTS parse_issues_source_id ON parse_issues(source_id);
CREATE INDEX IF NOT EXISTS posts_published ON posts(published);
CREATE INDEX IF NOT EXISTS date_mentions_post_id ON date_mentions(post_id);
CREATE INDEX IF NOT EXISTS date_mentions_comment_id ON date_mentions(comment_id);
CREATE INDEX IF NOT EXISTS date_mentions_value ON date_mentions(value);
CREATE INDEX IF NOT EXISTS comment_refs_post_id ON comment_refs(post_id);
CREATE INDEX IF NOT EXISTS comment_refs_comment_id ON comment_refs(comment_id);
CREATE INDEX IF NOT EXISTS comment_refs_target_comment_id ON comment_refs(target_comment_id);
-- The reading pages (pipeline/serve/queries.py). An author's page: their counts,
-- first and last comment, comments per year, the page's order and whom they answered
-- by reply, all from this index, without reading the comments' text.
CREATE INDEX IF NOT EXISTS comments_author_post ON comments(author_id, post_id, published_at, seq, parent_id);
-- Who answered whom (the interactions view, an author's page): the author of the
-- comment a reply or a reference answers, the authors of a comment's replies, a
-- comment's references, each without reading a comment's or a reference's row.
CREATE INDEX IF NOT EXISTS comments_id_author ON comments(id, author_id);
CREATE INDEX IF NOT EXISTS comments_parent_author ON comments(parent_id, author_id);
CREATE INDEX IF NOT EXISTS comment_refs_from ON comment_refs(comment_id, target_comment_id, target_post, post_id, kind);
-- Comments per month: those with a time counted by ranges of it, those without
-- (the NULLs, in post order) by their post's month.
CREATE INDEX IF NOT EXISTS comments_time_post ON comments(published_at, post_id);
-- Posts per month with their comments, and per year, from the indexes alone.
CREATE INDEX IF NOT EXISTS posts_month ON posts(published_month, comment_count);
CREATE INDEX IF NOT EXISTS posts_year ON posts(published_year);

-- Each reply beside the comment it answers and its post.
CREATE VIEW IF NOT EXISTS replies AS
SELECT
    reply.id AS reply_id,
    reply.path AS reply_path,
    reply.body AS reply_body,
    parent.id AS parent_id,
    parent.path AS parent_path,
    parent.body AS parent_body,
    posts.id AS post_id,
    posts.title AS post_title,
    posts.published AS post_published
FROM comments AS reply
JOIN comments AS parent ON parent.id = reply.parent_id
JOIN posts ON posts.id = reply.post_id;

-- Who answers whom: Blogger's replies (via 'reply') and the references resolved to a
-- comment or the post (via 'time', 'name', 'position'), each with the authors
-- beside it (NULL: anonymous, or not known).
CREATE VIEW IF NOT EXISTS interactions AS
SELECT
    reply.id AS from_comment_id,
    reply.parent_id AS to_comment_id,
    NULL AS to_post_id,
    'reply' AS via,
    reply.post_id AS post_id,
    reply.author_id AS from_author_id,
    parent.author_id AS to_author_id
FROM comments AS reply
JOIN comments AS parent ON parent.id = reply.parent_id
UNION ALL
SELECT
    refs.comment_id,
    refs.target_comment_id,
    CASE WHEN refs.target_post THEN refs.post_id END,
    refs.kind,
    refs.post_id,
    source.author_id,
    CASE WHEN refs.target_post THEN posts.author_id ELSE target.author_id END
FROM comment_refs AS refs
JOIN comments AS source ON source.id = refs.comment_id
JOIN posts ON posts.id = refs.post_id
LEFT JOIN comments AS target ON target.id = refs.target_comment_id
WHERE refs.target_comment_id IS NOT NULL OR refs.target_post = 1;
