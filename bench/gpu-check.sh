#!/usr/bin/env bash
# The GPU check of the released network (one command, under 5 minutes, one JSON line on stdout), for a
# machine with a GPU: which onnxruntime providers load (`selavi doctor`), the fixture parity test on
# every provider that loads (test/models/official-onnx.e2e.test.ts: features and logits within 1e-3,
# fused labels exact), and the throughput bench on the GPU providers and the CPU one.
# Needs the project installed (make install) and, for CUDA, the provider files:
#   ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node   (CUDA 12 + cuDNN 9 on the machine)
# Usage: bash bench/gpu-check.sh [CLIPS]   (default 32 clips for the whole-pass figure)
set -uo pipefail
cd "$(dirname "$0")/.."
clips=${1:-32}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/gpu.txt" 2>/dev/null || echo "no nvidia-smi" > "$out/gpu.txt"
timeout 60 node_modules/.bin/tsx src/cli/bin.ts doctor > "$out/doctor.txt" 2>/dev/null
timeout 150 node_modules/.bin/vitest run test/models/official-onnx.e2e.test.ts --reporter=json --outputFile.json="$out/parity.json" > "$out/parity.log" 2>&1
parity_rc=$?
timeout 150 node_modules/.bin/tsx bench/official-assign.bench.ts --engines cuda,webgpu,cpu --clips "$clips" > "$out/bench.json" 2> "$out/bench.log"
bench_rc=$?
OUT="$out" PARITY_RC=$parity_rc BENCH_RC=$bench_rc T0=$t0 node -e '
const fs = require("fs"), dir = process.env.OUT;
const read = (f) => { try { return fs.readFileSync(`${dir}/${f}`, "utf8"); } catch { return ""; } };
let parity = null;
try {
  const r = JSON.parse(read("parity.json"));
  parity = { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests,
    suites: r.testResults.flatMap((f) => f.assertionResults.map((a) => `${a.status}: ${a.ancestorTitles.at(-1)} > ${a.title}`)) };
} catch { parity = { error: read("parity.log").split("\n").slice(-5).join(" ") }; }
let bench = null;
try { bench = JSON.parse(read("bench.json").trim().split("\n").at(-1)); } catch { bench = { error: read("bench.log").split("\n").slice(-5).join(" ") }; }
const doctor = read("doctor.txt").split("\n").filter((l) => /released network|^  (cpu|webgpu|cuda|GPU)/.test(l)).map((l) => l.trim());
console.log(JSON.stringify({ check: "gpu-check", gpu: read("gpu.txt").trim(), doctor, parity_rc: Number(process.env.PARITY_RC), parity,
  bench_rc: Number(process.env.BENCH_RC), bench, seconds: Math.round(Date.now() / 1000 - Number(process.env.T0)) }));
'
