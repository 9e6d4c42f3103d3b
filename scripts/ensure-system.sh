#!/usr/bin/env bash
# Makes sure the machine has what labgate needs besides Node.js: bubblewrap for the local sandbox backend,
# and socat, which forwards the gateway's requests to web apps inside a sandbox's network namespace.
# Installs them with apt-get when running as root on Debian/Ubuntu; otherwise says exactly what to install.
set -euo pipefail

missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v socat >/dev/null 2>&1 || missing+=(socat)
# As root, each session's home is its own ext4 filesystem (sandbox.disk): mkfs.ext4 formats the images.
if [ "$(id -u)" = 0 ] && [ ! -x /usr/sbin/mkfs.ext4 ] && [ ! -x /sbin/mkfs.ext4 ]; then missing+=(e2fsprogs); fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "labgate: installing ${missing[*]} (the local sandbox backend needs them)…"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "labgate: not installed: ${missing[*]}. Install, then run this again:" >&2
    echo "    sudo apt-get install ${missing[*]}      # Debian, Ubuntu" >&2
    echo "    sudo dnf install ${missing[*]}          # Fedora, RHEL" >&2
    exit 1
  fi
fi

# Sandboxes use unprivileged user namespaces; check they work here.
if ! bwrap --unshare-user --unshare-pid --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc --dev /dev /bin/true 2>/tmp/labgate-bwrap-check.$$; then
  echo "labgate: bubblewrap cannot create a sandbox here: $(cat /tmp/labgate-bwrap-check.$$)" >&2
  echo "    Unprivileged user namespaces must be enabled (sysctl kernel.unprivileged_userns_clone=1," >&2
  echo "    and on Ubuntu 24.04+: sysctl kernel.apparmor_restrict_unprivileged_userns=0)." >&2
  rm -f /tmp/labgate-bwrap-check.$$
  exit 1
fi
rm -f /tmp/labgate-bwrap-check.$$
