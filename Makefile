# Tyme Tab: build, run and test.  `make run` and `make test` install what they
# need (rustup target, wasm-bindgen-cli, npm packages, Debian packages) and
# skip what is already there.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
WASM_TARGET := wasm32-unknown-unknown
# wasm-bindgen-cli must equal the wasm-bindgen library version pinned in Cargo.lock.
WB_VERSION = $(shell awk '$$0=="name = \"wasm-bindgen\""{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
PKG := extension/pkg
WASM := $(PKG)/tyme_tab_bg.wasm
NODE_TEST := node --test --test-concurrency=1
export CHROMEDRIVER := /usr/bin/chromedriver

.PHONY: help deps deps-apt deps-rust deps-node deps-firefox wasm www-shared bundle sandbox build dist lint-firefox run test test-rust test-wasm test-unit test-e2e test-firefox test-www test-soak test-types check-core soak bench fuzz clean

help:
	@echo "make run    build everything, start the sandbox and open the extension against it (BROWSER=firefox for Firefox)"
	@echo "make dist   dist/tyme-tab-<version>-chrome.zip and -firefox.zip (reproducible)"
	@echo "make test   every test (native, wasm in Chromium, extension and www end to end)"
	@echo "make soak   fault-injection soak through the real extension (SOAK_N=1000, SOAK_DIALECT=seed|live)"
	@echo "make bench  benchmark in headless Chromium with budgets"
	@echo "make fuzz   cargo-fuzz on parsers and the note scrubber (FUZZ_SECS=60 per target)"

## ---- dependencies (idempotent) ----
deps: deps-apt deps-rust deps-node

deps-apt:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v curl >/dev/null || missing="$$missing curl"; \
	command -v zip >/dev/null || missing="$$missing zip"; \
	command -v gzip >/dev/null || missing="$$missing gzip"; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

deps-rust:
	@[ -f Cargo.lock ] || cargo generate-lockfile
	@rustup target list --installed | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)
	@if [ "$$(wasm-bindgen --version 2>/dev/null | awk '{print $$2}')" != "$(WB_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WB_VERSION)"; cargo install wasm-bindgen-cli --version $(WB_VERSION); fi

# Firefox for the Firefox journeys and `make run BROWSER=firefox`: Debian's
# firefox-esr and geckodriver from crates.io at a pinned version (WebDriver
# client: selenium-webdriver from npm, in package.json).
GECKODRIVER_VERSION := 0.37.1
deps-firefox:
	@command -v firefox-esr >/dev/null || { echo "installing Debian package: firefox-esr"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr; }
	@if [ "$$(geckodriver --version 2>/dev/null | awk 'NR==1{print $$2}')" != "$(GECKODRIVER_VERSION)" ]; then \
	  echo "installing geckodriver $(GECKODRIVER_VERSION)"; cargo install geckodriver --version $(GECKODRIVER_VERSION); fi

deps-node: node_modules/.deps-stamp
node_modules/.deps-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## ---- build ----
wasm: deps-rust deps-node
	cargo build --lib --release --target $(WASM_TARGET)
	wasm-bindgen --target web --out-dir $(PKG) --out-name tyme_tab \
	  --remove-name-section --remove-producers-section \
	  $(TARGET_DIR)/$(WASM_TARGET)/release/tyme_tab.wasm
	wasm-opt -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
	  --enable-mutable-globals --enable-reference-types --enable-multivalue \
	  $(WASM) -o $(WASM)
	rm -rf www/pkg && cp -r $(PKG) www/pkg
	$(MAKE) --no-print-directory www-shared
	$(MAKE) --no-print-directory bundle
	@raw=$$(stat -c %s $(WASM)); gz=$$(gzip -9 -c $(WASM) | wc -c); \
	  echo "wasm size: $$raw bytes raw, $$gz bytes gzip -9 (budget 120 KiB = 122880)"; \
	  [ $$gz -le 122880 ] || { echo "wasm over the 120 KiB gzip budget"; exit 1; }

# The rules, entity builders and outbox driver the web console shares with
# the extension: one source (extension/shared/, packaged with the extension),
# copied for www/'s server as the wasm package is (never edit www/shared/).
www-shared:
	rm -rf www/shared && cp -r extension/shared www/shared

sandbox:
	cargo build -p tyme-sandbox

# The extension's scripts as the browser loads them: one bundle per entry
# point in extension/build/ (git-ignored), from the sources in extension/.
# (`make wasm` ends with it: the glue it writes is bundled into the worker.)
bundle: deps-node
	node scripts/bundle.mjs

build: deps wasm sandbox

# Release packages for the Chrome Web Store and addons.mozilla.org, from the
# one source in extension/ (scripts/build-dist.mjs: no key, no test hook, no
# source maps; fixed file order, time stamps and modes, so the same tree gives
# the same bytes).
dist: wasm
	node scripts/build-dist.mjs

# Mozilla's linter on the Firefox package; any error fails.
lint-firefox: dist
	addons-linter --output text dist/tyme-tab-$$(node -p "require('./extension/manifest.json').version")-firefox.zip

## ---- run ----
# BROWSER=chrome (default) or firefox.
BROWSER ?= chrome
run: build $(if $(filter firefox,$(BROWSER)),deps-firefox)
	node scripts/$(if $(filter firefox,$(BROWSER)),run-firefox,run).mjs

## ---- tests ----
test: build check-core test-types test-unit test-rust test-wasm test-e2e test-firefox test-www test-soak
	@echo "make test: all suites passed"

check-core:
	bash scripts/check-core-io.sh

# The hand-written TypeScript declarations of the package, used as the pages use them.
test-types: deps-node
	tsc --noEmit --strict --target es2022 --lib esnext,dom --module es2022 --moduleResolution bundler tests/types/check.ts
	@echo "test-types: declarations check"

# Every suite that talks to the API runs once per sandbox dialect: the seed's
# reading and the live service's (tests/sandbox/README.md). TYME_DIALECT is
# read by every harness that starts the sandbox.
DIALECTS := seed live

test-rust:
	cargo test --workspace
	TYME_DIALECT=live cargo test --test sandbox_api

test-wasm: sandbox
	@for d in $(DIALECTS); do echo "== wasm in Chromium, sandbox dialect $$d"; \
	  TYME_DIALECT=$$d CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	  bash scripts/with-sandbox.sh cargo test --target $(WASM_TARGET) --test browser || exit 1; done

# Plain-node unit tests of the extension's pure modules (no browser, no sandbox).
test-unit: deps-node
	$(NODE_TEST) tests/unit/

test-e2e:
	@for d in $(DIALECTS); do echo "== extension journeys, sandbox dialect $$d"; \
	  TYME_DIALECT=$$d $(NODE_TEST) tests/e2e/ || exit 1; done

# The Firefox build in headless firefox-esr (tests/firefox/): the packages
# (contents, store check, reproducibility, the Firefox package installed as
# it is) and the journeys on the package's files unpacked (out/firefox-test),
# once per sandbox dialect; the lint first.
test-firefox: deps-firefox sandbox lint-firefox
	node scripts/build-dist.mjs --unpacked firefox --out out/firefox-test
	@for d in $(DIALECTS); do echo "== Firefox, sandbox dialect $$d"; \
	  TYME_DIALECT=$$d $(NODE_TEST) tests/firefox/ || exit 1; done

test-www: www-shared
	@for d in $(DIALECTS); do echo "== web console, sandbox dialect $$d"; \
	  TYME_DIALECT=$$d $(NODE_TEST) tests/www/ || exit 1; done

# A short soak (N=40: all nine fault phases, >=30% injected faults, worker kills,
# two browser restarts, edits, a drain by alarms only) and four broken copies of the extension it must
# catch, per dialect, are part of `make test`.
test-soak:
	@for d in $(DIALECTS); do echo "== soak, sandbox dialect $$d"; \
	  TYME_DIALECT=$$d SOAK_N=$${SOAK_TEST_N:-40} $(NODE_TEST) tests/soak/ || exit 1; done

# SOAK_DIALECT=seed|live (default seed).
soak: build
	TYME_DIALECT=$${SOAK_DIALECT:-seed} SOAK_N=$${SOAK_N:-1000} node tests/soak/soak.mjs

bench: build
	node tests/bench/bench.mjs

# Coverage-guided fuzzing of the parsers and the note scrubber (nightly).
FUZZ_TARGETS := note outbox_state api_responses datetime oauth_redirect
fuzz:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  cargo +nightly fuzz run $$t -- -max_total_time=$${FUZZ_SECS:-60} || exit 1; done

clean:
	cargo clean
	rm -rf $(PKG) www/pkg www/shared node_modules out dist
