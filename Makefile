# subsidysim: two commands on a fresh Debian machine.
#   make run    installs what is missing, builds in release, runs the bundled draft scenario
#   make test   installs what is missing, runs the test suite
#   make bench  release-mode benchmark (throughput, wall time, peak RSS)
SWIFT ?= swift
RUN_ARGS ?=

.PHONY: run test bench build bootstrap clean

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build -c release --product subsidysim

run: build
	$(SWIFT) run -c release --skip-build subsidysim run $(RUN_ARGS)

test: bootstrap
	$(SWIFT) test

bench: bootstrap
	$(SWIFT) build -c release --product subsidysim-bench
	$(SWIFT) run -c release --skip-build subsidysim-bench

clean:
	rm -rf .build
