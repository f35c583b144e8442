#!/usr/bin/env bash
# The GPU check (one command, under 5 minutes, one JSON line on stdout), for a machine with a GPU:
# - the released network: which onnxruntime providers load (`selavi doctor`), the fixture parity test
#   on every provider that loads (test/models/official-onnx.e2e.test.ts: features and logits within
#   1e-3, fused labels exact), and the throughput bench on the GPU providers and the CPU one;
# - training on WebGPU: the WebGPU adapters `selavi doctor` sees, the training parity test
#   (test/engine/webgpu-training.e2e.test.ts: losses within 1e-3 of wasm's), and the train-video,
#   train-audio, train-sela, train-cnn32 and relabel-pass benches on webgpu and on wasm (this
#   machine's CPU), with the ratio.
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
timeout 200 node_modules/.bin/vitest run test/engine/webgpu-training.e2e.test.ts --reporter=json --outputFile.json="$out/train-parity.json" > "$out/train-parity.log" 2>&1
for b in train-video train-audio train-sela train-cnn32 relabel-pass; do
  for backend in webgpu wasm; do
    SELAVI_BACKEND=$backend BENCH_STEPS=4 timeout 60 node_modules/.bin/tsx bench/$b.bench.ts 2>/dev/null | tail -1 >> "$out/train-$backend.jsonl"
  done
done
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
const doctor = read("doctor.txt").split("\n").filter((l) => /^backend|released network|webgpu adapters|^  (cpu|webgpu|cuda|GPU)|^  \S.*\(.*\)$/.test(l)).map((l) => l.trim());
let trainParity = null;
try {
  const r = JSON.parse(read("train-parity.json"));
  trainParity = { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests };
} catch { trainParity = { error: read("train-parity.log").split("\n").slice(-5).join(" ") }; }
const lines = (f) => read(f).split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
const rate = (j) => j.items_per_s ?? j.pass_clips_per_s_batch128 ?? null;
const gpu = lines("train-webgpu.jsonl"), cpu = lines("train-wasm.jsonl");
const train = Object.fromEntries(cpu.map((c) => {
  const g = gpu.find((x) => x.bench === c.bench);
  return [c.bench, { webgpu_items_per_s: g ? rate(g) : null, wasm_items_per_s: rate(c), webgpu_over_wasm: g && rate(g) && rate(c) ? Number((rate(g) / rate(c)).toFixed(2)) : null }];
}));
console.log(JSON.stringify({ check: "gpu-check", gpu: read("gpu.txt").trim(), doctor, parity_rc: Number(process.env.PARITY_RC), parity,
  bench_rc: Number(process.env.BENCH_RC), bench, train_parity: trainParity, train, seconds: Math.round(Date.now() / 1000 - Number(process.env.T0)) }));
'
