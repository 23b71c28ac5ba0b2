#!/bin/sh
# Installs what the integration tests start for real: dockerd + docker CLI, a static busybox (the
# only thing inside the test image: no registry is reachable), redis-server, and tmux (the
# terminal the CLI's screen is tested on). Idempotent: does nothing when everything is there.
# Debian/Ubuntu only.
set -eu

APT_COMMAND='apt-get update && apt-get install -y docker.io busybox-static redis-server tmux'

# dockerd lives in /usr/sbin, which is not on every user's PATH.
PATH="$PATH:/usr/sbin:/sbin"
missing=''
for binary in dockerd docker redis-server tmux; do
  command -v "$binary" >/dev/null 2>&1 || missing="$missing $binary"
done
# The dynamic busybox package also installs /bin/busybox; only the static one runs in an empty image.
if [ ! -x /bin/busybox ] || ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
  missing="$missing busybox-static"
fi

if [ -z "$missing" ]; then
  echo 'install-test-deps: dockerd, docker, busybox (static), redis-server and tmux are installed.'
  exit 0
fi

echo "install-test-deps: missing:$missing"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: not root; run as root: $APT_COMMAND" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y docker.io busybox-static redis-server tmux
