"""Verify D.7: the restored copy matched the live system and nothing was left behind."""

import json

import pytest


@pytest.fixture(scope="module")
def result(host):
    return json.loads(host.file("/root/sipp_restore_drill_result.json").content_string)


def test_restore_succeeded_and_all_key_tables_match(host, result):
    assert result["restore_berhasil"] is True
    assert result["tables_different"] == []
    perkara = next(t for t in result["tables"] if t["table"] == "perkara")
    live = int(host.check_output("mariadb -N -B sipp -e 'SELECT COUNT(*) FROM perkara'"))
    assert perkara["live_rows"] == perkara["restored_rows"] == live > 0
    assert perkara["live_checksum"] == perkara["restored_checksum"]


def test_document_sample_matches_by_sha256(host, result):
    docs = result["documents"]
    assert len(docs) == 10
    for doc in docs:
        assert doc["sama"] is True
        live = host.check_output(f"sha256sum /var/www/html/SIPP/{doc['file']}").split()[0]
        assert doc["live_sha256"] == doc["restored_sha256"] == live


def test_scratch_copy_removed(host):
    dbs = host.check_output("mariadb -N -B -e 'SHOW DATABASES'").split()
    assert "sipp_restore_drill" not in dbs
    assert not host.file("/var/tmp/sipp-restore-drill").exists


def test_no_secret_in_result(result):
    assert "molecule-restic-pw-6" not in json.dumps(result)
