"""``python -m central`` (see :mod:`central.admin`)."""

from central.admin import main

main(prog_name="central")
