"""The ``sop`` commands, one module per command group; :mod:`sop_runner.cli` assembles them."""
