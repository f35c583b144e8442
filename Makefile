# selavi-ts: every install step lives here or in package.json. `make demo` and `make test`
# install what is missing first, so both work on a fresh clone.
SHELL := /bin/bash
NPM ?= npm
NODE_MODULES_STAMP := node_modules/.install-stamp
TSX := node_modules/.bin/tsx
ONLY ?=
BACKEND ?=
BENCH_ENV = $(if $(BACKEND),SELAVI_BACKEND=$(BACKEND))
N ?= 2000
SEED ?= 1


.PHONY: wasm
.PHONY: all install native build test test-unit test-e2e fuzz typecheck demo bench bench-quality bench-robust decode cluster eval report av-digits fashion-mnist sinkhorn-real clean

all: build

# npm ci when a lock file exists (reproducible), npm install otherwise. Nothing downloads from
# outside the npm registry: webgpu (Dawn for Node, its binaries inside the package) and ffmpeg-static
# are optional dependencies (npm exits 0 without them); the native TensorFlow packages, whose
# install downloads libtensorflow, are no longer dependencies (README: "GPUs"). onnxruntime-node's postinstall would download its CUDA provider from
# outside the npm registry: skipped (here and in .npmrc) unless ONNXRUNTIME_NODE_INSTALL=cuda12 is given.
ONNXRUNTIME_NODE_INSTALL ?= skip
export ONNXRUNTIME_NODE_INSTALL
$(NODE_MODULES_STAMP): package.json $(wildcard package-lock.json)
	@if [ -f package-lock.json ]; then $(NPM) ci --no-audit --no-fund; else $(NPM) install --no-audit --no-fund; fi
	@touch $@

install: $(NODE_MODULES_STAMP)

# The optional native kernels (oneDNN through Node-API; src/engine/native-addon.ts): built where
# g++ and Debian's libdnnl-dev are present (npm install runs the same script), otherwise one line
# says why and training runs on the wasm kernels alone.
native: install
	@bash scripts/build-native.sh

build: install native
	node_modules/.bin/tsc -p tsconfig.json

# The AssemblyScript kernels (src/**/wasm/*.as.ts) compiled to WebAssembly and written as
# TypeScript modules (committed, so nothing else needs a build step; a test checks they are current).
wasm: install
	$(TSX) tools/wasm/build-wasm.ts

typecheck: install
	node_modules/.bin/tsc -p tsconfig.json --noEmit
	node_modules/.bin/tsc -p tsconfig.test.json --noEmit

# Ends with the plain `N passed, N failed, N skipped` line that CI reads, from vitest's JSON
# report; `failed` also counts files that failed outside their tests (scripts/test-summary.ts).
# `make test` runs both vitest projects (vitest.config.ts): `unit` and the long `e2e` tests;
# `make test-unit` / `make test-e2e` run one.
# The tests run the long commands in-process, not through bin.ts's relaunch (src/cli/relaunch.ts):
# their malloc gets huge pages the same way, from the start (the released-model tests alone 136 -> 106 s
# on a VM with costly page faults). glibc older than 2.35 ignores it; THP off makes it moot.
VITEST_PROJECT ?=
test: install typecheck native
	@rm -f .vitest-results.json
	GLIBC_TUNABLES=$${GLIBC_TUNABLES:+$$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1 node_modules/.bin/vitest run $(if $(VITEST_PROJECT),--project $(VITEST_PROJECT)) --reporter=default --reporter=json --outputFile.json=.vitest-results.json; status=$$?; \
	$(TSX) scripts/test-summary.ts .vitest-results.json $$status; \
	exit $$status

test-unit:
	$(MAKE) test VITEST_PROJECT=unit

# The reader fuzzer at 20x the cases `make test` runs (test/data/fuzz-readers.test.ts; FUZZ_CASES=N
# for another multiple): damaged .npy, IDX, .pth, clip-cache and CSV files, a UserError or a result each.
FUZZ_CASES ?= 20
fuzz: install
	FUZZ_CASES=$(FUZZ_CASES) node_modules/.bin/vitest run test/data/fuzz-readers.test.ts

test-e2e:
	$(MAKE) test VITEST_PROJECT=e2e

# Every benchmark, or one: `make bench ONLY=sinkhorn-vggsound`. Each prints one JSON line.
# BACKEND=webgpu (or wasm, cpu, ...) runs the training and relabel benches on that tensor backend.
# Speed benchmarks live in bench/, quality ones (long: they train on real data) in bench/quality/.
BENCHES = $(wildcard bench/*.bench.ts) $(wildcard bench/quality/*.bench.ts)
bench: build
	@set -e; if [ -n "$(ONLY)" ]; then \
	  f=$$(ls bench/$(ONLY).bench.ts bench/quality/$(ONLY).bench.ts 2>/dev/null | head -1); \
	  [ -n "$$f" ] || { echo "no benchmark named $(ONLY): see bench/*.bench.ts and bench/quality/*.bench.ts" >&2; exit 2; }; \
	  $(BENCH_ENV) $(TSX) $$f; \
	else for f in $(BENCHES); do $(BENCH_ENV) $(TSX) $$f; done; fi

# The quality benchmarks alone, as one table (README): AV digits at each level (easy 600 clips,
# medium and hard 2,000) and Fashion-MNIST's test set, each with k-means baselines; the JSON lines
# land in .cache/quality/results.jsonl. Hours on 2 cores (easy ~15 min, medium and hard ~1 h each).
bench-quality: build
	@mkdir -p .cache/quality && : > .cache/quality/results.jsonl
	@set -e; for level in easy medium hard; do QUALITY_LEVEL=$$level $(TSX) bench/quality/av-digits.bench.ts | tee -a .cache/quality/results.jsonl; done
	@$(TSX) bench/quality/fashion-mnist.bench.ts | tee -a .cache/quality/results.jsonl
	@$(TSX) bench/quality/table.ts .cache/quality/results.jsonl

# Do recipes hold on data they were not tuned on? AV digits per level x variation in form (fixed,
# mixed, shifted: the last kept out of tuning) x generator seed: the defaults (--augment-strength
# auto), each recipe auto chooses from, k-means baselines; one table (README, "Recipes that hold").
# Narrow it with ROBUST_LEVELS=easy,medium,hard ROBUST_VARIATIONS=... ROBUST_SEEDS=1,2 (see the bench's header).
# Hours on 2 cores: about 10 full runs per cell (the defaults, the seven recipes they can train with, each modality alone).
bench-robust: build
	@mkdir -p .cache/quality && : > .cache/quality/robust.jsonl
	@$(TSX) bench/quality/robust.bench.ts | tee -a .cache/quality/robust.jsonl
	@$(TSX) bench/quality/robust-table.ts .cache/quality/robust.jsonl

# The built-in demo: 300 easy-level AV-digits clips committed under datasets/ (a centred digit,
# a clean voice), clustered from scratch with the defaults: no recipe flags (the recipe comes from
# short trial runs scored by video-audio agreement, 100 epochs for 300 clips; NMI 1.000 in 5 min with
# the native kernels, 16.5 min on wasm alone).
# The hard-level sample (datasets/av-digits-demo, every nuisance) stays for tests and benches.
DEMO := datasets/av-digits-easy
demo: build
	rm -rf runs/demo && mkdir -p runs
	node dist/cli/bin.js cluster $(DEMO)/clips --out runs/demo --truth $(DEMO)/labels.csv --nuisance $(DEMO)/meta.jsonl > runs/demo.json
	@node -e 'const s=require("./runs/demo.json"); const m=s.metrics; console.log(`demo: $${s.items} clips in $${s.seconds} s: NMI $${m.nmi.toFixed(3)}, ARI $${m.ari.toFixed(3)}, accuracy $${m.accuracy.toFixed(3)}`); console.log(`clusters: $${s.clusters}; log: runs/demo/log.jsonl; metrics: runs/demo/metrics.json`)'
	@if [ -f runs/demo/report.html ]; then echo "report: runs/demo/report.html (open it in a browser: file://$(CURDIR)/runs/demo/report.html)"; else echo "report: not written (see the run's messages above)"; fi

# The batch recipe for a big collection (README, "Batch processing"): decode once, in shards;
# train on the cache (nothing is decoded again); score; make the report.
#   make decode VIDEOS=/data/videos CACHE=/data/cache JOBS=4
#   make cluster CACHE=/data/cache RUN=runs/big CLUSTER_FLAGS="--k 50 --epochs 30"
#   make eval RUN=runs/big TRUTH=labels.csv
#   make report RUN=runs/big
# Clip flags (--frames --size --clip-seconds --mel-bins --hop-ms --missing-audio) go in
# CLIP_FLAGS, which both decode and cluster get: cluster refuses a cache decoded with others.
# decode runs JOBS shards at once (`make -j`); the last shard to finish merges the shard indexes
# into CACHE/index.json; reruns skip complete shards.
JOBS ?= 2
VIDEOS ?=
CACHE ?=
RUN ?=
TRUTH ?=
CLIP_FLAGS ?=
DECODE_FLAGS ?=
CLUSTER_FLAGS ?=
decode: build
	@[ -n "$(VIDEOS)" ] && [ -n "$(CACHE)" ] || { echo "usage: make decode VIDEOS=DIR CACHE=DIR [JOBS=n] [CLIP_FLAGS=...] [DECODE_FLAGS=...]" >&2; exit 2; }
	$(MAKE) -j $(JOBS) $(addprefix decode-shard-,$(shell seq 0 $$(($(JOBS)-1))))
	node dist/cli/bin.js merge "$(CACHE)"
decode-shard-%:
	node dist/cli/bin.js decode "$(VIDEOS)" --out "$(CACHE)" --shard $*/$(JOBS) --concurrency 1 $(CLIP_FLAGS) $(DECODE_FLAGS)

cluster: build
	@[ -n "$(CACHE)" ] && [ -n "$(RUN)" ] || { echo "usage: make cluster CACHE=DIR RUN=DIR [CLIP_FLAGS=...] [CLUSTER_FLAGS=...]" >&2; exit 2; }
	node dist/cli/bin.js cluster --cache "$(CACHE)" --out "$(RUN)" $(CLIP_FLAGS) $(CLUSTER_FLAGS)

eval: build
	@[ -n "$(RUN)" ] && [ -n "$(TRUTH)" ] || { echo "usage: make eval RUN=DIR TRUTH=FILE" >&2; exit 2; }
	set -o pipefail; node dist/cli/bin.js eval "$(RUN)/clusters.csv" --truth "$(TRUTH)" | tee "$(RUN)/eval.json"

report: build
	@[ -n "$(RUN)" ] || { echo "usage: make report RUN=DIR" >&2; exit 2; }
	node dist/cli/bin.js report --run "$(RUN)"

# Real data from Debian packages (apt-get download + dpkg -x into .cache/, nothing installed).
LEVEL ?= hard
VARIATION ?= fixed
OUT ?= .cache/datasets/av-digits-$(LEVEL)-$(if $(filter-out fixed,$(VARIATION)),$(VARIATION)-)$(N)
av-digits: install
	$(TSX) scripts/av-digits.ts --n $(N) --seed $(SEED) --level $(LEVEL) --variation $(VARIATION) --out $(OUT) --force

fashion-mnist: install
	$(TSX) scripts/fashion-mnist.ts

# Real scores for `make bench ONLY=sinkhorn-family`: SeLa on Fashion-MNIST's 60,000 training images
# for one epoch with a 1,000-cluster over-clustering head, its final logits exported (~20 min).
sinkhorn-real: build
	@set -e; eval "$$($(TSX) scripts/fashion-mnist.ts)"; rm -rf .cache/sinkhorn-real; \
	node dist/cli/bin.js sela "$$trainImages" --k 10 --heads 1 --overcluster 1000 --epochs 1 --label-updates 6 \
	  --out .cache/sinkhorn-real/run --export .cache/sinkhorn-real/export --no-report --quiet > /dev/null; \
	cp .cache/sinkhorn-real/export/logits-head1.npy .cache/sinkhorn-real/logits.npy

clean:
	rm -rf dist
