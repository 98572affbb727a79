# -*- coding: utf-8 -*-
"""Domain, hosting and connection expiry (F.4): RDAP lookups and days-left findings."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from urllib.request import Request, urlopen

from ansible.module_utils.court_web.content import parse_date

KIND_WORDS = {"domain": "Domain", "hosting": "Hosting", "connection": "Koneksi"}


def rdap_url(base, domain):
    return base.rstrip("/") + "/domain/" + domain.strip().lower().rstrip(".")


def rdap_expiry(document):
    """Given an RDAP domain response (dict), return (expiration datetime or None, registrar name)."""
    expires = None
    for event in document.get("events") or []:
        if str(event.get("eventAction", "")).lower() in ("expiration", "expiry", "registration expiration"):
            expires = parse_date(event.get("eventDate"))
    registrar = None
    for entity in document.get("entities") or []:
        if "registrar" in (entity.get("roles") or []):
            for item in (entity.get("vcardArray") or [None, []])[1]:
                if isinstance(item, list) and len(item) >= 4 and item[0] == "fn":
                    registrar = item[3]
            registrar = registrar or entity.get("handle")
    return expires, registrar


def fetch_rdap(base, domain, timeout=15):
    """Query RDAP; return the parsed JSON. Raise ValueError with a readable reason on failure."""
    url = rdap_url(base, domain)
    req = Request(url, headers={"Accept": "application/rdap+json, application/json"})
    try:
        with urlopen(req, timeout=timeout) as resp:  # noqa: S310 - configured endpoint
            body = resp.read(1 << 20)
    except Exception as exc:
        raise ValueError("RDAP %s tidak dapat dihubungi: %s" % (url, exc))
    try:
        data = json.loads(body.decode("utf-8"))
    except ValueError as exc:
        raise ValueError("RDAP %s tidak mengembalikan JSON: %s" % (url, exc))
    if not isinstance(data, dict) or data.get("objectClassName") not in (None, "domain"):
        raise ValueError("RDAP %s tidak mengembalikan objek domain" % url)
    return data


def to_date(value):
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).date()
    if isinstance(value, date):
        return value
    dt = parse_date(str(value))
    if dt is None:
        raise ValueError("tanggal tidak valid: %r (format YYYY-MM-DD)" % (value,))
    return dt.astimezone(timezone.utc).date() if dt.tzinfo else dt.date()


def assess(item, today, warn_days, critical_days):
    """Given {name, kind, expires, ...}, return (days_left, finding or None)."""
    left = (to_date(item["expires"]) - today).days
    word = KIND_WORDS.get(item.get("kind"), item.get("kind", "Layanan"))
    label = "%s %s" % (word, item["name"])
    if left < 0:
        sev, code, msg = "high", "web_service_expired", "%s sudah kedaluwarsa sejak %d hari (%s)" % (label, -left, item["expires"])
    elif left <= critical_days:
        sev, code, msg = "high", "web_service_expiring", "%s kedaluwarsa dalam %d hari (%s); segera perpanjang" % (label, left, item["expires"])
    elif left <= warn_days:
        sev, code, msg = "warning", "web_service_expiring", "%s kedaluwarsa dalam %d hari (%s)" % (label, left, item["expires"])
    else:
        return left, None
    return left, {"severity": sev, "code": "%s_%s" % (code, item.get("kind", "service")), "message": msg,
                  "service": item["name"], "days_left": left}
