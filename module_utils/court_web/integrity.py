# -*- coding: utf-8 -*-
"""File-integrity baseline of a web root and the defacement/injection file scan (F.3)."""

from __future__ import annotations

import hashlib
import json
import os
import stat

from ansible.module_utils.court_web.content import find_keywords, find_webshell

PHP_EXTENSIONS = (".php", ".php3", ".php4", ".php5", ".php7", ".php8", ".phtml", ".pht", ".phps", ".phar", ".inc")
TEXT_EXTENSIONS = PHP_EXTENSIONS + (".html", ".htm", ".shtml", ".js", ".txt", ".xml", ".json", ".tpl", ".svg", ".css")
HIDDEN_ALLOWED = (".htaccess", ".well-known", ".user.ini")
MAX_SCAN_BYTES = 4 * 1024 * 1024


def is_php(name):
    """A file Apache may execute as PHP: any PHP extension, also inside a double extension (x.php.jpg)."""
    lower = name.lower()
    return lower.endswith(PHP_EXTENSIONS) or any(ext + "." in lower for ext in PHP_EXTENSIONS[:-1])


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def walk(root, exclude=()):
    """Given a web root, return {relative path: {"sha256", "size", "mode"}} of every regular file."""
    files = {}
    excluded = tuple(e.strip("/") + "/" for e in exclude)
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = sorted(d for d in dirnames if not (rel_dir + d + "/").startswith(excluded))
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            files[rel_dir + name] = {"sha256": _sha256(path), "size": st.st_size,
                                     "mode": "%04o" % stat.S_IMODE(st.st_mode)}
    return files


def load_baseline(path):
    """Return the stored baseline dict, or None when there is none. Raise ValueError if unreadable."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ValueError("baseline %s is unreadable (%s); remove it to create a new one" % (path, exc))
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise ValueError("baseline %s has no 'files' map; remove it to create a new one" % path)
    return data


def save_baseline(path, root, files, created):
    """Write the baseline atomically (temporary name, then rename)."""
    os.makedirs(os.path.dirname(path) or ".", mode=0o750, exist_ok=True)
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"root": root, "created": created, "files": files}, f, indent=1, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def compare(baseline_files, current):
    """Given two {path: info} maps, return (added, changed, removed) sorted path lists."""
    added = sorted(set(current) - set(baseline_files))
    removed = sorted(set(baseline_files) - set(current))
    changed = sorted(p for p in set(current) & set(baseline_files)
                     if current[p]["sha256"] != baseline_files[p]["sha256"])
    return added, changed, removed


def _in_dirs(rel, dirs):
    return any(rel == d or rel.startswith(d.rstrip("/") + "/") for d in dirs)


def scan_files(root, files, uploads, keywords=None, hidden_allowed=HIDDEN_ALLOWED):
    """Given the web root and its file map, return findings for PHP in upload folders, hidden
    files, webshell signatures and spam keywords in text files."""
    findings = []
    uploads = [u.strip("/") for u in uploads if u.strip("/")]
    for rel in sorted(files):
        parts = rel.split("/")
        name = parts[-1]
        if _in_dirs(rel, uploads) and is_php(name):
            findings.append({"severity": "high", "incident": True, "code": "web_php_in_uploads", "path": rel,
                             "message": "Berkas PHP di folder unggahan: %s (kemungkinan webshell)" % rel})
        hidden = [p for p in parts if p.startswith(".") and p not in hidden_allowed]
        if hidden:
            findings.append({"severity": "high" if is_php(name) else "warning",
                             "incident": is_php(name), "code": "web_hidden_file", "path": rel,
                             "message": "Berkas tersembunyi di web root: %s" % rel})
        lower = name.lower()
        if not lower.endswith(TEXT_EXTENSIONS) and not is_php(name):
            continue
        if files[rel]["size"] > MAX_SCAN_BYTES:
            continue
        try:
            with open(os.path.join(root, rel), "r", encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        if is_php(name):
            sig = find_webshell(text)
            if sig:
                findings.append({"severity": "high", "incident": True, "code": "web_webshell", "path": rel,
                                 "message": "Tanda webshell di %s: %s" % (rel, sig)})
        words = find_keywords(text, keywords)
        if words:
            findings.append({"severity": "high", "incident": True, "code": "web_spam_content", "path": rel,
                             "message": "Kata kunci judi/spam di berkas %s: %s" % (rel, ", ".join(words[:5]))})
    return findings
