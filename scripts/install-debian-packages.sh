#!/usr/bin/env bash
# install-debian-packages.sh PACKAGE…: installs the named Debian packages with apt-get (through
# sudo when not root); nothing when none is named. The ensure-*-deps.sh scripts name what they
# found missing. When that fails (not root and no sudo, no network, an unknown package) it says
# which packages are wanted and exits non-zero, so make, and CI, stops there.
set -euo pipefail
[ $# -gt 0 ] || exit 0
echo "installing Debian packages: $*"
# fail WHY: the reason, the packages, and the way out, on stderr.
fail() {
  echo "could not install Debian packages ($1): $PACKAGES; install them (apt-get install $PACKAGES), then run again" >&2
  exit 1
}
PACKAGES="$*"
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || fail "not root, and no sudo"
  SUDO=sudo
else
  SUDO=
fi
$SUDO apt-get update -qq || fail "apt-get update failed"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
  fail "apt-get install failed"
