"""Understanding: what the text of a post and its comments says (dates, and more)."""
