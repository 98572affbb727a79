#!/usr/bin/python
"""Ansible module: E.6 dated snapshot of a website's published pages and documents."""

from __future__ import annotations

DOCUMENTATION = r"""
module: court_web_archive
short_description: Mirror the published pages and documents of a website into a dated, checksummed snapshot (E.6)
description:
  - Crawls from I(url) and the sitemap, staying on the same origin, saving HTML pages and the
    documents and images they link to under C(<dest>/<name>/site/), with C(manifest.json)
    (URL, file, SHA-256, size, type) and C(SHA256SUMS) (sha256sum -c format).
  - Writes into a temporary directory and renames it when complete. When the snapshot already
    exists it is verified against its checksums instead (changed=false).
options:
  url: {description: Start URL (the home page)., type: str, required: true}
  sitemap_url: {description: Sitemap whose URLs are added to the crawl., type: str, default: ""}
  dest: {description: Archive root; the snapshot goes to a sub-directory., type: path, required: true}
  name: {description: Snapshot directory name; default today's date (YYYY-MM-DD)., type: str, default: ""}
  max_pages: {description: Most HTML pages fetched., type: int, default: 500}
  max_bytes: {description: Most bytes fetched in total., type: int, default: 2147483648}
  document_extensions:
    description: Linked files archived beside the pages.
    type: list
    elements: str
    default: [pdf, doc, docx, xls, xlsx, ppt, pptx, odt, ods, odp, rtf, zip, jpg, jpeg, png, gif, webp, svg]
  exclude: {description: URL substrings never fetched., type: list, elements: str, default: [/wp-admin, /administrator, logout, "?replytocom="]}
  validate_certs: {description: Validate TLS certificates., type: bool, default: true}
  timeout: {description: Per-request timeout in seconds., type: int, default: 30}
  user_agent: {description: User agent sent (so F.3 can leave the archiver out)., type: str, default: court-sop-archiver/1.0}
"""

RETURN = r"""
archive: {description: Snapshot path, counts, verification result and findings., returned: always, type: dict}
"""

import hashlib
import json
import os
import shutil
from collections import deque
from datetime import UTC, datetime
from urllib.parse import unquote, urldefrag, urlsplit

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.court_web.content import feed_dates, parse_links
from ansible.module_utils.court_web.webclient import decode, fetch


def origin(url):
    s = urlsplit(url)
    return (s.scheme, (s.hostname or "").lower(), s.port or (443 if s.scheme == "https" else 80))


def local_path(url, is_html):
    """Map a URL to a safe relative file path under site/."""
    s = urlsplit(url)
    path = unquote(s.path) or "/"
    parts = [p for p in path.split("/") if p not in ("", ".", "..")]
    if path.endswith("/") or not parts:
        parts.append("index.html")
    if s.query:
        stem, dot, ext = parts[-1].rpartition(".")
        digest = hashlib.sha1(s.query.encode()).hexdigest()[:10]
        parts[-1] = "%s__%s.%s" % (stem, digest, ext) if dot else "%s__%s" % (parts[-1], digest)
    if is_html and not parts[-1].lower().endswith((".html", ".htm")):
        parts[-1] += ".html"
    return "/".join(["site"] + [p.replace("\\", "_") for p in parts])


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify(snapshot):
    """Return (checked, [mismatching or missing files]) for SHA256SUMS of a snapshot."""
    bad, checked = [], 0
    with open(os.path.join(snapshot, "SHA256SUMS"), encoding="utf-8") as f:
        for line in f:
            digest, _sep, rel = line.rstrip("\n").partition("  ")
            checked += 1
            path = os.path.join(snapshot, rel)
            if not os.path.isfile(path) or sha256_file(path) != digest:
                bad.append(rel)
    return checked, bad


def crawl(p, workdir):
    start = p["url"]
    home = origin(start)
    queue = deque([start])
    if p["sitemap_url"]:
        resp = fetch(
            p["sitemap_url"],
            timeout=p["timeout"],
            validate_certs=p["validate_certs"],
            follow_redirects=True,
            user_agent=p["user_agent"],
        )
        if resp["status"] == 200:
            try:
                queue.extend(u for u, _d in feed_dates(resp["body"])[1] if u and origin(u) == home)
            except (ValueError, SyntaxError):
                pass
    docs = tuple("." + e.lower().lstrip(".") for e in p["document_extensions"])
    seen, entries, errors = set(), [], []
    pages = total = 0
    while queue:
        url = urldefrag(queue.popleft())[0]
        if url in seen or origin(url) != home or any(x in url for x in p["exclude"]):
            continue
        seen.add(url)
        is_doc = urlsplit(url).path.lower().endswith(docs)
        if not is_doc and pages >= p["max_pages"]:
            continue
        resp = fetch(
            url,
            timeout=p["timeout"],
            validate_certs=p["validate_certs"],
            follow_redirects=True,
            max_bytes=max(p["max_bytes"] - total, 1),
            user_agent=p["user_agent"],
        )
        if resp["status"] != 200:
            errors.append({"url": url, "status": resp["status"], "error": resp["error"]})
            continue
        total += len(resp["body"])
        ctype = resp["headers"].get("content-type", "").split(";")[0].strip().lower()
        is_html = ctype in ("text/html", "application/xhtml+xml")
        rel = local_path(url, is_html)
        target = os.path.join(workdir, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(resp["body"])
        entries.append(
            {
                "url": url,
                "file": rel,
                "sha256": hashlib.sha256(resp["body"]).hexdigest(),
                "size": len(resp["body"]),
                "content_type": ctype,
                "kind": "page" if is_html else "document",
            }
        )
        if is_html:
            pages += 1
            links, assets = parse_links(decode(resp["body"], resp["headers"]), resp["url"])
            for link in [u for u, _h, _t in links] + assets:
                link = urldefrag(link)[0]
                if (
                    link not in seen
                    and origin(link) == home
                    and (
                        urlsplit(link).path.lower().endswith(docs)
                        or not os.path.splitext(urlsplit(link).path)[1]
                        or urlsplit(link).path.lower().endswith((".html", ".htm", ".php"))
                    )
                ):
                    queue.append(link)
        if total >= p["max_bytes"]:
            errors.append({"url": url, "status": 0, "error": "max_bytes reached; snapshot incomplete"})
            break
    return entries, errors


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            sitemap_url=dict(type="str", default=""),
            dest=dict(type="path", required=True),
            name=dict(type="str", default=""),
            max_pages=dict(type="int", default=500),
            max_bytes=dict(type="int", default=2 << 30),
            document_extensions=dict(
                type="list",
                elements="str",
                default=[
                    "pdf",
                    "doc",
                    "docx",
                    "xls",
                    "xlsx",
                    "ppt",
                    "pptx",
                    "odt",
                    "ods",
                    "odp",
                    "rtf",
                    "zip",
                    "jpg",
                    "jpeg",
                    "png",
                    "gif",
                    "webp",
                    "svg",
                ],
            ),
            exclude=dict(
                type="list", elements="str", default=["/wp-admin", "/administrator", "logout", "?replytocom="]
            ),
            validate_certs=dict(type="bool", default=True),
            timeout=dict(type="int", default=30),
            user_agent=dict(type="str", default="court-sop-archiver/1.0"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if urlsplit(p["url"]).scheme not in ("http", "https"):
        module.fail_json(msg="url %r is not an http(s) URL" % p["url"])
    now = datetime.now(UTC)
    name = p["name"] or now.strftime("%Y-%m-%d")
    if "/" in name or name.startswith("."):
        module.fail_json(msg="name %r must be a plain directory name" % name)
    snapshot = os.path.join(p["dest"], name)
    result = {"snapshot": snapshot, "name": name, "findings": []}
    if os.path.isdir(snapshot):
        if not os.path.isfile(os.path.join(snapshot, "SHA256SUMS")):
            module.fail_json(msg="%s exists without SHA256SUMS; move it away and run again" % snapshot)
        checked, bad = verify(snapshot)
        with open(os.path.join(snapshot, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        result.update(
            {
                "created": False,
                "files": checked,
                "verified": not bad,
                "mismatches": bad[:50],
                "pages": manifest.get("pages"),
                "documents": manifest.get("documents"),
                "bytes": manifest.get("bytes"),
                "taken_at": manifest.get("taken_at"),
            }
        )
        if bad:
            result["findings"].append(
                {
                    "severity": "high",
                    "code": "web_archive_tampered",
                    "message": "Arsip %s tidak cocok dengan checksum: %s" % (snapshot, ", ".join(bad[:5])),
                }
            )
        module.exit_json(changed=False, archive=result)
    if module.check_mode:
        result.update({"created": False, "would_create": True})
        module.exit_json(changed=True, archive=result)
    if not os.path.isdir(p["dest"]):
        try:
            os.makedirs(p["dest"], mode=0o750)
        except OSError as exc:
            module.fail_json(msg="cannot create archive root %s: %s" % (p["dest"], exc))
    workdir = os.path.join(p["dest"], ".%s.tmp-%d" % (name, os.getpid()))
    try:
        entries, errors = crawl(p, workdir)
        if not entries:
            raise RuntimeError("nothing could be fetched from %s: %s" % (p["url"], errors[:1]))
        pages = sum(1 for e in entries if e["kind"] == "page")
        manifest = {
            "url": p["url"],
            "taken_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "pages": pages,
            "documents": len(entries) - pages,
            "bytes": sum(e["size"] for e in entries),
            "errors": errors,
            "files": entries,
        }
        with open(os.path.join(workdir, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)
        sums = sorted((e["sha256"], e["file"]) for e in entries)
        sums.append((sha256_file(os.path.join(workdir, "manifest.json")), "manifest.json"))
        with open(os.path.join(workdir, "SHA256SUMS"), "w", encoding="utf-8") as f:
            f.writelines("%s  %s\n" % s for s in sorted(sums, key=lambda s: s[1]))
        os.rename(workdir, snapshot)
    except Exception as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        module.fail_json(msg="archive of %s failed: %s" % (p["url"], exc))
    checked, bad = verify(snapshot)
    result.update(
        {
            "created": True,
            "files": checked,
            "verified": not bad,
            "mismatches": bad,
            "pages": pages,
            "documents": len(entries) - pages,
            "bytes": manifest["bytes"],
            "taken_at": manifest["taken_at"],
            "fetch_errors": errors[:20],
        }
    )
    if errors:
        result["findings"].append(
            {
                "severity": "warning",
                "code": "web_archive_incomplete",
                "message": "%d tautan tidak dapat diarsipkan, mis. %s" % (len(errors), errors[0]["url"]),
            }
        )
    module.exit_json(changed=True, archive=result)


if __name__ == "__main__":
    main()
