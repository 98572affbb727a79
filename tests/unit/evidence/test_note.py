"""C2SP signed notes, checkpoints and cosignatures: the Go reference example (key, key ID,
signature byte for byte), round trips, and tampered notes refused."""

from __future__ import annotations

import base64

import pytest

from sop_runner.evidence.checkpoint import (
    Checkpoint,
    cosign,
    cosignature_time,
    open_checkpoint,
    sign_checkpoint,
)
from sop_runner.evidence.note import (
    ALG_COSIGNATURE_V1,
    NoteError,
    Signer,
    Verifier,
    key_id,
    parse_note,
    sign_note,
)

# The example of golang.org/x/mod/sumdb/note (the reference implementation of the format).
VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
SIG = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
SIGNED = TEXT + "\n— PeterNeumann " + SIG + "\n"


def test_the_reference_key_and_signature_are_reproduced_byte_for_byte() -> None:
    signer = Signer.parse(SKEY)
    assert signer.skey == SKEY
    assert signer.verifier.vkey == VKEY
    assert Verifier.parse(VKEY) == signer.verifier
    assert sign_note(TEXT, signer).render() == SIGNED
    assert parse_note(SIGNED).verify(Verifier.parse(VKEY)).name == "PeterNeumann"


@pytest.mark.parametrize(
    "bad",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong key id
        "PeterNeumann+c74f20a3+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # unknown type
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",  # truncated
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # space in name
        "PeterNeumann+c74f20a3",
    ],
)
def test_mangled_verifier_keys_are_refused(bad: str) -> None:
    with pytest.raises(NoteError):
        Verifier.parse(bad)


def test_a_changed_byte_anywhere_in_the_text_fails_verification() -> None:
    v = Verifier.parse(VKEY)
    for i in range(len(TEXT) - 1):
        if TEXT[i] == "\n":
            continue
        changed = TEXT[:i] + chr(ord(TEXT[i]) ^ 1) + TEXT[i + 1 :]
        note = parse_note(SIGNED.replace(TEXT, changed, 1))
        with pytest.raises(NoteError, match="does not match"):
            note.verify(v)


@pytest.mark.parametrize(
    "bad",
    [
        TEXT,  # no signatures
        TEXT + "\n— PeterNeumann !!!notbase64\n",
        TEXT + "\n- PeterNeumann " + SIG + "\n",  # hyphen, not the em dash
        SIGNED[:-1],  # no final newline
    ],
)
def test_malformed_notes_are_refused(bad: str) -> None:
    with pytest.raises(NoteError):
        parse_note(bad)


def test_a_note_signed_by_another_key_of_the_same_name_is_refused() -> None:
    other = Signer.generate("PeterNeumann")
    note = sign_note(TEXT, other)
    with pytest.raises(NoteError, match="no signature"):
        note.verify(Verifier.parse(VKEY))


def test_a_checkpoint_round_trips_and_rejects_a_tampered_size_or_root() -> None:
    court = Signer.generate("sop.example/court/PN-Jakarta-Pusat")
    cp = Checkpoint(court.name, 1234, bytes(range(32)))
    text = sign_checkpoint(cp, court).render()
    assert text.splitlines()[:3] == [court.name, "1234", base64.b64encode(bytes(range(32))).decode()]
    got, _ = open_checkpoint(text, court.verifier)
    assert got == cp
    with pytest.raises(NoteError, match="does not match"):
        open_checkpoint(text.replace("\n1234\n", "\n1235\n"), court.verifier)
    with pytest.raises(NoteError, match="does not match"):
        open_checkpoint(text.replace("AAECAwQF", "AAECAwQG"), court.verifier)
    with pytest.raises(NoteError, match="no signature"):
        open_checkpoint(text, Signer.generate(court.name).verifier)


@pytest.mark.parametrize(
    "text",
    ["o\n12\n", "o\n012\nAAAA\n", "o\nx\nAAAA\n", "o\n1\nAAAA\n", "\n1\n" + "A" * 43 + "=\n"],
)
def test_malformed_checkpoint_texts_are_refused(text: str) -> None:
    with pytest.raises(NoteError, match="checkpoint"):
        Checkpoint.from_text(text)


def test_a_cosignature_follows_tlog_cosignature_v1_and_verifies() -> None:
    court = Signer.generate("court.example/a")
    witness = Signer.generate("witness.example/w1", ALG_COSIGNATURE_V1)
    assert witness.verifier.key_id == key_id(witness.name, 0x04, witness.verifier.public)
    note = sign_checkpoint(Checkpoint(court.name, 7, b"\x01" * 32), court)
    sig = cosign(note, witness, 1679315147)
    assert cosignature_time(sig) == 1679315147
    assert len(sig.signature) == 8 + 64
    both = note.with_signature(sig)
    reparsed = parse_note(both.render())
    reparsed.verify(court.verifier)
    reparsed.verify(witness.verifier)
    assert Verifier.parse(witness.verifier.vkey) == witness.verifier
    # the witness signed "cosignature/v1\ntime T\n" + text: a different time does not verify
    forged = reparsed.signature_by(witness.verifier)
    assert forged is not None
    moved = forged.__class__(
        forged.name, forged.key_id, (1679315148).to_bytes(8, "big") + forged.signature[8:]
    )
    with pytest.raises(NoteError, match="does not match"):
        reparsed.with_signature(moved).verify(witness.verifier)


def test_only_a_cosigner_key_can_cosign() -> None:
    court = Signer.generate("court.example/a")
    note = sign_checkpoint(Checkpoint(court.name, 1, b"\x01" * 32), court)
    with pytest.raises(NoteError, match="not a cosigner key"):
        cosign(note, court, 1)
