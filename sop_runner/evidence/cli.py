"""``sop keys init|show`` and ``sop records checkpoint|prove|push|status``; the ``--checkpoint`` half of
``sop records verify``. Registered onto the main ``sop`` groups by :func:`register`."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from click.exceptions import Exit

from sop_runner.evidence import EvidenceError
from sop_runner.evidence.checkpoint import Checkpoint, open_checkpoint
from sop_runner.evidence.keys import court_keys, init_key, key_dir, load_signer, load_verifier
from sop_runner.evidence.log import Verdict, prove, read_latest, verify_against, write_checkpoint
from sop_runner.evidence.note import NoteError, Verifier
from sop_runner.evidence.outbox import BATCH, Status, WitnessConfig, push, status, witness_leaves
from sop_runner.records import RecordStore

_KEY_DIR = click.option(
    "--key-dir",
    "kdir",
    type=click.Path(path_type=Path),
    help="Where the court key is (default: $SOP_KEY_DIR, else keys/ beside the record store).",
)


def _state() -> Any:
    from sop_runner.cli import STATE  # the global options (--records …) parsed by the main group

    return STATE


def _echo(text: str, *, err: bool = False) -> None:
    click.echo(text, err=err)


keys_app = click.Group(
    "keys", help="The court's signing key (Ed25519) for checkpoints.", no_args_is_help=True
)


@keys_app.command("init")
@click.option("--name", help="Log name (checkpoint origin) naming the court, e.g. pn-example.go.id/sop.")
@click.option("--rotate", is_flag=True, help="Replace the existing key (the old key signs the change).")
@_KEY_DIR
def keys_init(name: str | None, rotate: bool, kdir: Path | None) -> None:
    """Create the court key (private key mode 0600) and print the verifier key for auditors."""
    cfg = _state().config()
    kdir = key_dir(cfg.records, kdir)
    with RecordStore(cfg.records) as store:
        change = init_key(store, kdir, name=name, operator=cfg.operator, rotate=rotate)
    what = "rotated" if change.retired else "created"
    _echo(f"court key {what} in {kdir} (record #{change.record.seq}); verifier key:", err=True)
    _echo(change.signer.verifier.vkey)


@keys_app.command("show")
@_KEY_DIR
def keys_show(kdir: Path | None) -> None:
    """Print the court's verifier key (what an auditor or the witness registers)."""
    cfg = _state().config()
    _echo(load_verifier(key_dir(cfg.records, kdir)).vkey)


@click.command("checkpoint")
@click.option("--out", type=click.Path(path_type=Path), help="Also write the checkpoint to this file.")
@_KEY_DIR
def records_checkpoint(out: Path | None, kdir: Path | None) -> None:
    """Sign a checkpoint (C2SP tlog-checkpoint) over every record and print it."""
    cfg = _state().config()
    signer = load_signer(key_dir(cfg.records, kdir))
    with RecordStore(cfg.records) as store:
        _, note = write_checkpoint(store, signer)
    text = note.render()
    if out:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise EvidenceError(f"--out {out}: {exc.strerror}") from None
    click.echo(text, nl=False)


def _verifiers(cfg_records: Path, key: str | None, kdir_opt: Path | None) -> list[Verifier]:
    """The keys a checkpoint may be signed with: ``--key`` (text or file), else the key
    directory's current and retired public keys."""
    if key:
        p = Path(key)
        text = p.read_text(encoding="ascii") if p.is_file() else key
        try:
            return [Verifier.parse(text)]
        except NoteError as exc:
            raise EvidenceError(f"--key: {exc}") from None
    return court_keys(key_dir(cfg_records, kdir_opt))


def load_checkpoint(text: str, verifiers: list[Verifier], source: str) -> Checkpoint:
    """Open a signed checkpoint with the first of ``verifiers`` whose signature it carries."""
    problem = ""
    for v in verifiers:
        try:
            cp, _ = open_checkpoint(text, v)
            return cp
        except NoteError as exc:
            problem = str(exc)
            if "no signature" not in problem:
                break
    raise EvidenceError(f"checkpoint {source}: {problem}")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"checkpoint {path}: {getattr(exc, 'strerror', None) or exc}") from None


@click.command("prove")
@click.argument("seq", type=int)
@click.option("--checkpoint", "cp_file", type=click.Path(path_type=Path), help="Default: the latest one.")
@click.option("--key", help="Verifier key (text or file) the checkpoint must be signed with.")
@click.option("--json", "as_json", is_flag=True)
@_KEY_DIR
def records_prove(seq: int, cp_file: Path | None, key: str | None, as_json: bool, kdir: Path | None) -> None:
    """Print an inclusion proof of record SEQ in a signed checkpoint (RFC 9162 audit path)."""
    cfg = _state().config()
    with RecordStore(cfg.records, readonly=True) as store:
        text = _read(cp_file) if cp_file else read_latest(store)
        cp = load_checkpoint(text, _verifiers(cfg.records, key, kdir), str(cp_file or "latest"))
        proof = prove(store, seq, cp)
        record = store.get_record(seq).to_dict()
    bundle = {"record": record, "inclusion": proof.to_dict(), "checkpoint": text}
    if as_json:
        click.echo(json.dumps(bundle, indent=2, ensure_ascii=False))
        return
    inc = proof.to_dict()
    _echo(f"record #{seq} ({record['activity_id']}, {record['started_at']}, id {record['record_id']})")
    _echo(f"record hash {inc['record_hash']}")
    _echo(f"leaf {inc['leaf_index']} of {cp.size}, leaf hash {inc['leaf_hash']}")
    _echo("audit path (RFC 9162, base64, deepest first):")
    for p in inc["proof"]:
        _echo(f"  {p}")
    _echo("checkpoint:")
    click.echo(text, nl=False)


def verify_checkpoint(
    records: Path, cp_file: Path, key: str | None, kdir: Path | None, inventory_dir: Path | None = None
) -> Verdict:
    """Check the store at ``records`` against a checkpoint file (``sop records verify``); when
    the saved tree was rewritten too, the witness's copy of the hashes names the record."""
    cp = load_checkpoint(_read(cp_file), _verifiers(records, key, kdir), str(cp_file))
    try:
        wcfg = WitnessConfig.from_env(inventory_dir=inventory_dir)
    except EvidenceError:  # the witness's copy only helps; a witness not set up is no reason to fail
        wcfg = None
    elsewhere = (lambda size: witness_leaves(wcfg, size)) if wcfg else None
    with RecordStore(records, readonly=True) as store:
        return verify_against(store, cp, elsewhere)


def checkpoint_after_run(records: Path, inventory_dir: Path | None = None) -> str | None:
    """Write a checkpoint when the court has a key (after ``sop run``/``sop tick``) and push to
    the witness when one is configured (two quick tries); return a warning line when either
    failed. Never raises: evidence never fails a maintenance run."""
    kdir = key_dir(records)
    if not (kdir / "court.key").exists():
        return None
    try:
        signer = load_signer(kdir)
        with RecordStore(records) as store:
            write_checkpoint(store, signer)
    except Exception as exc:  # reported as one warning line
        return f"checkpoint not written: {exc}"
    try:
        cfg = WitnessConfig.from_env(inventory_dir=inventory_dir)
        if cfg is None:
            return None
        with RecordStore(records) as store:
            res = push(store, signer, replace(cfg, timeout=10.0), attempts=2, court_keys=court_keys(kdir)[1:])
    except Exception as exc:  # reported as one warning line
        return f"push to the witness failed: {exc}"
    return f"push to the witness: {res.problem}" if res.problem else None


@click.command("push")
@click.option("--batch", default=BATCH, show_default=True, help="Records per checkpoint sent.")
@click.option("--attempts", default=6, show_default=True, help="Tries per request (exponential backoff).")
@click.option("--json", "as_json", is_flag=True)
@_KEY_DIR
def records_push(batch: int, attempts: int, as_json: bool, kdir: Path | None) -> None:
    """Send the central witness every record it has not cosigned yet (SOP_WITNESS_* settings)."""
    cfg = _state().config()
    wcfg = WitnessConfig.from_env(inventory_dir=cfg.inventory_dir)
    if wcfg is None:
        raise EvidenceError(
            "no witness configured (set SOP_WITNESS_URL, SOP_WITNESS_TOKEN_FILE, SOP_WITNESS_KEY, "
            f"or write {cfg.inventory_dir / 'witness.yml'})"
        )
    if batch < 1 or attempts < 1:
        raise EvidenceError("--batch and --attempts must be at least 1")
    kd = key_dir(cfg.records, kdir)
    signer = load_signer(kd)
    with RecordStore(cfg.records) as store:
        res = push(store, signer, wcfg, batch=batch, attempts=attempts, court_keys=court_keys(kd)[1:])
    if as_json:
        click.echo(json.dumps(res.to_dict()))
    elif res.ok:
        sent = res.after - res.before
        click.echo(f"witnessed up to record #{res.after} ({sent} sent in {res.batches} batches)")
    else:
        click.echo(f"PUSH INCOMPLETE: witnessed up to record #{res.after} of {res.size}; {res.problem}")
    raise Exit(0 if res.ok else 1)


def _status_text(st: Status) -> str:
    if st.witness is None:
        return f"{st.records} records; no witness configured (SOP_WITNESS_URL or witness.yml)"
    if st.witnessed == 0:
        return f"{st.records} records; none witnessed yet by {st.witness} (run 'sop records push')"
    return (
        f"{st.records} records; witnessed by {st.witness} up to #{st.witnessed} at {st.witnessed_at}; "
        f"lag {st.lag} records"
    )


def witness_status_line(records: Path, inventory_dir: Path | None) -> str | None:
    """Return the ``sop records status`` line for a run's summary (``sop tick``), None when the
    court has no key or no witness is configured. Never raises."""
    kdir = key_dir(records)
    if not (kdir / "court.key").exists():
        return None
    try:
        wcfg = WitnessConfig.from_env(inventory_dir=inventory_dir)
        if wcfg is None:
            return None
        with RecordStore(records, readonly=True) as store:
            return _status_text(status(store, court_keys(kdir), wcfg))
    except Exception as exc:  # a summary line, never a failed run
        return f"status unknown: {exc}"


@click.command("status")
@click.option("--json", "as_json", is_flag=True)
@_KEY_DIR
def records_status(as_json: bool, kdir: Path | None) -> None:
    """Show the last record the witness cosigned, when, and how far it lags behind."""
    cfg = _state().config()
    courts = court_keys(key_dir(cfg.records, kdir))
    with RecordStore(cfg.records, readonly=True) as store:
        st = status(store, courts, WitnessConfig.from_env(inventory_dir=cfg.inventory_dir))
    click.echo(json.dumps(st.to_dict()) if as_json else _status_text(st))


def register(app: click.Group, records_app: click.Group) -> None:
    """Add ``keys`` to ``app`` and ``checkpoint``/``prove`` to ``records_app``."""
    app.add_command(keys_app)
    records_app.add_command(records_checkpoint)
    records_app.add_command(records_prove)
    records_app.add_command(records_push)
    records_app.add_command(records_status)


__all__ = ["checkpoint_after_run", "load_checkpoint", "register", "verify_checkpoint", "witness_status_line"]
