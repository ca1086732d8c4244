# MailTime.
#   make run    installs what is missing, builds, starts the broker (mailtimed) on its embedded defaults
#   make test   installs what the build and the tests need, builds with warnings as errors, checks the
#               formatting, and runs every test
#   make test-unit  builds and runs the tests that need no external peer and are not slow (about a minute)
#   make format / make lint  rewrites / checks the formatting with the toolchain's swift format (.swift-format)
#   make fuzz   builds the fuzz targets with libFuzzer and AddressSanitizer and runs each for FUZZ_SECONDS
#               (default 60) from its committed corpus; make fuzz-short does the same for FUZZ_SHORT_SECONDS

SWIFT ?= swift
# System libraries the build links against, and the peers the tests talk to.
BUILD_PACKAGES := pkg-config liblmdb-dev libssl-dev
# python3-aiosmtpd, postfix (for smtp-sink) and swaks (with libnet-ssleay-perl for its STARTTLS) are the
# SMTP peers of the SMTP client tests; e2fsprogs makes the ext4 image the read-only filesystem test mounts;
# chromium, chromium-driver and python3-selenium drive the admin console in a headless browser.
TEST_PACKAGES := openssl lmdb-utils python3 python3-aiosmtpd postfix swaks libnet-ssleay-perl e2fsprogs \
	chromium chromium-driver python3-selenium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Tests are built with warnings as errors (both test targets use the same flags, so neither rebuilds the other's work).
TEST_BUILD_FLAGS := -Xswiftc -warnings-as-errors

.PHONY: run test test-unit format lint build deps test-deps bench-store clean fuzz fuzz-short fuzz-build

# Installs, with apt-get, whichever of the named Debian packages are missing. Installing postfix (the tests
# only need its smtp-sink) must neither prompt nor start a system Postfix: debconf is told "No configuration",
# and a policy-rc.d that refuses every service start is in place during the install (unless one exists).
install_missing = missing=""; \
	for package in $(1); do \
		dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		echo "postfix postfix/main_mailer_type select No configuration" | $(SUDO) debconf-set-selections; \
		made_policy=""; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '\#!/bin/sh\nexit 101\n' | $(SUDO) tee /usr/sbin/policy-rc.d >/dev/null && \
			$(SUDO) chmod +x /usr/sbin/policy-rc.d && made_policy=yes; \
		fi; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		status=$$?; \
		if [ -n "$$made_policy" ]; then $(SUDO) rm -f /usr/sbin/policy-rc.d; fi; \
		exit $$status; \
	fi

deps:
	@$(call install_missing,$(BUILD_PACKAGES))

test-deps: deps
	@$(call install_missing,$(TEST_PACKAGES))

build: deps
	$(SWIFT) build

# Release build of the broker and the CLI; the broker keeps its data in ./var.
run: deps
	$(SWIFT) build -c release --product mailtimed
	$(SWIFT) build -c release --product mailtime
	exec "$$($(SWIFT) build -c release --show-bin-path)/mailtimed" $(ARGS)

# The browser test (headless Chromium, which takes both cores while it runs) runs alone, after the
# others, so that it does not slow down their timing.
test: test-deps lint
	$(SWIFT) build --build-tests $(TEST_BUILD_FLAGS)
	$(SWIFT) test --skip-build --skip ConsoleBrowserTests
	$(SWIFT) test --skip-build --filter ConsoleBrowserTests
	$(MAKE) fuzz-short

# The tests tagged neither `peer` (they start aiosmtpd, smtp-sink, swaks, Postfix or openssl) nor `slow`;
# `swift test` cannot filter by tag, so the tagged tests skip themselves when MAILTIME_SKIP_TAGS names
# their tag (Tests/MailTimeTestSupport/Tag+MailTime.swift).
test-unit: deps
	$(SWIFT) build --build-tests $(TEST_BUILD_FLAGS)
	MAILTIME_SKIP_TAGS=peer,slow $(SWIFT) test --skip-build

format:
	$(SWIFT) format format --in-place --recursive --parallel Sources Tests Package.swift

lint:
	$(SWIFT) format lint --strict --recursive --parallel Sources Tests Package.swift

# Fuzzing (README, "Fuzzing"): mailtime-fuzz built with libFuzzer and AddressSanitizer in its own build
# folder; each target runs from a scratch copy of its committed corpus (Tests/FuzzCorpus/<target>, seeds
# and regressions), so new inputs never land in the repository. A crash fails the run and leaves its
# input in $(FUZZ_ARTIFACTS).
FUZZ_TARGETS := broker-request json email email-address submitted-message smtp-reply smtp-server base64 quoted-printable tls
FUZZ_SECONDS ?= 60
FUZZ_SHORT_SECONDS ?= 15
FUZZ_BUILD_PATH := .build-fuzz
FUZZ_ARTIFACTS := $(FUZZ_BUILD_PATH)/artifacts
FUZZ_FLAGS := -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
# make fuzz runs a release build (about ten times the executions of a debug one); make fuzz-short, in
# make test's budget, a debug build (about half the compile time).
FUZZ_CONFIGURATION ?= debug
fuzz: FUZZ_CONFIGURATION := release

fuzz-build: deps
	$(SWIFT) build --build-path $(FUZZ_BUILD_PATH) -c $(FUZZ_CONFIGURATION) --product mailtime-fuzz \
		-Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING

# Runs every target for $(1) seconds; prints each one's executions; fails if any target crashed.
run_fuzz = failed=""; mkdir -p $(FUZZ_ARTIFACTS); \
	for target in $(FUZZ_TARGETS); do \
		corpus=$(FUZZ_BUILD_PATH)/corpus/$$target; mkdir -p $$corpus; \
		find Tests/FuzzCorpus/$$target -type f -exec cp {} $$corpus/ \; ; \
		log=$(FUZZ_BUILD_PATH)/$$target.log; \
		SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 \
			$(FUZZ_BUILD_PATH)/$(FUZZ_CONFIGURATION)/mailtime-fuzz $$target $$corpus -max_total_time=$(1) $(FUZZ_FLAGS) \
			-artifact_prefix=$(FUZZ_ARTIFACTS)/$$target- >$$log 2>&1; \
		status=$$?; \
		runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
		if [ $$status -eq 0 ]; then \
			printf 'fuzz %-18s %10s executions in %ss\n' $$target "$$runs" $(1); \
		else \
			failed="$$failed $$target"; \
			printf 'fuzz %-18s FAILED (exit %s): %s\n' $$target $$status "$$(grep -m1 -E 'Precondition failed|Fatal error|ERROR: |SUMMARY' $$log)"; \
			grep -E "Test unit written to" $$log; \
		fi; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzzing found crashes in:$$failed (logs in $(FUZZ_BUILD_PATH)/<target>.log); fix them, then keep each input in Tests/FuzzCorpus/<target>/regressions/"; \
		exit 1; \
	fi

fuzz: fuzz-build
	@$(call run_fuzz,$(FUZZ_SECONDS))

fuzz-short: fuzz-build
	@$(call run_fuzz,$(FUZZ_SHORT_SECONDS))

bench-store: deps
	bash Benchmarks/store-vs-fsync.sh

clean:
	rm -rf .build $(FUZZ_BUILD_PATH)
