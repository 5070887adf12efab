#!/usr/bin/env python3
"""Checks the links of a built mdBook: every relative link of every page
(href and src) names a file of the book, and every #fragment an id in that
file. Links to other sites are counted, not followed (CI has no network
beyond the package registries).

Usage: check-book-links.py BOOK_DIR     (the directory `mdbook build` wrote)
Python 3.11 standard library only.
"""
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key) and tag in ("a", "img"):
                self.links.append((attrs[key], self.getpos()[0]))


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    book = Path(sys.argv[1])
    pages = {}
    for path in book.rglob("*.html"):
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        pages[path.resolve()] = page
    if not pages:
        print(f"check-book-links: no HTML pages under {book}", file=sys.stderr)
        return 1
    broken, external, checked = [], 0, 0
    for path, page in sorted(pages.items()):
        for link, line in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                external += 1
                continue
            checked += 1
            target = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            where = f"{path.relative_to(book.resolve())}:{line}: {link}"
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{where}: no such file in the book")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html" and fragment not in pages[target].ids:
                broken.append(f"{where}: no element with id '{fragment}'")
    for line in broken:
        print(line, file=sys.stderr)
    print(f"check-book-links: {len(pages)} pages, {checked} links within the book checked, "
          f"{len(broken)} broken, {external} to other sites not followed")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
