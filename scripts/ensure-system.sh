#!/usr/bin/env bash
# Makes sure the machine has what labgate needs besides Node.js: bubblewrap for the local sandbox backend.
# Installs it with apt-get when running as root on Debian/Ubuntu; otherwise says exactly what to install.
set -euo pipefail

if ! command -v bwrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "labgate: installing bubblewrap (the local sandbox backend needs it)…"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
  else
    echo "labgate: bubblewrap is missing. Install it, then run this again:" >&2
    echo "    sudo apt-get install bubblewrap      # Debian, Ubuntu" >&2
    echo "    sudo dnf install bubblewrap          # Fedora, RHEL" >&2
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
