"""Scrubbing on parsed values: property/fuzz tests with secrets holding quotes, backslashes,
newlines, tabs, non-ASCII, JSON escapes, very short and very long values (seeded, repeatable)."""

from __future__ import annotations

import contextlib
import json
import random
import shlex
from typing import Any

import pytest
import yaml

from sop_runner.scrub import MIN_SECRET_LENGTH, REDACTED, Scrubber, escaped_forms

TRICKY = [
    '"',
    "'",
    "\\",
    "\n",
    "\t",
    "\r",
    "ñ",
    "é",
    "€",
    "中",
    "😀",
    "\\u00e9",
    "\\n",
    "$",
    "`",
    "{{",
    "%",
    " ",
]
PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"

FIXED = [
    'pa"ss\\word\n2nd-line\tñ€',
    "it's-a-secret'''",
    "\\u00e9t\\u00e9-literal-escape",
    "Ω-only-non-ascii-ΩΩΩ",
    "line-one-long\nline-two-long\nline-three-long",
    "x" * 5000 + '"\\\n' + "y" * 5000,
    "    padded-secret    ",
    "{{ not-a-template }}",
]


def _random_secret(rng: random.Random) -> str:
    n = rng.choice([MIN_SECRET_LENGTH, MIN_SECRET_LENGTH, 9, 12, 24, 64, 300, 1500])
    out = []
    while len("".join(out)) < n:
        out.append(rng.choice(TRICKY) if rng.random() < 0.3 else rng.choice(PLAIN))
    return "".join(out)


def _secrets() -> list[str]:
    rng = random.Random(18)
    return FIXED + [_random_secret(rng) for _ in range(40)]


def _renderings(secret: str) -> list[str]:
    """The ways a value reaches kept text: as Ansible, Python, YAML, a shell and a log show it."""
    doc = {"msg": f"auth failed for {secret}", "cmd": f"mysql -p{secret}", "lines": secret.splitlines()}
    inner = json.dumps(doc)
    return [
        secret,
        json.dumps(doc),
        json.dumps(doc, ensure_ascii=False),
        json.dumps({"stdout": inner}),  # JSON printed inside JSON
        repr(doc),
        repr(secret.encode()),
        str(doc["lines"]),
        yaml.safe_dump(doc, default_style='"', width=1 << 30),
        yaml.safe_dump(doc, width=1 << 30),
        yaml.safe_dump(doc, width=1 << 30, allow_unicode=True),
        f"mysql -p{shlex.quote(secret)} -e 'select 1'",
        "\n".join(f"ok: [sipp] => {ln}" for ln in secret.splitlines()),
    ]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (_strings(k) + _strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _leaks(secret: str, text: str) -> list[str]:
    """Return the maskable pieces of ``secret`` still readable in ``text``."""
    pieces = {secret} | {ln for ln in secret.splitlines()}
    return [p for p in pieces if len(p.strip()) >= MIN_SECRET_LENGTH and p.strip() in text]


@pytest.mark.parametrize("index", range(len(_secrets())))
def test_no_rendering_of_a_secret_survives_text_scrubbing(index: int) -> None:
    secret = _secrets()[index]
    scrub = Scrubber([secret, "other-secret-value"])
    for text in _renderings(secret):
        clean = scrub.text(text)
        assert not _leaks(secret, clean), (secret[:40], text[:200], clean[:200])
        # what a reader would decode from the kept text holds no secret either
        for decoded in _decodings(clean):
            assert not _leaks(secret, decoded), (secret[:40], text[:200], decoded[:200])
        for form in escaped_forms(secret):
            assert form not in clean


def _decodings(text: str) -> list[str]:
    out = []
    for decode in (json.loads, yaml.safe_load):
        with contextlib.suppress(ValueError, yaml.YAMLError):  # not every rendering is JSON/YAML
            out.extend(_strings(decode(text)))
    for s in list(out):
        with contextlib.suppress(ValueError):
            out.extend(_strings(json.loads(s)))
    return out


@pytest.mark.parametrize("index", range(len(_secrets())))
def test_json_is_scrubbed_parsed_and_stays_valid(index: int) -> None:
    secret = _secrets()[index]
    scrub = Scrubber([secret])
    event = {
        "event": "runner_on_failed",
        "event_data": {
            "res": {
                "msg": f"denied: {secret}",
                "stdout_lines": secret.splitlines(),
                "stdout": json.dumps({"pw": secret}),
            },
            f"key-{secret}": [1, 2.5, True, None],
        },
    }
    for dumped in (json.dumps(event), json.dumps(event, ensure_ascii=False, indent=2)):
        clean = scrub.json_text(dumped)
        parsed = json.loads(clean)  # still JSON
        for s in _strings(parsed) + _strings(json.loads(parsed["event_data"]["res"]["stdout"])):
            assert not _leaks(secret, s), (secret[:40], s[:200])
        assert REDACTED in clean
        [key] = [k for k in parsed["event_data"] if k.startswith("key-")]
        assert REDACTED in key and parsed["event_data"][key] == [1, 2.5, True, None]


def test_text_without_secrets_is_left_alone() -> None:
    scrub = Scrubber(["S3cr3t-db-pass", 'q"uote\\d-secret'])
    for text in ('{"a": "b\\"c", "n": 1}', "plain log line\n", "ñ€ unicode", ""):
        assert scrub.text(text) == text
    doc = '{"a": [1, 2], "b": {"c": "d"}}'
    assert json.loads(scrub.json_text(doc)) == json.loads(doc)
    assert scrub.data({"a": (1, "x"), 2: None}) == {"a": [1, "x"], 2: None}


def test_very_short_secrets_are_masked_where_they_stand_alone_and_are_reported() -> None:
    scrub = Scrubber(["ab", "root", "1234567", "long-enough-secret", 'q"1'])
    # printed as a value, a quoted string, an argument: masked
    assert scrub.text("user root on host ab:1234567") == f"user {REDACTED} on host {REDACTED}:{REDACTED}"
    printed = '{"pw": "q\\"1", "l": ["ab", "x"]}'
    assert json.loads(scrub.json_text(printed)) == {"pw": REDACTED, "l": [REDACTED, "x"]}
    assert scrub.text("argv=['q\"1']") == f"argv=[{REDACTED}]"  # the shell-quoted form, quotes and all
    # inside other words: left readable (masking there would destroy the record)
    words = "rootfs on /dev/ab1c, id 12345678, about_root"
    assert scrub.text(words) == words
    assert scrub.text("pw=long-enough-secret") == f"pw={REDACTED}"
    [finding] = scrub.findings()
    assert finding["severity"] == "warning" and finding["code"] == "vault_value_too_short"
    assert "length 2, 3, 4, 7" in finding["message"]
    for value in ("ab", "root", "1234567", 'q"1'):
        assert value not in finding["message"].replace(str(MIN_SECRET_LENGTH), "")
    assert Scrubber(["long-enough-secret"]).findings() == []
    assert Scrubber(["ab"]).data({"k": ["ab", 1]}) == {"k": [REDACTED, 1]}


def test_multi_line_secret_is_masked_line_by_line() -> None:
    key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\nAQEFAASCBKcwggSjAgEAAo\n-----END KEY-----\n"
    scrub = Scrubber([key])
    printed = json.dumps({"stdout_lines": key.splitlines()})
    clean = json.loads(scrub.json_text(printed))["stdout_lines"]
    assert "MIIEvQIBADANBgkqhkiG9w0B" not in str(clean) and "AQEFAASCBKcwggSjAgEAAo" not in str(clean)
    assert scrub.text(key.rstrip("\n")) == REDACTED


def test_very_long_secret_in_a_large_text_is_fast_and_masked() -> None:
    import time

    secret = "Z" * 20000 + '"ñ\\'
    scrub = Scrubber([secret, *(f"other-secret-{i:04d}" for i in range(50))])
    big = ("noise " * 200000) + json.dumps({"x": secret})
    t0 = time.monotonic()
    clean = scrub.text(big)
    assert time.monotonic() - t0 < 10
    assert "Z" * MIN_SECRET_LENGTH * 4 not in clean
