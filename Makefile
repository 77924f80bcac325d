# subsidysim: two commands on a fresh Debian machine.
#   make run    installs what is missing, builds in release, runs the bundled draft scenario
#   make test   installs what is missing, runs the test suite
#   make bench  release-mode benchmark: throughput, wall time, peak RSS, end-to-end run, sweep, Sobol,
#               callgrind instructions per trial, each beside its target
#   make test-release  the determinism, golden, stream-contract and CLI tests in a release build
#                      (the hot loops use unsafe pointers and @inline(__always): debug tests do not cover them)
#   make fuzz   libFuzzer on the scenario loader for FUZZ_SECONDS (default 180)
#   make report-preview  runs the draft, then renders 报告.docx (and 结果.xlsx) to PDF and PNG
#                        pages with LibreOffice headless, into PREVIEW/preview/ (PREVIEW defaults to Output/pingluo-draft)
SWIFT ?= swift
RUN_ARGS ?=
BIN := .build/release/subsidysim
BENCH := .build/release/subsidysim-bench
SOURCES := Package.swift $(shell find Sources -type f 2>/dev/null)

.PHONY: run test test-release bench build bootstrap clean fuzz report-preview

bootstrap:
	@scripts/bootstrap

# Rebuilt only when a source changed, so `make run` after a build costs the run alone.
$(BIN): $(SOURCES)
	@scripts/bootstrap
	$(SWIFT) build -c release --product subsidysim
	@touch $@

$(BENCH): $(SOURCES)
	@scripts/bootstrap
	$(SWIFT) build -c release --product subsidysim-bench
	@touch $@

build: $(BIN)

run: bootstrap $(BIN)
	$(BIN) run $(RUN_ARGS)

test: bootstrap
	$(SWIFT) test

# A separate build folder: release tests need -enable-testing, which the release product does not.
RELEASE_TESTS := GoldenTests|DeterminismTests|\.ReportTests|StreamContractTests|CellShortcutTests|RuleCaseKernelTests|CLITests
test-release: bootstrap
	$(SWIFT) build -c release --build-tests -Xswiftc -enable-testing --scratch-path .build-release-tests
	$(SWIFT) test -c release -Xswiftc -enable-testing --scratch-path .build-release-tests --skip-build --filter '$(RELEASE_TESTS)'

# Every issue-13 target is printed beside its figure; the last line is callgrind's instructions per trial.
bench: $(BENCH) $(BIN)
	@scripts/bootstrap --bench
	$(BENCH)
	scripts/callgrind-per-trial $(BENCH)

PREVIEW ?= Output/pingluo-draft
report-preview: $(BIN)
	@scripts/bootstrap --preview
	$(BIN) run --quiet $(RUN_ARGS)
	scripts/report-preview $(PREVIEW)

FUZZ_SECONDS ?= 180
fuzz: bootstrap
	scripts/fuzz $(FUZZ_SECONDS)

clean:
	rm -rf .build
