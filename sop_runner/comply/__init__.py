"""``sop comply``: a read-only audit of every SOP control that has a checkable state.

The controls are testinfra tests (pytest) shipped in :mod:`sop_runner.comply.suite`, one or more
per SOP activity, named with the activity id (``test_D5_firewall_default_deny``). What
"compliant" means for a control lives once, in :mod:`sop_runner.comply.checks`; the molecule
verify steps import the same functions. Thresholds come from the inventory (or the catalog's
schedules) with the defaults documented in :mod:`sop_runner.comply.thresholds`.

:mod:`sop_runner.comply.engine` is the one module that runs pytest/testinfra;
:mod:`sop_runner.comply.results` turns its structured results into records, the table and the
HTML page.
"""
