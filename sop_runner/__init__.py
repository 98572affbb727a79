"""sop_runner: SOP-driven maintenance for court IT on Ansible, with tamper-evident records."""

__version__ = "0.1.0"
