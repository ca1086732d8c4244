# MailTime.
#   make run    installs what is missing, builds, starts the broker (mailtimed) on its embedded defaults
#   make test   installs what the build and the tests need, builds, and runs every test

SWIFT ?= swift
# System libraries the build links against, and the peers the tests talk to.
BUILD_PACKAGES := pkg-config liblmdb-dev libssl-dev
TEST_PACKAGES := openssl lmdb-utils python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test build deps test-deps bench-store clean

# Installs, with apt-get, whichever of the named Debian packages are missing.
install_missing = missing=""; \
	for package in $(1); do \
		dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
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

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench-store: deps
	bash Benchmarks/store-vs-fsync.sh

clean:
	rm -rf .build
