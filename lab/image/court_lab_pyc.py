"""Bytecode cache for Ansible's module payloads, in the court lab image only (not a court server).

Every Ansible task runs its module as a fresh Python process that imports
``ansible.module_utils`` from the zip payload the controller sent (AnsiballZ). Python caches no
bytecode for code imported from a zip, so each task compiles the same ~40 files again: on a lab
container that is about a third of a ``command`` task's CPU, and the test suite runs thousands of
tasks. Loaded at interpreter start by ``court-lab-pyc.pth``, this module memoises that compile
step: the code object for a source text is kept under /var/cache/court-lab-pyc, keyed by the
interpreter's bytecode magic number, its optimisation level and the source's hash, and given the
new payload's file name when it is reused. The module runs the same source through the same code path; only
``compile()`` is skipped. Anything unexpected (another Python, an unreadable or damaged cache
entry, a read-only cache for a ``become_user``) falls back to compiling, as without this file.
"""

from __future__ import annotations

import os

CACHE = "/var/cache/court-lab-pyc"


def _install() -> None:
    import _imp
    import marshal
    import sys
    import zipimport
    from _blake2 import blake2b
    from importlib._bootstrap_external import MAGIC_NUMBER

    compile_source = getattr(zipimport, "_compile_source", None)
    if compile_source is None or getattr(compile_source, "court_lab_pyc", False):
        return

    key = MAGIC_NUMBER + bytes([sys.flags.optimize])

    def cached_compile(pathname: str, source: bytes):  # type: ignore[no-untyped-def]
        entry = os.path.join(CACHE, blake2b(key + source, digest_size=20).hexdigest())
        try:
            with open(entry, "rb") as f:
                code = marshal.loads(f.read())
            _imp._fix_co_filename(code, pathname)
            return code
        except (OSError, ValueError, EOFError, TypeError):
            pass
        code = compile_source(pathname, source)
        tmp = f"{entry}.{os.getpid()}"
        try:
            with open(tmp, "wb") as f:
                f.write(marshal.dumps(code))
            os.replace(tmp, entry)
        except OSError:
            try:  # noqa: SIM105 - contextlib is not imported at interpreter start; this runs there
                os.unlink(tmp)
            except OSError:
                pass
        return code

    cached_compile.court_lab_pyc = True  # type: ignore[attr-defined]
    zipimport._compile_source = cached_compile  # type: ignore[attr-defined]


if os.environ.get("COURT_LAB_PYC", "1") != "0":
    try:  # noqa: SIM105
        _install()
    except Exception:  # noqa: BLE001 - never stop an interpreter from starting
        pass
