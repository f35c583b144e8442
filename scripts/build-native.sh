#!/usr/bin/env bash
# Builds the optional native kernels (native/selavi_native.cc: oneDNN through Node-API) into
# build/native/selavi_native.node; run by `npm install` and `make`. Where g++, Debian's libdnnl-dev
# (oneDNN 2.x) or the Node-API headers are missing, or the compile fails, it says so in one line and
# succeeds: training then runs on the wasm kernels alone (src/engine/native-addon.ts).
set -uo pipefail
cd "$(dirname "$0")/.."
src=native/selavi_native.cc
srcs="$src native/sinkhorn_kernels.cc native/huge_pages.cc native/alignment.cc native/reexec.cc"
out=build/native/selavi_native.node
log=build/native/build.log
skip() { echo "native kernels: not built ($1); training runs on wasm"; exit 0; }
[ "${SELAVI_NATIVE:-}" = "0" ] && skip "SELAVI_NATIVE=0"
command -v g++ >/dev/null 2>&1 || skip "no g++: apt-get install g++"
version_h=/usr/include/oneapi/dnnl/dnnl_version.h
[ -f "$version_h" ] || skip "libdnnl-dev missing: apt-get install libdnnl-dev"
major=$(sed -n 's/^#define DNNL_VERSION_MAJOR \([0-9]*\).*/\1/p' "$version_h")
[ "$major" = "2" ] || skip "oneDNN $major.x found; the kernels are written for 2.x, Debian 12's libdnnl-dev"
headers=$(node -p "require('node-api-headers').include_dir" 2>/dev/null) || skip "node-api-headers missing: npm ci"
if [ -f "$out" ] && [ "$out" -nt "$0" ] && [ -z "$(find native -newer "$out" -type f)" ]; then exit 0; fi
mkdir -p "$(dirname "$out")"
if ! g++ -std=c++17 -O3 -ffp-contract=off -fPIC -shared -fvisibility=hidden -DNODE_GYP_MODULE_NAME=selavi_native -I"$headers" $srcs -o "$out.tmp" -ldnnl -lmvec -fopenmp >"$log" 2>&1; then
  rm -f "$out.tmp"
  skip "the compile failed: see $log"
fi
mv "$out.tmp" "$out"
echo "native kernels: built $out ($(sed -n 's/^#define DNNL_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' "$version_h" | paste -sd.))"
