"""A page's HTML as a tree of elements, for tests that look at what a reader gets."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Callable, Iterator, Optional

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict
    parent: Optional["Node"] = None
    children: list = field(default_factory=list)  # Node or str

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self) -> Iterator["Node"]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: Optional[str] = None, cls: Optional[str] = None,
                 where: Optional[Callable[["Node"], bool]] = None) -> list["Node"]:
        return [n for n in self.iter() if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
                and (where is None or where(n))]

    def find(self, tag: Optional[str] = None, cls: Optional[str] = None, **attrs) -> Optional["Node"]:
        found = self.find_all(tag, cls, lambda n: all(n.attrs.get(k) == v for k, v in attrs.items()))
        return found[0] if found else None

    def ancestors(self) -> Iterator["Node"]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root
        self.all_attrs: list[tuple[str, str, Optional[str]]] = []  # (tag, name, value) of every attribute

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self.all_attrs.append((tag, name, value))
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        for name, value in attrs:
            self.all_attrs.append((tag, name, value))
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> tuple[Node, list[tuple[str, str, Optional[str]]]]:
    """The document's tree, and every attribute of every element as (tag, name, value)."""
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root, builder.all_attrs
