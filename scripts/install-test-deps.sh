#!/bin/sh
# Installs what the integration tests start for real: dockerd + docker CLI, a static busybox (the
# only thing inside the test image: no registry is reachable), redis-server, tmux (the terminal
# the CLI's screen is tested on), git (the checkout the hold specs make) and openssl (the CA and
# certificates the Redis TLS specs make). Idempotent: does nothing when everything is there.
# Debian/Ubuntu only.
set -eu

PACKAGES='docker.io busybox-static redis-server tmux git openssl'
APT_COMMAND="apt-get update && apt-get install -y $PACKAGES"

# dockerd lives in /usr/sbin, which is not on every user's PATH.
PATH="$PATH:/usr/sbin:/sbin"
missing=''
for binary in dockerd docker redis-server tmux git openssl; do
  command -v "$binary" >/dev/null 2>&1 || missing="$missing $binary"
done
# The dynamic busybox package also installs /bin/busybox; only the static one runs in an empty image.
if [ ! -x /bin/busybox ] || ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
  missing="$missing busybox-static"
fi

if [ -z "$missing" ]; then
  echo 'install-test-deps: dockerd, docker, busybox (static), redis-server, tmux, git and openssl are installed.'
  exit 0
fi

echo "install-test-deps: missing:$missing"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: not root; run as root: $APT_COMMAND" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-test-deps: running: $APT_COMMAND"
apt-get update
# shellcheck disable=SC2086 # one word per package
apt-get install -y $PACKAGES
