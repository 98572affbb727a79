"""The record store's parts: :mod:`~sop_runner.store.chain` (records, hash chain, verify),
:mod:`~sop_runner.store.incidents` (tables derived from the records), :mod:`~sop_runner.store.runs`
(runs in progress) and :mod:`~sop_runner.store.blobs` (attachments, artifacts). Import the public API
from :mod:`sop_runner.records`, which assembles them into :class:`~sop_runner.records.RecordStore`."""
