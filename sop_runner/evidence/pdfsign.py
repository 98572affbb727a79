"""The monthly report signed by the court: a PDF signature (PAdES, pyHanko) made with the
court's Ed25519 key, over the whole file and the checkpoint embedded in it.

What the signature carries:

- the court key itself, in a self-signed X.509 certificate (CN = the key's name). The trust
  anchor is not a certificate authority but the court key the auditor (and the witness) already
  holds: ``court.pub``. :func:`verify_report` checks that the certificate's public key *is* that
  key, so a certificate made for another key never passes;
- the checkpoint the report prints (the signed note of the court, with the witness's
  cosignature when there is one), as the embedded file ``checkpoint.txt``. It is covered by the
  PDF signature and checked on its own with the court key (and the witness key when given).

One changed byte anywhere in the file, a second revision added after signing, another key, or a
checkpoint that does not verify -> :class:`~sop_runner.evidence.EvidenceError` with one line.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sop_runner import private
from sop_runner.evidence import EvidenceError
from sop_runner.evidence.checkpoint import open_checkpoint
from sop_runner.evidence.note import ALG_ED25519, NoteError, Signer, Verifier

CHECKPOINT_FILE = "checkpoint.txt"
FIELD = "TandaTanganPengadilan"


@dataclass(frozen=True)
class ReportSignature:
    """What :func:`verify_report` established."""

    key_name: str
    signed_at: dt.datetime | None
    origin: str | None
    size: int | None
    #: witness keys given and checked on the embedded checkpoint
    witnessed_by: tuple[str, ...]
    #: further signature lines on the checkpoint whose keys were not given (not checked)
    unchecked: tuple[str, ...]


def _certificate(signer: Signer) -> tuple[bytes, bytes]:
    """Return (certificate DER, PKCS#8 private key DER) for the court key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import NameOID

    key = signer.private_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, signer.name[:64])])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), True)
        .sign(key, None)
    )
    return (
        cert.public_bytes(serialization.Encoding.DER),
        key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


def sign_report(pdf: Path, signer: Signer, checkpoint_note: str | None) -> Path:
    """Given a PDF just printed, the court key and the checkpoint note the report prints, embed
    the note and sign the file in place (atomically: a crash leaves the unsigned file whole).
    Raise :class:`EvidenceError` when the PDF cannot be read."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils import embed
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert_der, key_der = _certificate(signer)
    signer_obj = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert_der),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore(),
    )
    try:
        with pdf.open("rb") as src:
            writer = IncrementalPdfFileWriter(src)
            if checkpoint_note:
                data = embed.EmbeddedFileObject.from_file_data(
                    writer, checkpoint_note.encode("utf-8"), mime_type="text/plain"
                )
                spec = embed.FileSpec(
                    file_spec_string=CHECKPOINT_FILE,
                    embedded_data=data,
                    description="Checkpoint log catatan pemeliharaan (C2SP signed note)",
                )
                embed.embed_file(writer, spec)
            meta = signers.PdfSignatureMetadata(
                field_name=FIELD, reason="Laporan bulanan pemeliharaan, ditandatangani kunci pengadilan"
            )
            out = signers.sign_pdf(writer, meta, signer=signer_obj, output=io.BytesIO())
        private.write_atomic(pdf, out.getvalue())
    except (OSError, PdfError) as exc:
        raise EvidenceError(f"report {pdf}: cannot sign ({exc})") from None
    return pdf


def _embedded_checkpoint(reader: object) -> str | None:
    from pyhanko.pdf_utils.generic import NameObject

    root = reader.root  # type: ignore[attr-defined]
    try:
        names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    except KeyError:
        return None
    for i in range(0, len(names), 2):
        if str(names[i]) == CHECKPOINT_FILE:
            spec = names[i + 1].get_object()
            stream = spec["/EF"][NameObject("/F")].get_object()
            data: bytes = stream.data
            return data.decode("utf-8")
    return None


def verify_report(pdf: Path, courts: Sequence[Verifier], witness: Verifier | None = None) -> ReportSignature:
    """Given a signed report and the court's public keys (current and retired), return what the
    signature establishes; raise :class:`EvidenceError` with one line when the file is not signed,
    was changed after signing, is signed by another key, or carries a checkpoint that does not
    verify (with the witness key too, when given)."""
    from asn1crypto import keys as asn1_keys
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.general import CMSExtractionError, CMSStructuralError
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    for name in ("pyhanko", "pyhanko_certvalidator"):  # failures are reported as one line below
        logging.getLogger(name).setLevel(logging.CRITICAL)

    try:
        data = pdf.read_bytes()
    except OSError as exc:
        raise EvidenceError(f"report {pdf}: cannot read ({exc.strerror or exc})") from None
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise EvidenceError(f"report {pdf}: not a readable PDF ({exc})") from None
    if not sigs:
        raise EvidenceError(f"report {pdf}: not signed")
    if len(sigs) != 1:
        raise EvidenceError(f"report {pdf}: {len(sigs)} signatures; a court report carries exactly one")
    sig = sigs[0]
    try:
        # the certificate is the court key's own, self-signed: it is its own trust root here, and
        # whether it is the court's key is decided below against court.pub, not by a CA
        context = ValidationContext(trust_roots=[sig.signer_cert])
        status = validate_pdf_signature(sig, signer_validation_context=context)
    except (
        SignatureValidationError,
        CMSExtractionError,
        CMSStructuralError,
        ValueError,
        KeyError,
        TypeError,
    ) as exc:
        raise EvidenceError(f"report {pdf}: the signature does not verify ({exc})") from None
    if not (status.intact and status.valid):
        raise EvidenceError(f"report {pdf}: changed after it was signed (the signature does not match)")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        how = status.coverage.name if status.coverage else "unknown"
        raise EvidenceError(f"report {pdf}: content was added after the signature ({how})")
    pub = asn1_keys.PublicKeyInfo.load(sig.signer_cert.public_key.dump())
    if pub.algorithm != "ed25519":
        raise EvidenceError(f"report {pdf}: signed with a {pub.algorithm} key, not the court's Ed25519 key")
    raw = bytes(pub["public_key"])
    court = next((c for c in courts if c.alg == ALG_ED25519 and c.public == raw), None)
    if court is None:
        names = ", ".join(c.name for c in courts) or "none given"
        raise EvidenceError(f"report {pdf}: signed by a key that is not the court's ({names})")
    note_text = _embedded_checkpoint(reader)
    origin = size = None
    witnessed: tuple[str, ...] = ()
    unchecked: tuple[str, ...] = ()
    if note_text is not None:
        try:
            cp, note = open_checkpoint(note_text, court)
            if witness is not None:
                note.verify(witness)
                witnessed = (witness.name,)
        except (EvidenceError, NoteError) as exc:
            raise EvidenceError(f"report {pdf}: the embedded checkpoint does not verify ({exc})") from None
        origin, size = cp.origin, cp.size
        unchecked = tuple(s.name for s in note.signatures if s.name not in (court.name, *witnessed))
    return ReportSignature(court.name, status.signer_reported_dt, origin, size, witnessed, unchecked)
