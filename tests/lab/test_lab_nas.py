"""The nas: SFTP backup target over real SSH, and the removable-disk stand-in's states."""

from __future__ import annotations

import subprocess

import pytest
from labkit import SSH_KEY, SSH_OPTS, playbook, podman_exec, ssh

pytestmark = [pytest.mark.lab, pytest.mark.lab_alone]

NAS_PORT = 2223
USER = "cadangan"
DISK = "/media/backup-disk"


def disk(command: str, check: bool = True) -> subprocess.CompletedProcess:
    return podman_exec("courtlab-nas", "sh", "-c", command, check=check)


def test_sftp_upload_as_the_backup_account(tmp_path):
    src = tmp_path / "SIPP-KLN-2026-11-21.txt"
    src.write_text("uji cadangan\n")
    batch = f"put {src} SIPP-KLN-test.txt\nls -l SIPP-KLN-test.txt\n"
    proc = subprocess.run(
        ["sftp", "-b", "-", "-i", str(SSH_KEY), "-P", str(NAS_PORT), *SSH_OPTS, f"{USER}@127.0.0.1"],
        input=batch,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert ssh(USER, NAS_PORT, "cat ~/SIPP-KLN-test.txt && rm ~/SIPP-KLN-test.txt").stdout == "uji cadangan\n"
    # root's lab key works for the operator, and the backup account is not root
    assert ssh(USER, NAS_PORT, "id -u").stdout.strip() != "0"


def test_disk_states_mounted_unmounted_full():
    try:
        assert disk("lab-disk status").stdout.strip() == "mounted"
        assert disk(f"findmnt -n -o SOURCE {DISK}").stdout.startswith("lab-exfat-disk")
        disk(f"echo data > {DISK}/keep.txt")

        playbook("playbooks/lab/fault_nas_disk.yml", "-e", "lab_nas_disk_state=unmounted")
        assert disk(f"mountpoint -q {DISK}", check=False).returncode != 0  # 32 = not a mountpoint
        assert disk(f"test -e {DISK}/keep.txt", check=False).returncode == 1

        playbook("playbooks/lab/fault_nas_disk.yml", "-e", "lab_nas_disk_state=full")
        assert disk(f"cat {DISK}/keep.txt").stdout == "data\n"  # the disk kept its files
        avail = int(disk(f"df --output=avail -B1 {DISK} | tail -n 1").stdout)
        assert avail < 1024 * 1024
        write = disk(f"head -c 2097152 /dev/zero > {DISK}/big.bin", check=False)
        assert write.returncode != 0 and "No space left on device" in write.stderr
    finally:
        disk(f"rm -f {DISK}/big.bin {DISK}/keep.txt", check=False)
        playbook("playbooks/lab/fault_nas_disk.yml")
    assert disk("lab-disk status").stdout.strip() == "mounted"


def test_bad_disk_state_is_one_clear_line():
    proc = disk("lab-disk sideways", check=False)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "unknown state 'sideways'" in proc.stderr
