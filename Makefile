# Orchestrator: build, run, test, bench. `make run` and `make test` are all a fresh machine needs.
SWIFT ?= swift
PORT ?= 3000
FUZZ_SECONDS ?= 60
DATA ?= ./data
BIN_RELEASE = .build/release/orchestrator
BIN_DEBUG = .build/debug/orchestrator

.PHONY: all build release run test e2e bench compare fuzz gen-migrations clean deps test-deps

all: build

deps:
	@command -v pkg-config >/dev/null && pkg-config --exists sqlite3 openssl zlib || \
	  (apt-get update -qq && apt-get install -y -qq pkg-config libsqlite3-dev libssl-dev zlib1g-dev)

test-deps: deps
	@python3 -c 'import cryptography' 2>/dev/null || python3 -m pip install -q cryptography
	@command -v curl >/dev/null || (apt-get update -qq && apt-get install -y -qq curl)

gen-migrations:
	@sh scripts/gen-migrations.sh

build: deps gen-migrations
	$(SWIFT) build

release: deps gen-migrations
	$(SWIFT) build -c release

run: release
	mkdir -p $(DATA)
	$(BIN_RELEASE) serve --host 127.0.0.1 --port $(PORT) --data-dir $(DATA)

test: test-deps gen-migrations
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

e2e: test-deps gen-migrations
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter EndToEndTests

bench: release
	@sh scripts/bench.sh

compare: release
	../shared/perf/compare.sh $(BIN_RELEASE)

# The HTTP parser and expression fuzzers, FUZZ_SECONDS each (default 60).
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh scripts/fuzz.sh

clean:
	rm -rf .build .build-*
