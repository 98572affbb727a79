# -*- coding: utf-8 -*-
"""Content checks shared by F.1, F.3 and E.6: gambling-spam keywords, hidden links, webshell
signatures, and publication dates from sitemaps and RSS/Atom feeds."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# Phrases of the gambling spam injected into .go.id sites. Multi-word on purpose: a lone "slot"
# also means a hearing time slot.
SPAM_KEYWORDS = [
    "slot gacor", "judi online", "judi slot", "situs judi", "slot online", "situs slot",
    "agen slot", "bandar slot", "slot88", "slot777", "slot thailand", "gacor hari ini",
    "maxwin", "scatter hitam", "rtp slot", "rtp live", "togel", "bandar togel", "sbobet",
    "casino online", "poker online", "deposit pulsa", "pragmatic play", "zeus slot",
    "link alternatif", "bocoran slot", "akun pro", "mahjong ways",
]

_WEBSHELL = re.compile(
    r"(?i)(?:\b(?:eval|assert|system|passthru|shell_exec|exec|popen|proc_open|pcntl_exec|create_function)"
    r"\s*\(\s*(?:@?\$_(?:GET|POST|REQUEST|COOKIE|SERVER|FILES)|base64_decode|gzinflate|gzuncompress|"
    r"str_rot13|hex2bin|urldecode)"
    r"|\$_(?:GET|POST|REQUEST|COOKIE)\s*\[[^\]]*\]\s*\("
    r"|preg_replace\s*\(\s*['\"](.).*\1[a-z]*e[a-z]*['\"]"
    r"|\bFilesMan\b|\bb374k\b|\bWSO\s+[0-9.]+|\bc99shell\b|\br57shell\b|\bAlfa\s*Team|Tiny File Manager)"
)

_HIDDEN_STYLE = re.compile(
    r"(?i)(display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:px|pt|em)?\s*(?:;|$)|"
    r"(?:left|top|text-indent)\s*:\s*-\d{3,}px|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$)|"
    r"(?:height|width)\s*:\s*0(?:px)?\s*;.*overflow\s*:\s*hidden)"
)
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}


def normalise_keywords(keywords):
    return [k.strip().lower() for k in (keywords or SPAM_KEYWORDS) if k and k.strip()]


def find_keywords(text, keywords=None):
    """Given text (HTML or PHP source), return the sorted spam keywords it contains."""
    flat = re.sub(r"\s+", " ", html.unescape(text)).lower()
    return sorted({k for k in normalise_keywords(keywords) if k in flat})


def find_webshell(text):
    """Given PHP source, return the first webshell signature found (a short excerpt) or None."""
    m = _WEBSHELL.search(text)
    return m.group(0)[:80] if m else None


class _LinkParser(HTMLParser):
    def __init__(self, base_url):
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.stack = []  # (tag, hidden)
        self.links = []  # (absolute url, hidden, text)
        self.assets = []
        self._anchor = None

    def _hidden(self):
        return any(h for _t, h in self.stack)

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        hidden = bool(_HIDDEN_STYLE.search(a.get("style", ""))) or "hidden" in a and tag != "input"
        if tag == "a" and a.get("href"):
            self._anchor = [urljoin(self.base_url, a["href"].strip()), hidden or self._hidden(), ""]
        for attr in ("src", "href"):
            if tag in ("img", "script", "link", "iframe", "embed", "source") and a.get(attr):
                self.assets.append(urljoin(self.base_url, a[attr].strip()))
        if tag not in _VOID:
            self.stack.append((tag, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag == "a" and self._anchor is not None:
            self.links.append(tuple(self._anchor))
            self._anchor = None
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self._anchor is not None:
            self._anchor[2] += data


def parse_links(page, base_url):
    """Given an HTML page and its URL, return (links, assets): links as (url, hidden, text)."""
    parser = _LinkParser(base_url)
    try:
        parser.feed(page)
        parser.close()
    except Exception:  # malformed HTML: keep what was parsed
        pass
    if parser._anchor is not None:
        parser.links.append(tuple(parser._anchor))
    return parser.links, parser.assets


def hidden_external_links(page, base_url, own_hosts=()):
    """Given an HTML page, return the hidden links (inline-hidden element) pointing off-site."""
    own = {h.lower() for h in own_hosts} | {(urlsplit(base_url).hostname or "").lower()}
    out = []
    for url, hidden, text in parse_links(page, base_url)[0]:
        parts = urlsplit(url)
        if hidden and parts.scheme in ("http", "https") and (parts.hostname or "").lower() not in own:
            out.append({"url": url, "text": " ".join(text.split())[:80]})
    return out


def _localname(tag):
    return tag.rsplit("}", 1)[-1].lower()


def parse_date(text):
    """Given a W3C/ISO 8601 date (sitemap, Atom) or an RFC 822 date (RSS), return an aware datetime."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        dt = parsedate_to_datetime(text)
        if dt is not None:
            return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    except (TypeError, ValueError, IndexError):
        pass
    iso = text.replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def feed_dates(xml_text):
    """Given a sitemap, sitemap index, RSS or Atom document, return (kind, [(url, datetime)])."""
    root = ET.fromstring(xml_text.encode("utf-8") if isinstance(xml_text, str) else xml_text)
    kind = _localname(root.tag)
    items = []
    if kind in ("urlset", "sitemapindex"):
        for entry in root:
            loc = date = None
            for child in entry:
                name = _localname(child.tag)
                if name == "loc":
                    loc = (child.text or "").strip()
                elif name == "lastmod":
                    date = parse_date(child.text)
            items.append((loc, date))
    elif kind == "rss":
        for item in root.iter():
            if _localname(item.tag) != "item":
                continue
            link = date = None
            for child in item:
                name = _localname(child.tag)
                if name == "link":
                    link = (child.text or "").strip()
                elif name in ("pubdate", "date"):
                    date = parse_date(child.text)
            items.append((link, date))
    elif kind == "feed":
        for entry in root:
            if _localname(entry.tag) != "entry":
                continue
            link = date = None
            for child in entry:
                name = _localname(child.tag)
                if name == "link":
                    link = child.get("href")
                elif name in ("published", "updated") and (date is None or name == "published"):
                    date = parse_date(child.text)
            items.append((link, date))
    else:
        raise ValueError("not a sitemap or feed (root element <%s>)" % kind)
    return kind, items
