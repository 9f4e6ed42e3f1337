"""Reading: raw bytes to the structure of a post page (decode, header, split, thread)."""
