#!/usr/bin/env bash
# A CPU Vulkan device (Mesa's llvmpipe) for the WebGPU tests: Mesa 25 from Debian's bookworm-backports
# (bookworm's own Mesa 22.3 lacks features Dawn requires, so no adapter is found). Root only; idempotent;
# prints one line and exits 0 when it cannot install (the WebGPU tests then skip, saying why).
set -uo pipefail
if [ "$(id -u)" -ne 0 ]; then echo "install-vulkan: not root; WebGPU tests will skip" >&2; exit 0; fi
if dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -qE '^(2[4-9]|[3-9][0-9])\.'; then exit 0; fi
. /etc/os-release
if [ "${VERSION_CODENAME:-}" = bookworm ] && ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb http://deb.debian.org/debian bookworm-backports main" > /etc/apt/sources.list.d/selavi-backports.list
fi
target=""
[ "${VERSION_CODENAME:-}" = bookworm ] && target="-t bookworm-backports"
apt-get update -qq >/dev/null 2>&1
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $target mesa-vulkan-drivers libvulkan1 >/dev/null 2>&1 \
  || echo "install-vulkan: could not install mesa-vulkan-drivers; WebGPU tests will skip" >&2
