"""Masking vault values in everything that is kept: the one place that scrubs.

Scrubbing works on parsed values. Every string of a record, event, artifact or report input is
checked against each secret **and the forms the secret takes once something has escaped it**:
JSON (``\\"``, ``\\\\``, ``\\n``, ``\\t``, ``\\uXXXX`` for non-ASCII), Python ``repr`` (both quote
styles, ``\\xNN``, bytes), YAML double- and single-quoted, shell-quoted (``'"'"'``), URL-encoded
and HTML-escaped -- and those forms escaped once more (JSON printed inside JSON, a repr inside a
JSON string). A multi-line secret is also masked line by line, because Ansible prints
``stdout_lines`` split. Serialized JSON is never edited as text: it is parsed, its strings are
scrubbed, and it is written again (:meth:`Scrubber.json_text`); plain text (ansible-runner's
``stdout``) is scrubbed with every form.

**Very short secrets.** A vault value shorter than :data:`MIN_SECRET_LENGTH` characters cannot
be masked inside other words: replacing ``"ab"`` or ``"root"`` in every word would destroy the
records (host names, words, numbers) and tell an attacker where the secret was. Such a value (and
each escaped form of it) is masked where it **stands alone** -- not preceded or followed by a
letter, digit or ``_`` -- which is how a password is printed (a value, a quoted string, an
argument), while ``"root"`` inside ``"rootfs"`` stays readable. Each run whose vault holds one
also gets a *warning* finding ``vault_value_too_short`` on its records
(:meth:`Scrubber.findings`), naming the length, never the value: the fix is a longer secret, or
moving a value that is not secret (a user name, a port) out of the vault.
"""

from __future__ import annotations

import html
import json
import re
import shlex
import urllib.parse
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import yaml

REDACTED = "********"
#: Vault values shorter than this are not masked (see the module docstring).
MIN_SECRET_LENGTH = 8


def _json_ascii(s: str) -> str:
    return json.dumps(s, ensure_ascii=True)[1:-1]


def _json_utf8(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)[1:-1]


def _repr_single(s: str) -> str:
    """Python repr body as if quoted with ``'`` (repr picks ``"`` when ``s`` holds ``'``)."""
    r = repr(s + "'\"")  # force repr's ' quoting with an escaped ', then drop the helper chars
    return r[1:-4]


def _repr_double(s: str) -> str:
    return repr(s)[1:-1]


def _unicode_escape(s: str) -> str:
    return s.encode("unicode_escape").decode("ascii")


def _bytes_repr(s: str) -> str:
    return repr(s.encode("utf-8"))[2:-1]


def _yaml_double(s: str) -> str:
    out = yaml.safe_dump(s, default_style='"', width=1 << 30, allow_unicode=True)
    return out.strip()[1:-1]


def _yaml_double_ascii(s: str) -> str:
    out = yaml.safe_dump(s, default_style='"', width=1 << 30, allow_unicode=False)
    return out.strip()[1:-1]


def _yaml_single(s: str) -> str:
    return s.replace("'", "''")


def _shell(s: str) -> str:
    return shlex.quote(s)


def _shell_inner(s: str) -> str:
    return s.replace("'", "'\"'\"'")


def _url(s: str) -> str:
    return urllib.parse.quote(s, safe="")


def _url_plus(s: str) -> str:
    return urllib.parse.quote_plus(s)


def _html(s: str) -> str:
    return html.escape(s, quote=True)


ESCAPERS: tuple[Callable[[str], str], ...] = (
    _json_ascii,
    _json_utf8,
    _repr_single,
    _repr_double,
    _unicode_escape,
    _bytes_repr,
    _yaml_double,
    _yaml_double_ascii,
    _yaml_single,
    _shell,
    _shell_inner,
    _url,
    _url_plus,
    _html,
)


def _bases(secret: str) -> set[str]:
    """The strings of a secret that are masked on their own: the secret, stripped of surrounding
    white space, and each line of a multi-line secret -- those of at least
    :data:`MIN_SECRET_LENGTH` characters."""
    bases = {secret, secret.strip()}
    lines = secret.splitlines()
    if len(lines) > 1:
        bases |= set(lines) | {ln.strip() for ln in lines}
    return {b for b in bases if len(b) >= MIN_SECRET_LENGTH}


def _escaped_twice(base: str) -> set[str]:
    """``base`` with each escaper of :data:`ESCAPERS` applied once and twice (and as it is)."""
    once = {base} | {esc(base) for esc in ESCAPERS}
    return once | {esc(f) for f in once for esc in ESCAPERS}


def _forms_of(base: str) -> set[str]:
    return {f for f in _escaped_twice(base) if len(f) >= MIN_SECRET_LENGTH}


def _short_forms(secret: str) -> set[str]:
    """The forms of a secret shorter than :data:`MIN_SECRET_LENGTH`: the secret (and stripped of
    surrounding white space) escaped once and twice, masked only where they stand alone (see the
    module docstring)."""
    return set().union(*(_escaped_twice(b) for b in {secret, secret.strip()} - {""}))


def escaped_forms(secret: str) -> set[str]:
    """Given a secret, return the secret and every form it can take in kept text: each escaper
    of :data:`ESCAPERS` applied once and twice, for the secret as given, stripped of surrounding
    white space, and for each of its lines (a multi-line secret) of at least
    :data:`MIN_SECRET_LENGTH` characters. Forms shorter than that minimum are left out."""
    forms: set[str] = set()
    for base in _bases(secret):
        forms |= _forms_of(base)
    return forms


_ALNUM_RUN = re.compile(r"[A-Za-z0-9]+")


def probe(base: str) -> str:
    """Return a literal every escaped form of ``base`` contains: its longest run of ASCII letters
    and digits (no escaper touches those). '' when the run is too short to tell anything."""
    run = max(_ALNUM_RUN.findall(base), key=len, default="")
    return run if len(run) >= 4 else ""


#: Escapers that leave a line's neighbours alone (no quotes around the whole): used per line.
LINE_ESCAPERS: tuple[Callable[[str], str], ...] = (
    lambda s: s,
    _json_ascii,
    _json_utf8,
    _repr_single,
    _repr_double,
    _unicode_escape,
    _yaml_single,
    _shell_inner,
    _html,
)
# what stands between two lines of a secret once printed: a line break, YAML's folding (a blank
# line and indentation), or an escaped break (\n, \\n, \r\n)
_LINE_BREAK = r"(?:\s|\\+[rn])+"


def line_patterns(secret: str) -> list[tuple[str, str]]:
    """Given a multi-line secret, return ``(anchor, regex)`` pairs that find it however its line
    breaks were printed (YAML folds them into a blank line plus indentation, JSON writes
    ``\\n``): its lines, each escaped the same way, joined by any run of breaks. ``anchor`` is
    a literal every match contains (a quick pre-check). A one-line secret has none."""
    lines = [ln.strip() for ln in secret.splitlines() if ln.strip()]
    if len(lines) < 2 or len(secret.strip()) < MIN_SECRET_LENGTH:
        return []
    out = []
    for esc in LINE_ESCAPERS:
        parts = [esc(ln) for ln in lines]
        out.append((max(parts, key=len), _LINE_BREAK.join(re.escape(p) for p in parts)))
    return sorted(set(out))


@lru_cache(maxsize=256)
def _pattern(forms: tuple[str, ...], flexible: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join([*(re.escape(f) for f in forms), *flexible]))


class Scrubber:
    """Masks vault values (and their escaped forms) in strings and parsed data.

    ``Scrubber(secrets)`` masks the secrets of at least :data:`MIN_SECRET_LENGTH` characters
    wherever they occur; :attr:`too_short` counts the others, which are masked only where they
    stand alone (see the module docstring).
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = {s for s in secrets if isinstance(s, str) and s}
        self.too_short = sorted(len(s) for s in values if len(s.strip()) < MIN_SECRET_LENGTH)
        # (probe, forms): a text without the probe holds none of the forms (a quick pre-check)
        groups: dict[str, set[str]] = {}
        flexible: set[tuple[str, str]] = set()
        for s in values:
            for base in _bases(s):
                groups.setdefault(probe(base), set()).update(_forms_of(base))
            flexible |= set(line_patterns(s))
        self.forms: tuple[str, ...] = tuple(sorted(set().union(*groups.values()), key=lambda f: (-len(f), f)))
        self._groups = tuple((p, tuple(fs)) for p, fs in sorted(groups.items()))
        self.flexible: tuple[tuple[str, str], ...] = tuple(sorted(flexible, key=lambda p: -len(p[1])))
        short = set().union(*(_short_forms(s) for s in values if len(s.strip()) < MIN_SECRET_LENGTH))
        self.short_forms: tuple[str, ...] = tuple(sorted(short, key=lambda f: (-len(f), f)))
        self._short = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in self.short_forms) + r")(?!\w)")
            if short
            else None
        )

    def __bool__(self) -> bool:
        return bool(self.forms or self.short_forms)

    def _present(self, value: str) -> tuple[str, ...]:
        found = [f for p, fs in self._groups if p in value for f in fs if f in value]
        # longest first: a secret inside a longer form is masked with the longer form
        return tuple(sorted(set(found), key=lambda f: (-len(f), f)))

    def text(self, value: str) -> str:
        """Return ``value`` (plain text) with every form of every secret replaced by ``********``."""
        if not self or not value:
            return value
        flexible = tuple(rx for anchor, rx in self.flexible if anchor in value)
        if flexible:  # multi-line matches first: the literal forms would cut them into pieces
            value = _pattern((), flexible).sub(REDACTED, value)
        present = self._present(value)
        if present:
            value = _pattern(present, ()).sub(REDACTED, value)
        if self._short is not None and any(f in value for f in self.short_forms):
            value = self._short.sub(REDACTED, value)
        return value

    def data(self, value: Any) -> Any:
        """Return a copy of parsed data (dicts, lists, tuples, strings) with every string value
        and key scrubbed with :meth:`text`; other values are returned as they are."""
        if not self:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {(self.text(k) if isinstance(k, str) else k): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value

    def json_text(self, text: str) -> str:
        """Given serialized JSON, return it parsed, scrubbed with :meth:`data` and serialized
        again (never edited as text). Text that is not JSON (a file cut short by a crash) is
        scrubbed as plain text with every form."""
        if not self:
            return text
        try:
            parsed = json.loads(text)
        except ValueError:
            return self.text(text)
        return json.dumps(self.data(parsed), ensure_ascii=False, sort_keys=True)

    def findings(self) -> list[dict[str, Any]]:
        """Return the warning findings every record of a run carries when vault values were too
        short to mask (empty otherwise). The message names lengths, never values."""
        if not self.too_short:
            return []
        lengths = ", ".join(str(n) for n in self.too_short)
        return [
            {
                "host": "controller",
                "severity": "warning",
                "code": "vault_value_too_short",
                "message": (
                    f"{len(self.too_short)} vault value(s) shorter than {MIN_SECRET_LENGTH} characters "
                    f"(length {lengths}) are masked only where they stand alone, not inside other "
                    "words; use longer secrets, or move values that are not secret out of the vault"
                ),
                "incident": False,
            }
        ]
