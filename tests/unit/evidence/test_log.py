"""The record store as a Merkle log: checkpoints over the chain, inclusion proofs, and
verification against an older checkpoint naming the first changed record after an insider
rewrites the chain (edit + recompute), removes, reorders or cuts off records."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sop_runner.evidence import EvidenceError
from sop_runner.evidence.checkpoint import open_checkpoint
from sop_runner.evidence.keys import init_key, load_signer, load_verifier
from sop_runner.evidence.log import current_tree, prove, read_latest, verify_against, write_checkpoint
from sop_runner.evidence.merkle import leaf_hash, root_of
from sop_runner.records import GENESIS_HASH, RecordStore, _chain_hash

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _add(store: RecordStore, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        store.append_record(
            {
                "activity_id": "SIPP-2",
                "started_at": f"2026-11-{1 + i % 28:02d}T01:00:00Z",
                "ended_at": f"2026-11-{1 + i % 28:02d}T01:05:00Z",
                "status": "successful",
                "note": f"backup {i}",
            }
        )


@pytest.fixture
def store(tmp_path: Path) -> RecordStore:
    s = RecordStore(tmp_path / "records.sqlite")
    init_key(s, tmp_path / "keys", name="pn-test.example/sop", operator="tester")
    _add(s, 12)
    return s


_SWAP_8_9 = """UPDATE records SET seq = 0 WHERE seq = 8; UPDATE records SET seq = 8 WHERE seq = 9;
UPDATE records SET seq = 9 WHERE seq = 0;"""


def _rewrite(path: Path, mutate) -> None:  # type: ignore[no-untyped-def]
    """An insider with write access: change the rows, then recompute every hash and the head."""
    db = sqlite3.connect(path)
    mutate(db)
    prev = GENESIS_HASH
    rows = db.execute(
        "SELECT seq, record_id, run_id, activity_id, started_at, status, via, check_mode, body "
        "FROM records ORDER BY seq"
    ).fetchall()
    for new_seq, (seq, rid, run, act, started, status, via, chk, body) in enumerate(rows, start=1):
        digest = _chain_hash(prev, new_seq, (rid, run, act, started, status, via, chk), body)
        db.execute(
            "UPDATE records SET seq = ?, prev_hash = ?, hash = ? WHERE seq = ?", (-new_seq, prev, digest, seq)
        )
        prev = digest
    db.execute("UPDATE records SET seq = -seq")
    db.execute("UPDATE chain_head SET last_seq = ?, last_hash = ?", (len(rows), prev))
    db.commit()
    db.close()


def test_the_checkpoint_root_is_the_rfc_tree_over_the_record_hashes(
    store: RecordStore, tmp_path: Path
) -> None:
    signer = load_signer(tmp_path / "keys")
    cp, note = write_checkpoint(store, signer)
    hashes = [h for _, h in store.iter_hashes()]
    assert cp.size == 13 == len(hashes)  # the key record is #1
    assert cp.root == root_of([leaf_hash(bytes.fromhex(h)) for h in hashes])
    got, _ = open_checkpoint(read_latest(store), load_verifier(tmp_path / "keys"))
    assert got == cp
    _add(store, 5, 100)
    cp2, _ = write_checkpoint(store, signer)  # incremental: only the 5 new leaves are hashed
    assert cp2.size == 18
    assert cp2.root == root_of([leaf_hash(bytes.fromhex(h)) for _, h in store.iter_hashes()])


def test_every_record_proves_its_inclusion(store: RecordStore, tmp_path: Path) -> None:
    cp, _ = write_checkpoint(store, load_signer(tmp_path / "keys"))
    _add(store, 3, 50)  # records after the checkpoint do not change the proofs against it
    for seq in range(1, cp.size + 1):
        p = prove(store, seq, cp)
        p.check(cp)
        assert p.to_dict()["leaf_index"] == seq - 1
    with pytest.raises(EvidenceError, match="not covered"):
        prove(store, cp.size + 1, cp)


def test_an_untouched_store_and_its_later_growth_verify(store: RecordStore, tmp_path: Path) -> None:
    cp, _ = write_checkpoint(store, load_signer(tmp_path / "keys"))
    _add(store, 4, 30)
    v = verify_against(store, cp)
    assert v.ok and v.count == 17 and v.size == 13


def test_an_edited_record_with_the_chain_recomputed_is_named(store: RecordStore, tmp_path: Path) -> None:
    cp, _ = write_checkpoint(store, load_signer(tmp_path / "keys"))
    assert store.verify().ok

    def edit(db: sqlite3.Connection) -> None:
        body = db.execute("SELECT body FROM records WHERE seq = 6").fetchone()[0]
        db.execute("UPDATE records SET body = ? WHERE seq = 6", (body.replace("backup 4", "backup 4 (ok)"),))

    _rewrite(store.path, edit)
    assert store.verify().ok  # the chain alone is fooled
    v = verify_against(store, cp)
    assert not v.ok and v.first_bad == 6
    assert v.problem.startswith("record #6 (SIPP-2, ") and "not the record the checkpoint covers" in v.problem
    with pytest.raises(EvidenceError, match="no longer holds record #13"):
        write_checkpoint(store, load_signer(tmp_path / "keys"))


@pytest.mark.parametrize(
    ("mutate", "first"),
    [
        (lambda db: db.execute("DELETE FROM records WHERE seq = 4"), 4),
        (lambda db: db.executescript(_SWAP_8_9), 8),
    ],
    ids=["removed", "reordered"],
)
def test_a_removed_or_reordered_record_is_named(
    store: RecordStore, tmp_path: Path, mutate, first: int
) -> None:  # type: ignore[no-untyped-def]
    cp, _ = write_checkpoint(store, load_signer(tmp_path / "keys"))
    _rewrite(store.path, mutate)
    v = verify_against(store, cp)
    assert not v.ok and v.first_bad == first, v.problem


def test_the_newest_records_cut_off_are_detected_even_without_the_saved_tree(
    store: RecordStore, tmp_path: Path
) -> None:
    cp, _ = write_checkpoint(store, load_signer(tmp_path / "keys"))
    _rewrite(store.path, lambda db: db.execute("DELETE FROM records WHERE seq > 10"))
    (store.dir / "evidence" / "leaves.bin").unlink()
    v = verify_against(store, cp)
    assert not v.ok and v.first_bad == 11
    assert "record #11 and later are missing" in v.problem and "ends at #10" in v.problem


def test_a_rewrite_with_the_saved_tree_also_forged_is_still_refused(
    store: RecordStore, tmp_path: Path
) -> None:
    cp, _ = write_checkpoint(store, load_signer(tmp_path / "keys"))
    _rewrite(
        store.path,
        lambda db: db.execute("UPDATE records SET started_at = '2026-12-01T00:00:00Z' WHERE seq = 2"),
    )
    (store.dir / "evidence" / "leaves.bin").write_bytes(b"\0" * 32 * 13)
    v = verify_against(store, cp)
    assert not v.ok and v.first_bad is None and "cannot be named" in v.problem


def test_an_edit_without_recomputing_is_named_by_the_chain(store: RecordStore, tmp_path: Path) -> None:
    cp, _ = write_checkpoint(store, load_signer(tmp_path / "keys"))
    db = sqlite3.connect(store.path)
    db.execute("UPDATE records SET status = 'failed' WHERE seq = 3")
    db.commit()
    db.close()
    v = verify_against(store, cp)
    assert not v.ok and v.first_bad == 3 and "altered" in v.problem


def test_key_creation_and_rotation_are_records_and_the_old_key_vouches_for_the_new(
    store: RecordStore, tmp_path: Path
) -> None:
    kdir = tmp_path / "keys"
    assert (kdir / "court.key").stat().st_mode & 0o777 == 0o600
    first = store.get_record(1)
    old = load_verifier(kdir)
    assert first.activity_id == "EVIDENCE-KEY" and old.vkey in first.note
    with pytest.raises(EvidenceError, match="already exists"):
        init_key(store, kdir, name=None, operator="tester")
    change = init_key(store, kdir, name=None, operator="tester", rotate=True)
    assert change.retired == old and load_verifier(kdir) != old and load_verifier(kdir).name == old.name
    assert old.vkey in change.record.note and change.signer.verifier.vkey in change.record.note
    vouch = (kdir / "retired" / f"{old.key_id.hex()}.last.checkpoint").read_text()
    cp, _ = open_checkpoint(vouch, old)
    assert cp.size == change.record.seq  # the old key signed the tree that holds the rotation record


def test_a_key_readable_by_others_is_refused(store: RecordStore, tmp_path: Path) -> None:
    (tmp_path / "keys" / "court.key").chmod(0o644)
    with pytest.raises(EvidenceError, match="readable by others"):
        load_signer(tmp_path / "keys")


def test_current_tree_matches_a_fresh_computation_after_many_small_appends(tmp_path: Path) -> None:
    s = RecordStore(tmp_path / "r.sqlite")
    for i in range(9):
        _add(s, i + 1, i * 10)
        rng = current_tree(s)
        assert rng.root() == root_of([leaf_hash(bytes.fromhex(h)) for _, h in s.iter_hashes()])


def test_the_parallel_tree_check_gives_the_same_verdicts(
    store: RecordStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sop_runner.evidence.log as log

    monkeypatch.setattr(log, "PARALLEL_FROM", 1)
    cp, _ = write_checkpoint(store, load_signer(tmp_path / "keys"))
    assert verify_against(store, cp).ok
    _rewrite(store.path, lambda db: db.execute("UPDATE records SET activity_id = 'SIPP-3' WHERE seq = 7"))
    v = verify_against(store, cp)
    assert not v.ok and v.first_bad == 7


def test_a_copy_of_the_hashes_from_elsewhere_names_the_record_when_the_saved_tree_was_forged(
    store: RecordStore, tmp_path: Path
) -> None:
    cp, _ = write_checkpoint(store, load_signer(tmp_path / "keys"))
    honest = [leaf_hash(bytes.fromhex(h)) for _, h in store.iter_hashes()]
    _rewrite(
        store.path,
        lambda db: db.execute("UPDATE records SET started_at = '2026-12-01T00:00:00Z' WHERE seq = 9"),
    )
    (store.dir / "evidence" / "leaves.bin").write_bytes(b"\0" * 32 * 13)
    forged = [b"\1" * 32] * 13
    assert verify_against(store, cp, lambda size: forged).first_bad is None  # not trusted: wrong root
    v = verify_against(store, cp, lambda size: honest[:size])
    assert not v.ok and v.first_bad == 9


def _append_and_checkpoint(path: str, keys: str, start: int) -> None:
    s = RecordStore(path)
    signer = load_signer(Path(keys))
    for i in range(4):
        _add(s, 1, start + i)
        write_checkpoint(s, signer)
    s.close()


def test_concurrent_checkpoints_keep_the_saved_tree_exact(store: RecordStore, tmp_path: Path) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    procs = [
        ctx.Process(target=_append_and_checkpoint, args=(str(store.path), str(tmp_path / "keys"), 100 * i))
        for i in range(3)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    saved = (store.dir / "evidence" / "leaves.bin").read_bytes()
    assert saved == b"".join(leaf_hash(bytes.fromhex(h)) for _, h in store.iter_hashes())
    assert current_tree(store).root() == root_of(
        [leaf_hash(bytes.fromhex(h)) for _, h in store.iter_hashes()]
    )
