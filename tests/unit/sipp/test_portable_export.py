"""The SIPP-2 portable export helper, run here for real (a tmpfs "removable disk" in a private
mount namespace, a stand-in mariadb-dump): encrypted with age to the recipients, manifest signed
with ssh-keygen -Y; decrypts with the recipient's key and not without it; a changed byte fails
the manifest, a changed manifest fails its signature. The molecule scenario sipp_backup does the
same on the SIPP stand-in and restores the dump into a scratch database."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
HELPER = REPO / "roles" / "sipp_backup" / "files" / "sipp-portable-export"
PREFIX = "SIPP-PNTest"
DAY = "2030-01-01"
NAME = f"{PREFIX}-{DAY}"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(t) for t in ("age", "age-keygen", "unshare", "ssh-keygen")),
    reason="needs root (a tmpfs in a private mount namespace), age and ssh-keygen (./court setup)",
)


def _run(args: list[str], check: bool = False, **kw: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, capture_output=True, check=check, **kw)  # type: ignore[call-overload,no-any-return]


def _export(tmp: Path, *extra: str) -> tuple[subprocess.CompletedProcess[bytes], Path]:
    """Run the helper with the disk stand-in mounted; return its result and a copy of the disk."""
    media, copy = tmp / "media", tmp / f"disk-copy{len(list(tmp.glob('disk-copy*')))}"
    media.mkdir(exist_ok=True)
    copy.mkdir()
    args = [str(HELPER), "export", "--prefix", PREFIX, "--dir", str(media), "--db", "sipp",
            "--app", str(tmp / "www" / "SIPP"), "--date", DAY, "--need", "0", *extra]  # fmt: skip
    script = (
        'mount -t tmpfs -o size=16m disk "$1" && shift 2 && "$@"; rc=$?; cp -a "$MEDIA/." "$COPY/"; exit $rc'
    )
    env = dict(os.environ, PATH=f"{tmp / 'bin'}:{os.environ['PATH']}", MEDIA=str(media), COPY=str(copy))
    res = _run(
        ["unshare", "-m", "--propagation", "private", "bash", "-c", script, "_", str(media), "--", *args],
        env=env,
    )
    return res, copy / NAME


@pytest.fixture
def court(tmp_path: Path) -> Path:
    (tmp_path / "bin").mkdir()
    dump = tmp_path / "bin" / "mariadb-dump"
    dump.write_text(
        "#!/bin/sh\necho 'CREATE TABLE `perkara` (id int);'\n"
        "echo \"INSERT INTO pihak VALUES (1, 'Siti Aminah binti Fulan', 'Jl. Merdeka 1');\"\n"
    )
    dump.chmod(0o755)
    docs = tmp_path / "www" / "SIPP" / "uploads"
    docs.mkdir(parents=True)
    (docs / "putusan-1.pdf").write_bytes(b"%PDF-1.4 putusan Siti Aminah")
    _run(["age-keygen", "-o", str(tmp_path / "ma-identity.txt")], check=True)
    _run(["age-keygen", "-o", str(tmp_path / "other-identity.txt")], check=True)
    pub = _run(["age-keygen", "-y", str(tmp_path / "ma-identity.txt")], check=True).stdout
    (tmp_path / "recipients").write_bytes(pub)
    _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "signing-key")], check=True)
    return tmp_path


def _verify_signature(export: Path) -> subprocess.CompletedProcess[bytes]:
    with (export / "SHA256SUMS").open("rb") as manifest:
        return _run(
            ["ssh-keygen", "-Y", "verify", "-f", str(export / "allowed_signers"), "-I", PREFIX,
             "-n", "sipp-export", "-s", str(export / "SHA256SUMS.sig")],
            stdin=manifest,
        )  # fmt: skip


def test_encrypted_export_opens_only_with_the_recipient_key(court: Path) -> None:
    res, export = _export(
        court, "--recipients", str(court / "recipients"), "--sign-key", str(court / "signing-key")
    )
    assert res.returncode == 0, res.stderr.decode()
    assert sorted(p.name for p in export.iterdir()) == sorted(
        [
            f"{NAME}-database.sql.gz.age",
            f"{NAME}-files.tar.gz.age",
            "SHA256SUMS",
            "SHA256SUMS.sig",
            "allowed_signers",
        ]
    )
    db = export / f"{NAME}-database.sql.gz.age"
    assert b"Siti Aminah" not in db.read_bytes() and not db.read_bytes().startswith(b"\x1f\x8b")
    # with Mahkamah Agung's key: the dump and the files come back
    plain = _run(["age", "-d", "-i", str(court / "ma-identity.txt"), str(db)], check=True).stdout
    assert b"CREATE TABLE `perkara`" in gzip.decompress(plain)
    files = _run(
        ["age", "-d", "-i", str(court / "ma-identity.txt"), str(export / f"{NAME}-files.tar.gz.age")]
    )
    (court / "files.tar.gz").write_bytes(files.stdout)
    with tarfile.open(court / "files.tar.gz") as tar:
        assert "SIPP/uploads/putusan-1.pdf" in tar.getnames()
    # with any other key: it does not open
    other = _run(["age", "-d", "-i", str(court / "other-identity.txt"), str(db)])
    assert other.returncode != 0 and b"no identity matched" in other.stderr
    # manifest and signature hold
    assert _run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=export).returncode == 0
    assert _verify_signature(export).returncode == 0


def test_a_changed_byte_fails_the_manifest_and_a_changed_manifest_its_signature(court: Path) -> None:
    res, export = _export(
        court, "--recipients", str(court / "recipients"), "--sign-key", str(court / "signing-key")
    )
    assert res.returncode == 0, res.stderr.decode()
    db = export / f"{NAME}-database.sql.gz.age"
    data = bytearray(db.read_bytes())
    data[len(data) // 2] ^= 0x01
    db.write_bytes(bytes(data))
    assert _run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=export).returncode != 0
    # whoever changed the file rewrites the manifest to match: the signature no longer does
    new_sum = _run(["sha256sum", db.name], cwd=export, check=True).stdout.decode().split()[0]
    lines = (export / "SHA256SUMS").read_text().splitlines()
    lines = [f"{new_sum}  {db.name}" if ln.endswith(db.name) else ln for ln in lines]
    (export / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    assert _run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=export).returncode == 0
    assert _verify_signature(export).returncode != 0
    # and age's own authentication refuses the changed file even with the right key
    assert _run(["age", "-d", "-i", str(court / "ma-identity.txt"), str(db)]).returncode != 0


def test_plain_export_when_encryption_is_off(court: Path) -> None:
    res, export = _export(court, "--sign-key", str(court / "signing-key"))
    assert res.returncode == 0, res.stderr.decode()
    db = export / f"{NAME}-database.sql.gz"
    assert b"Siti Aminah" in gzip.decompress(db.read_bytes())
    assert _verify_signature(export).returncode == 0


def test_missing_recipients_file_is_one_line_and_writes_nothing(court: Path) -> None:
    res, export = _export(court, "--recipients", str(court / "nope"))
    assert res.returncode == 2
    assert res.stderr.decode().strip().splitlines() == [
        f"sipp-portable-export: recipients file {court / 'nope'} is missing or empty"
    ]
    assert not export.exists() and not any(export.parent.iterdir())
