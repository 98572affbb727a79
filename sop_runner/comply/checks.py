"""What "compliant" means, once: the checks behind the compliance controls.

Each function takes a testinfra host (or plain values read beside it) and what the role is
configured to do, reads the state with read-only commands, and raises ``AssertionError`` with one
line naming what is wrong (the pytest report and the record's finding carry it). The suite in
:mod:`sop_runner.comply.suite` and the molecule verify steps call the same functions, so a
molecule scenario and ``sop comply`` cannot disagree about a host.

Read-only: ``nft list``, ``sshd -T``, ``fail2ban-client status``, ``systemctl is-active``,
``find``/``stat``, ``dpkg-query``, ``apt-get -s``, ``restic --no-lock --no-cache snapshots``;
nothing here writes on a host.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sop_runner.records import Record, RecordStore


class Host(Protocol):
    """The part of a testinfra host the checks use."""

    def run(self, command: str, *args: str, **kwargs: Any) -> Any: ...

    def check_output(self, command: str, *args: str, **kwargs: Any) -> str: ...


def output(host: Host, command: str, *args: str) -> str:
    """Run a read-only command; return its stdout. Raise AssertionError naming the command and
    its error when it fails."""
    res = host.run(command, *args)
    if res.rc != 0:
        shown = command % tuple(args) if args else command
        detail = " ".join(str(res.stderr or res.stdout or "").split())[:160]
        raise AssertionError(f"'{shown}' failed (exit {res.rc}): {detail}")
    return str(res.stdout)


# --- D.5 firewall ------------------------------------------------------------------------------

FIREWALL_TABLE = "inet court_filter"
_BASE_ACCEPTS = ("ct state established", 'iif "lo"', "meta l4proto")


def _nft_table(host: Host, table: str) -> str:
    res = host.run("nft list table %s", table)
    assert res.rc == 0, f"nftables table {table} is not loaded ({(res.stderr or '').strip()[:120]})"
    return str(res.stdout)


def firewall_default_deny(host: Host, table: str = FIREWALL_TABLE) -> None:
    """The court's nftables table is loaded and its input chain drops what no rule accepts."""
    listing = _nft_table(host, table)
    assert "hook input" in listing, f"nftables table {table} has no input chain"
    assert re.search(r"hook input priority \S+; policy drop;", listing), (
        f"input policy of {table} is not drop (default-deny lost)"
    )


def _networks(text: str) -> set[str]:
    """Given the saddr part of an nft rule (``10.0.0.0/8`` or ``{ a, b }``), return the networks."""
    items = [t.strip() for t in text.strip().strip("{}").split(",") if t.strip()]
    out = set()
    for item in items:
        try:
            out.add(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            out.add(item)
    return out


def firewall_allow_list(
    host: Host,
    admin_networks: Iterable[str],
    ssh_port: int = 22,
    open_to_any: Iterable[int] = (),
    table: str = FIREWALL_TABLE,
) -> None:
    """SSH is accepted from exactly the management networks, and no rule accepts from anywhere
    except for the ports the role opens to everyone on this host (``open_to_any``)."""
    listing = _nft_table(host, table)
    wanted = {str(ipaddress.ip_network(n, strict=False)) for n in admin_networks}
    seen: set[str] = set()
    public = {int(p) for p in open_to_any}
    for raw in listing.splitlines():
        line = raw.strip()
        if not (line.endswith("accept") or " accept comment" in line):
            continue
        if line.startswith(_BASE_ACCEPTS):
            continue
        m = re.search(r"saddr (\{[^}]*\}|\S+)", line)
        if 'comment "ssh-admin"' in line:
            assert m, f"SSH is accepted from anywhere, not only the management networks: {line}"
            seen |= _networks(m.group(1))
            continue
        if m:
            continue
        ports = {int(p) for p in re.findall(r"\d+", (re.search(r"dport (\{[^}]*\}|\S+)", line) or [""])[0])}
        stray = ports - public if ports else {"all ports"}
        assert not stray, f"rule accepts from anywhere (not in the role's allow-list): {line}"
    assert seen, f"no SSH management rule (ssh-admin, port {ssh_port}) in {table}"
    assert seen == wanted, (
        f"SSH management allow-list is {', '.join(sorted(seen))}, configured: {', '.join(sorted(wanted))}"
    )


# --- D.5 SSH -----------------------------------------------------------------------------------

_SAME = {"prohibit-password": "without-password"}


def sshd_effective(host: Host) -> dict[str, str]:
    """Return the daemon's effective settings (``sshd -T``), keys lowercase."""
    return dict(line.split(" ", 1) for line in output(host, "sshd -T").splitlines() if " " in line.strip())


def sshd_settings(expected: Mapping[str, str], effective: Mapping[str, str]) -> None:
    """Every expected ``sshd -T`` keyword has the expected value (lists compared in order)."""
    wrong = []
    for key, want in expected.items():
        have = effective.get(key.lower())
        norm_want = _SAME.get(str(want), str(want))
        if have is None or _SAME.get(have, have) != norm_want:
            wrong.append(f"{key} {have or '(unset)'} (expected {want})")
    assert not wrong, "sshd effective settings differ: " + "; ".join(wrong)


WEAK_ALGORITHMS = ("cbc", "3des", "arcfour", "md5", "sha1")


def sshd_hardened(host: Host, expected: Mapping[str, str] | None = None) -> None:
    """``sshd -T``: no root password login, no password/keyboard-interactive login, no X11, no
    weak cipher or MAC, and (when given) every setting the role writes."""
    cfg = sshd_effective(host)
    assert cfg.get("permitrootlogin") in ("without-password", "prohibit-password", "no"), (
        f"PermitRootLogin {cfg.get('permitrootlogin')}"
    )
    assert cfg.get("passwordauthentication") == "no", "PasswordAuthentication is not no"
    assert cfg.get("kbdinteractiveauthentication") == "no", "KbdInteractiveAuthentication is not no"
    assert cfg.get("x11forwarding") == "no", "X11Forwarding is not no"
    for alg in cfg.get("ciphers", "").split(",") + cfg.get("macs", "").split(","):
        assert not any(w in alg for w in WEAK_ALGORITHMS), f"weak algorithm offered: {alg}"
    if expected:
        sshd_settings(expected, cfg)


def sshd_expected(role: Mapping[str, Any]) -> dict[str, str]:
    """Given the ssh_hardening role's variables, return the ``sshd -T`` values it sets."""
    return {
        "permitrootlogin": str(role["ssh_hardening_permit_root_login"]),
        "passwordauthentication": "yes" if role["ssh_hardening_password_authentication"] else "no",
        "kbdinteractiveauthentication": "no",
        "permitemptypasswords": "no",
        "pubkeyauthentication": "yes",
        "ciphers": ",".join(role["ssh_hardening_ciphers"]),
        "macs": ",".join(role["ssh_hardening_macs"]),
        "kexalgorithms": ",".join(role["ssh_hardening_kex_algorithms"]),
        "maxauthtries": str(role["ssh_hardening_max_auth_tries"]),
        "logingracetime": str(role["ssh_hardening_login_grace_time"]),
        "x11forwarding": "yes" if role["ssh_hardening_x11_forwarding"] else "no",
    }


# --- D.5 fail2ban ------------------------------------------------------------------------------


def fail2ban_jails(host: Host, jails: Iterable[str]) -> None:
    """fail2ban runs and every court jail expected on this host is active."""
    assert host.run("systemctl is-active --quiet fail2ban").rc == 0, "fail2ban is not running"
    res = host.run("fail2ban-client status")
    assert res.rc == 0, f"fail2ban does not answer ({(res.stderr or res.stdout or '').strip()[:120]})"
    m = re.search(r"Jail list:\s*(.*)", str(res.stdout))
    active = {j.strip() for j in (m.group(1) if m else "").split(",") if j.strip()}
    missing = sorted(set(jails) - active)
    assert not missing, f"fail2ban jail(s) not active: {', '.join(missing)}"


def fail2ban_expected_jails(role: Mapping[str, Any], access_log: bool, error_log: bool) -> list[str]:
    """Given the fail2ban role's variables and whether the Apache logs exist on the host, return
    the jails the role enables there."""
    jails = []
    if role["fail2ban_sshd_enabled"]:
        jails.append("sshd")
    if role["fail2ban_apache_auth_enabled"] and error_log:
        jails.append("apache-auth")
    if role["fail2ban_web_probe_enabled"] and access_log:
        jails.append("court-web-probe")
    if role["fail2ban_web_login_enabled"] and access_log:
        jails.append("court-web-login")
    return jails


# --- D.5 ClamAV --------------------------------------------------------------------------------

CLAMAV_TIMERS = ("court-freshclam.timer", "court-clamscan.timer")


def clamav_scheduled(host: Host, units: Sequence[str] = CLAMAV_TIMERS) -> None:
    """The signature update and the scan are scheduled (their timers active): the role runs
    clamscan from a timer, not a resident clamd."""
    idle = [u for u in units if host.run("systemctl is-active --quiet %s", u).rc != 0]
    assert not idle, f"ClamAV timer(s) not active: {', '.join(idle)}"


def clamav_signature_age(host: Host, database_dir: str, report_dir: str, now: datetime) -> timedelta:
    """Return the age of the newest signature update: the last successful update (the role
    touches ``last-update-ok`` even when the mirror had nothing new) or the newest database file.
    Raise AssertionError when there is neither."""
    res = host.run(
        "find %s %s -maxdepth 1 -type f \\( -name %s -o -name %s -o -name %s -o -name %s \\) "
        "-printf '%%T@\\n'",
        database_dir,
        report_dir,
        "*.cvd",
        "*.cld",
        "*.hdb",
        "last-update-ok",
    )
    stamps = [float(x) for x in str(res.stdout).split() if re.fullmatch(r"[0-9.]+", x)]
    assert stamps, f"no ClamAV signature database in {database_dir}"
    return now - datetime.fromtimestamp(max(stamps), tz=UTC)


def clamav_signatures_fresh(age: timedelta, max_days: float) -> None:
    """The newest signature update is at most ``max_days`` old."""
    assert age <= timedelta(days=max_days), (
        f"ClamAV signatures are {_days(age)} old (at most {max_days:g} days allowed)"
    )


# --- SIPP-2 / F.2 restic -----------------------------------------------------------------------


@dataclass(frozen=True)
class ResticRepo:
    """How the backup source host reaches its restic repository (as restic_backup does)."""

    repository: str
    password: str
    sftp_command: str = ""

    def argv(self, *args: str) -> list[str]:
        """Return a read-only restic command line (no lock, no cache) for ``args``."""
        opts = ["-o", f"sftp.command={self.sftp_command}"] if self.sftp_command else []
        return ["restic", "-r", self.repository, *opts, "--no-lock", "--no-cache", *args]


def restic_sftp_repo(
    *, user: str, host: str, port: int, path: str, key: str, known_hosts: str, password: str
) -> ResticRepo:
    """Return the ResticRepo the restic_backup role uses for an SFTP repository."""
    ssh = (
        f"ssh -i {key} -p {port} -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes "
        f"-o UserKnownHostsFile={known_hosts} {user}@{host} -s sftp"
    )
    return ResticRepo(f"sftp:{user}@{host}:{path}", password, ssh)


def _restic(host: Host, repo: ResticRepo, *args: str) -> Any:
    argv = ["env", f"RESTIC_PASSWORD={repo.password}", *repo.argv(*args)]
    return host.run(" ".join(shlex.quote(a) for a in argv))


def _clean(text: str, repo: ResticRepo) -> str:
    out = " ".join(str(text or "").split())[-200:]
    return out.replace(repo.password, "********") if repo.password else out


def restic_readable(host: Host, repo: ResticRepo) -> None:
    """The repository opens with the configured password (its config decrypts)."""
    res = _restic(host, repo, "cat", "config")
    assert res.rc == 0, f"restic repository {repo.repository} cannot be read: {_clean(res.stderr, repo)}"
    assert '"id"' in str(res.stdout), f"restic repository {repo.repository}: config has no id"


def restic_newest(host: Host, repo: ResticRepo, tag: str) -> dict[str, datetime]:
    """Return the newest snapshot time per source (``source:<name>`` tag) of the data set ``tag``."""
    res = _restic(host, repo, "snapshots", "--json", "--tag", tag)
    assert res.rc == 0, f"restic snapshots of {repo.repository} cannot be listed: {_clean(res.stderr, repo)}"
    newest: dict[str, datetime] = {}
    for snap in json.loads(str(res.stdout) or "[]") or []:
        when = parse_restic_time(str(snap.get("time", "")))
        for t in snap.get("tags") or []:
            if t.startswith("source:"):
                name = t.split(":", 1)[1]
                if name not in newest or when > newest[name]:
                    newest[name] = when
    return newest


def parse_restic_time(text: str) -> datetime:
    """Given restic's time (nanoseconds, offset), return an aware datetime."""
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text.strip())
    if not m:
        raise AssertionError(f"restic snapshot time {text!r} not understood")
    frac = (m.group(2) or ".0")[:7]
    return datetime.fromisoformat(m.group(1) + frac + m.group(3).replace("Z", "+00:00"))


def snapshots_fresh(
    newest: Mapping[str, datetime], sources: Iterable[str], max_age: timedelta, now: datetime
) -> None:
    """Every source has a snapshot younger than ``max_age``."""
    problems = []
    for name in sources:
        when = newest.get(name)
        if when is None:
            problems.append(f"{name}: no snapshot")
        elif now - when > max_age:
            problems.append(f"{name}: newest snapshot {_days(now - when)} old")
    assert not problems, "backup older than schedule + grace (" + _days(max_age) + "): " + "; ".join(problems)


def portable_export_fresh(
    host: Host, media_dir: str, prefix: str, max_age: timedelta, today: datetime
) -> None:
    """On mounted removable media, the newest complete export ``<prefix>-YYYY-MM-DD`` (with its
    SHA256SUMS) is from a day within ``max_age`` of ``today`` (court time zone)."""
    res = host.run("find %s -mindepth 2 -maxdepth 2 -name SHA256SUMS -path %s", media_dir, f"*/{prefix}-*")
    days = []
    for line in str(res.stdout).splitlines():
        m = re.search(re.escape(prefix) + r"-(\d{4}-\d\d-\d\d)/SHA256SUMS$", line.strip())
        if m:
            days.append(datetime.strptime(m.group(1), "%Y-%m-%d").date())
    assert days, f"no complete portable export {prefix}-YYYY-MM-DD on the removable disk {media_dir}"
    newest = max(days)
    age = timedelta(days=(today.date() - newest).days)
    assert age <= max_age, f"newest portable export {prefix}-{newest} is {age.days} day(s) old"


# --- records (D.7, C.2) -------------------------------------------------------------------------


def newest_ok(store: RecordStore | None, activity_id: str, host: str) -> Record | None:
    """Return the newest non-check record of an activity in which ``host`` was ok (or None)."""
    if store is None:
        return None
    for rec in store.iter_records(activity_id=activity_id, include_check=False, newest_first=True):
        if rec.status in ("successful", "partial") and rec.hosts.get(host, {}).get("status") == "ok":
            return rec
    return None


def record_within(when: datetime | None, max_age: timedelta, now: datetime, what: str, activity: str) -> None:
    """The newest successful record of ``what`` is at most ``max_age`` old."""
    assert when is not None, f"no successful {what} in the records (run: sop run {activity})"
    assert now - when <= max_age, (
        f"last successful {what} {when.astimezone(UTC):%Y-%m-%d %H:%M} UTC is {_days(now - when)} old "
        f"(period + grace {_days(max_age)})"
    )


# --- D.4 ---------------------------------------------------------------------------------------

_INST = re.compile(r"^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) ([^)]*)\)")


def pending_security_updates(host: Host) -> list[str]:
    """Return the packages with a pending update from a security origin (``apt-get -s``; reads
    the package lists as they are, never updates them, takes no lock, writes no cache file)."""
    res = host.run(
        "apt-get -s -o Debug::NoLocking=true -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= "
        "dist-upgrade"
    )
    assert res.rc == 0, f"apt-get -s failed: {' '.join(str(res.stderr).split())[:160]}"
    out = []
    for line in str(res.stdout).splitlines():
        m = _INST.match(line)
        if m and "security" in m.group(3).lower():
            out.append(m.group(1))
    return sorted(set(out))


def security_updates_timely(pending_since: Mapping[str, datetime], max_days: float, now: datetime) -> None:
    """No security update has been pending for more than ``max_days``."""
    late = sorted(
        f"{pkg} (since {since:%Y-%m-%d})"
        for pkg, since in pending_since.items()
        if now - since > timedelta(days=max_days)
    )
    assert not late, f"security update(s) pending longer than {max_days:g} days: {', '.join(late)}"


def lynis_index(host: Host, report: str, now: datetime) -> tuple[int, timedelta]:
    """Return the hardening index of the Lynis report and the report's age."""
    f = host.run("stat -c %%Y %s", report)
    assert f.rc == 0, f"no Lynis report {report} (D.4 runs Lynis)"
    age = now - datetime.fromtimestamp(int(str(f.stdout).strip()), tz=UTC)
    res = host.run("grep -m1 ^hardening_index= %s", report)
    m = re.search(r"hardening_index=(\d+)", str(res.stdout))
    assert m, f"Lynis report {report} has no hardening_index"
    return int(m.group(1)), age


def lynis_floor(index: int, age: timedelta, floor: float, max_age_days: float) -> None:
    """The hardening index is not below the floor and the report is recent."""
    assert age <= timedelta(days=max_age_days), f"Lynis report is {_days(age)} old (D.4 runs it on day 30)"
    assert index >= floor, f"Lynis hardening index {index} below the floor {floor:g}"


# --- C.4 ---------------------------------------------------------------------------------------


def installed_packages(host: Host) -> dict[str, str]:
    """Return {package: version} of the installed packages (``dpkg-query``)."""
    out = output(host, "dpkg-query -W -f='${Package}\\t${Version}\\t${db:Status-Abbrev}\\n'")
    pkgs = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[2].strip()[:2] in ("ii", "hi"):
            pkgs[parts[0].split(":")[0]] = parts[1]
    return pkgs


def newest_inventory_snapshot(host: Host, store_dir: str) -> tuple[str, dict[str, str]]:
    """Return (month, packages) of the newest monthly snapshot the C.4 role kept on the host."""
    res = host.run("find %s -maxdepth 1 -name %s -printf '%%f\\n'", store_dir, "????-??.json")
    months = sorted(x[:-5] for x in str(res.stdout).split() if re.fullmatch(r"\d{4}-\d\d\.json", x))
    assert months, f"no software inventory snapshot in {store_dir} (run: sop run C.4)"
    data = json.loads(output(host, "cat %s", f"{store_dir}/{months[-1]}.json"))
    pkgs = data.get("packages") if isinstance(data, dict) else None
    assert isinstance(pkgs, dict), f"snapshot {months[-1]}.json has no package list"
    return months[-1], {str(k): str(v) for k, v in pkgs.items()}


def inventory_drift(before: Mapping[str, str], now: Mapping[str, str], limit: int = 8) -> list[str]:
    """Return the drift between two package lists, named (``+pkg 1.2``, ``-pkg``, ``pkg 1→2``)."""
    drift = [f"+{p} {now[p]}" for p in sorted(set(now) - set(before))]
    drift += [f"-{p}" for p in sorted(set(before) - set(now))]
    drift += [f"{p} {before[p]}→{now[p]}" for p in sorted(set(now) & set(before)) if now[p] != before[p]]
    return drift if len(drift) <= limit else [*drift[:limit], f"… {len(drift) - limit} more"]


def no_inventory_drift(month: str, drift: Sequence[str]) -> None:
    """The software on the host is what the last C.4 run recorded."""
    assert not drift, f"software changed since the C.4 inventory of {month}: {', '.join(drift)}"


def _days(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"
