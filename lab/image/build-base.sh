#!/usr/bin/env bash
# Build the lab's base image locally: debootstrap Debian 12 (systemd, python3, sshd) imported into
# podman. No registry pulls. The tag is the sha256 of this recipe, so the image is rebuilt only
# when the recipe changes. Prints the image reference on stdout.
#
# Usage: build-base.sh [--print-ref]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/../containers.conf}"

packages=python3,python3-apt,openssh-server,systemd,systemd-sysv,dbus,sudo,ca-certificates,iproute2,procps,less,gnupg,curl,locales
suite=bookworm
recipe_hash=$( (cat "$0" "$here/debian-mirror.py"; echo "$packages") | sha256sum | cut -c1-12)
ref="localhost/court-base:$recipe_hash"
if [[ "${1:-}" == "--print-ref" ]]; then echo "$ref"; exit 0; fi

if podman image exists "$ref"; then echo "$ref"; exit 0; fi

# The Debian mirror this machine already uses (from its apt sources), never a hard-coded host.
mirror=$(python3 "$here/debian-mirror.py" main || true)
mirror="${LAB_DEBIAN_MIRROR:-$mirror}"
[[ -n "$mirror" ]] || { echo "build-base: no Debian mirror found in apt sources; set LAB_DEBIAN_MIRROR" >&2; exit 2; }

work=$(mktemp -d /var/tmp/court-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; echo "build-base: debootstrap failed" >&2; exit 1; }

# apt inside the containers uses the same mirror; security updates from the matching archive.
cat >"$rootfs/etc/apt/sources.list" <<SRC
deb $mirror $suite main
deb $mirror $suite-updates main
SRC
security=$(python3 "$here/debian-mirror.py" security || true)
[[ -n "$security" ]] && echo "deb $security $suite-security main" >>"$rootfs/etc/apt/sources.list"
# Container hygiene: no getty on consoles, sshd host keys made at first boot, locale for Bahasa/English.
chroot "$rootfs" systemctl mask getty@tty1.service console-getty.service systemd-logind.service >/dev/null 2>&1 || true
rm -f "$rootfs"/etc/ssh/ssh_host_*
mkdir -p "$rootfs/etc/systemd/system/ssh.service.d"
cat >"$rootfs/etc/systemd/system/ssh.service.d/keys.conf" <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT
echo "en_US.UTF-8 UTF-8" >"$rootfs/etc/locale.gen"; chroot "$rootfs" locale-gen >/dev/null 2>&1 || true
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
tar -C "$rootfs" -c . | podman import --change 'CMD ["/sbin/init"]' --change 'STOPSIGNAL SIGRTMIN+3' - "$ref" >/dev/null 2>&1
echo "$ref"
