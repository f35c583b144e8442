# selavi-ts: every install step lives here or in package.json. `make demo` and `make test`
# install what is missing first, so both work on a fresh clone.
SHELL := /bin/bash
NPM ?= npm
NODE_MODULES_STAMP := node_modules/.install-stamp
TSX := node_modules/.bin/tsx
ONLY ?=
N ?= 2000
SEED ?= 1

.PHONY: all install build test typecheck demo bench bench-quality clean

all: build

# npm ci when a lock file exists (reproducible), npm install otherwise. The native TensorFlow
# backends and ffmpeg-static are optional dependencies: their downloads fail offline, and npm
# still exits 0 without them.
$(NODE_MODULES_STAMP): package.json $(wildcard package-lock.json)
	@if [ -f package-lock.json ]; then $(NPM) ci --no-audit --no-fund; else $(NPM) install --no-audit --no-fund; fi
	@touch $@

install: $(NODE_MODULES_STAMP)

build: install
	node_modules/.bin/tsc -p tsconfig.json

typecheck: install
	node_modules/.bin/tsc -p tsconfig.json --noEmit
	node_modules/.bin/tsc -p tsconfig.test.json --noEmit

test: install typecheck
	node_modules/.bin/vitest run

# Every benchmark, or one: `make bench ONLY=sinkhorn-vggsound`. Each prints one JSON line.
bench: install
	@set -e; if [ -n "$(ONLY)" ]; then \
	  [ -f bench/$(ONLY).bench.ts ] || { echo "no benchmark named $(ONLY): see bench/*.bench.ts" >&2; exit 2; }; \
	  $(TSX) bench/$(ONLY).bench.ts; \
	else for f in bench/*.bench.ts; do $(TSX) $$f; done; fi

demo: build
	@echo "demo: see README (filled in as the pipeline lands)"

clean:
	rm -rf dist
