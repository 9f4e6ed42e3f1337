"""Every query the reading pages run, in one place, with the indexes each relies on.

Named parameters only: nothing from a request is ever formatted into SQL. A page's
figures can be checked with the same statements in Datasette (``/blog?sql=...``);
the activity page links them.
"""

# -- a thread ----------------------------------------------------------------------------

# posts: primary key; sources, archives, authors: primary keys.
POST = """
SELECT p.id, p.title, p.kind, p.url, p.published, p.published_source, p.published_at, p.comment_count,
       p.first_line, p.last_line, p.source_id, p.author_id, p.body,
       a.name AS author_name, a.kind AS author_kind,
       s.path AS source_path, s.layout, ar.name AS archive_name
FROM posts p
JOIN sources s ON s.id = p.source_id
JOIN archives ar ON ar.id = s.archive_id
LEFT JOIN authors a ON a.id = p.author_id
WHERE p.id = :post_id
"""

# post_labels: primary key (post_id, label).
POST_LABELS = "SELECT label FROM post_labels WHERE post_id = :post_id ORDER BY label"

# comments_post_path, then sorted: a thread is small.
THREAD_COMMENTS = """
SELECT c.id, c.parent_id, c.path, c.depth, c.seq, c.author_id, c.published_at, c.shown_time, c.signature,
       c.deleted, c.body, c.first_line, c.last_line,
       a.name AS author_name, a.kind AS author_kind
FROM comments c
LEFT JOIN authors a ON a.id = c.author_id
WHERE c.post_id = :post_id
ORDER BY c.seq
"""

# comment_refs_post_id.
THREAD_REFS = """
SELECT comment_id, start, "end", target_comment_id, target_post, candidates
FROM comment_refs
WHERE post_id = :post_id
"""

# -- an author ---------------------------------------------------------------------------
#
# comments_author_post (author_id, post_id, published_at, seq, parent_id) holds all an
# author page asks of an author's comments but their text: only the comments of the
# page shown are read whole.

AUTHOR = "SELECT id, name, kind, profile_url FROM authors WHERE id = :author_id"

# posts_author_id.
AUTHOR_POSTS = """
SELECT id, title, published FROM posts WHERE author_id = :author_id
ORDER BY published IS NULL, published, id LIMIT :limit
"""
AUTHOR_POST_COUNT = "SELECT count(*) AS posts FROM posts WHERE author_id = :author_id"

# Every comment of an author, oldest first (undated ones last), with when it was
# written: its own time where the file gives one, else its post's date (looked up
# only then). The page takes the first and the last, counts them by year and picks
# the page shown.
AUTHOR_TIMELINE = """
SELECT c.id, c.post_id,
       coalesce(c.published_at, (SELECT p.published FROM posts p WHERE p.id = c.post_id)) AS at
FROM comments c
WHERE c.author_id = :author_id
ORDER BY at IS NULL, at, c.post_id, c.seq
"""

# The comments a page shows, by id (:ids, a JSON list), with their posts.
COMMENTS_BY_ID = """
SELECT c.id, c.post_id, c.path, c.depth, c.published_at, c.shown_time, c.signature, c.deleted, c.body,
       p.title, p.published
FROM comments c JOIN posts p ON p.id = c.post_id
WHERE c.id IN (SELECT value FROM json_each(:ids))
"""

# Whom an author answered, by Blogger's replies and by references (the interactions
# view): comments_author_post for the replies, comment_refs_comment_id for the references.
AUTHOR_ANSWERED = """
SELECT i.to_author_id AS id, a.name, a.kind, count(*) AS times, sum(i.via = 'reply') AS by_reply
FROM interactions i JOIN authors a ON a.id = i.to_author_id
WHERE i.from_author_id = :author_id AND i.to_author_id != :author_id
GROUP BY i.to_author_id
ORDER BY times DESC, a.name
LIMIT 10
"""

# Who answered an author: their comments, then comments_parent_id (replies) and
# comment_refs_target_comment_id (references); references to the posts they wrote
# through posts_author_id and comment_refs_post_id.
AUTHOR_ANSWERED_BY = """
WITH answers AS (
  SELECT reply.author_id AS from_author_id
  FROM comments target JOIN comments reply ON reply.parent_id = target.id
  WHERE target.author_id = :author_id
  UNION ALL
  SELECT source.author_id
  FROM comments target
  JOIN comment_refs r ON r.target_comment_id = target.id
  JOIN comments source ON source.id = r.comment_id
  WHERE target.author_id = :author_id
  UNION ALL
  SELECT source.author_id
  FROM posts p
  JOIN comment_refs r ON r.post_id = p.id AND r.target_post = 1
  JOIN comments source ON source.id = r.comment_id
  WHERE p.author_id = :author_id
)
SELECT a.id, a.name, a.kind, count(*) AS times
FROM answers JOIN authors a ON a.id = answers.from_author_id
WHERE answers.from_author_id != :author_id
GROUP BY a.id
ORDER BY times DESC, a.name
LIMIT 10
"""

# -- authors -----------------------------------------------------------------------------

# comments_author_id: every author's count from the index alone.
AUTHORS = """
SELECT a.id, a.name, a.kind, n.comments
FROM (SELECT author_id, count(*) AS comments FROM comments WHERE author_id IS NOT NULL GROUP BY author_id) AS n
JOIN authors a ON a.id = n.author_id
WHERE :kind = '' OR a.kind = :kind
ORDER BY n.comments DESC, a.name, a.id
LIMIT :limit OFFSET :offset
"""
AUTHOR_KINDS = """
SELECT a.kind, count(*) AS authors
FROM (SELECT DISTINCT author_id FROM comments WHERE author_id IS NOT NULL) AS n
JOIN authors a ON a.id = n.author_id
GROUP BY a.kind ORDER BY authors DESC
"""
ANONYMOUS_COMMENTS = "SELECT count(*) FROM comments WHERE author_id IS NULL"

# -- activity ----------------------------------------------------------------------------

# Posts per month with their comments, and posts per year: posts_month
# (published_month, comment_count) and posts_year, from the indexes alone.
POSTS_PER_MONTH = """
SELECT published_month AS month, count(*) AS posts, sum(comment_count) AS comments
FROM posts WHERE published_month IS NOT NULL
GROUP BY published_month ORDER BY published_month
"""
POSTS_PER_YEAR = """
SELECT published_year AS year, count(*) AS posts
FROM posts WHERE published_year IS NOT NULL
GROUP BY published_year ORDER BY published_year
"""

# Posts and comments of each year, as the activity page's table gives them (a
# comment in its own year where it carries a time, else in its post's): the query
# behind that table, for a reader to run. The page adds the years up from its months.
POSTS_AND_COMMENTS_PER_YEAR = """
WITH p AS (SELECT published_year AS year, count(*) AS posts FROM posts
           WHERE published_year IS NOT NULL GROUP BY published_year),
     c AS (SELECT coalesce(CAST(substr(c.published_at, 1, 4) AS INTEGER), p.published_year) AS year,
                  count(*) AS comments
           FROM comments c JOIN posts p ON p.id = c.post_id GROUP BY 1)
SELECT y.year, coalesce(p.posts, 0) AS posts, coalesce(c.comments, 0) AS comments
FROM (SELECT year FROM p UNION SELECT year FROM c WHERE year IS NOT NULL) AS y
LEFT JOIN p ON p.year = y.year LEFT JOIN c ON c.year = y.year
ORDER BY y.year
"""

# Comments count in their own month where they carry a time, else in their post's.
# The months the times span (comments_time_post, its two ends) ...
COMMENT_TIME_SPAN = """
SELECT (SELECT published_at FROM comments WHERE published_at IS NOT NULL ORDER BY published_at LIMIT 1) AS first,
       (SELECT max(published_at) FROM comments) AS last
"""
# ... then the comments of each month, a range of comments_time_post: :months is a JSON
# list of [month, the month after] ("2014-03", "2014-04"); a time starts with its month.
TIMED_COMMENTS_PER_MONTH = """
SELECT json_extract(m.value, '$[0]') AS month,
       (SELECT count(*) FROM comments
        WHERE published_at >= json_extract(m.value, '$[0]') AND published_at < json_extract(m.value, '$[1]'))
       AS comments
FROM json_each(:months) AS m
"""
# Comments without a time, by their post's month and year (month NULL: a post dated
# to the year only; both NULL: undated): comments_time_post, then posts by key.
UNTIMED_COMMENTS_PER_MONTH = """
SELECT p.published_month AS month, p.published_year AS year, sum(n.comments) AS comments
FROM (SELECT post_id, count(*) AS comments FROM comments WHERE published_at IS NULL GROUP BY post_id) AS n
JOIN posts p ON p.id = n.post_id
GROUP BY p.published_month, p.published_year
"""
# The same in one statement, for a reader to run in Datasette (slower: it reads every comment).
COMMENTS_PER_MONTH = """
SELECT coalesce(substr(c.published_at, 1, 7), p.published_month) AS month, count(*) AS comments
FROM comments c JOIN posts p ON p.id = c.post_id
GROUP BY month ORDER BY month
"""

# -- search ------------------------------------------------------------------------------

# How many posts and comments match: from the full-text indexes alone.
SEARCH_COUNTS = """
SELECT (SELECT count(*) FROM comments_fts WHERE comments_fts MATCH :q) AS comments,
       (SELECT count(*) FROM posts_fts WHERE posts_fts MATCH :q) AS posts
"""

# Every match, in posts (title and body) and comments, with what the facets count:
# the year (a comment's own, else its post's) and the author. Used while the matches
# are few enough to rank and count (browse.RANK_LIMIT): each costs a look-up.
_HITS = """
WITH hits AS (
  SELECT 'comment' AS kind, c.id, bm25(comments_fts) AS rank,
         coalesce(CAST(substr(c.published_at, 1, 4) AS INTEGER), p.published_year) AS year,
         c.author_id
  FROM comments_fts
  JOIN comments c ON c.id = comments_fts.rowid
  JOIN posts p ON p.id = c.post_id
  WHERE comments_fts MATCH :q
  UNION ALL
  SELECT 'post', p.id, bm25(posts_fts), p.published_year, p.author_id
  FROM posts_fts JOIN posts p ON p.id = posts_fts.rowid
  WHERE posts_fts MATCH :q
),
chosen AS (
  SELECT * FROM hits
  WHERE (:year = '' OR year = CAST(:year AS INTEGER)) AND (:author = '' OR author_id = CAST(:author AS INTEGER))
)
"""
SEARCH_RANKED = _HITS + """
SELECT kind, id FROM chosen ORDER BY rank, kind, id LIMIT :limit OFFSET :offset
"""
SEARCH_TOTALS = _HITS + "SELECT kind, count(*) AS n FROM chosen GROUP BY kind"
SEARCH_YEARS = _HITS + "SELECT year, count(*) AS n FROM chosen GROUP BY year ORDER BY year"
SEARCH_AUTHORS = _HITS + """
SELECT chosen.author_id AS id, a.name, count(*) AS n
FROM chosen JOIN authors a ON a.id = chosen.author_id
GROUP BY chosen.author_id ORDER BY n DESC, a.name LIMIT 12
"""
# Too many matches to rank: as the indexes hold them, by id, which puts a post's
# comments beside it.
SEARCH_UNRANKED = """
SELECT kind, id FROM (
  SELECT 'post' AS kind, rowid AS id FROM posts_fts WHERE posts_fts MATCH :q
  UNION ALL
  SELECT 'comment', rowid FROM comments_fts WHERE comments_fts MATCH :q)
ORDER BY id, kind LIMIT :limit OFFSET :offset
"""
# What a page of results shows of each: :comments and :posts are JSON lists of ids.
SEARCH_DETAILS = """
SELECT 'comment' AS kind, c.id, c.post_id, c.path, c.published_at, p.title, p.published,
       c.author_id, a.name AS author_name
FROM comments c JOIN posts p ON p.id = c.post_id LEFT JOIN authors a ON a.id = c.author_id
WHERE c.id IN (SELECT value FROM json_each(:comments))
UNION ALL
SELECT 'post', p.id, p.id, NULL, p.published_at, p.title, p.published, p.author_id, a.name
FROM posts p LEFT JOIN authors a ON a.id = p.author_id
WHERE p.id IN (SELECT value FROM json_each(:posts))
"""
# Snippets only for the page shown: snippet() is the costly part of a search.
COMMENT_SNIPPETS = """
SELECT rowid AS id, snippet(comments_fts, 0, :open, :close, '…', 24) AS snippet
FROM comments_fts
WHERE comments_fts MATCH :q AND rowid IN (SELECT value FROM json_each(:ids))
"""
POST_SNIPPETS = """
SELECT rowid AS id, highlight(posts_fts, 0, :open, :close) AS title,
       snippet(posts_fts, 1, :open, :close, '…', 24) AS snippet
FROM posts_fts
WHERE posts_fts MATCH :q AND rowid IN (SELECT value FROM json_each(:ids))
"""

# -- raw files ---------------------------------------------------------------------------

SOURCE = """
SELECT s.id, s.path, s.sha256, s.lines, s.format, ar.name AS archive_name, ar.root
FROM sources s JOIN archives ar ON ar.id = s.archive_id
WHERE s.id = :source_id
"""
