# commune - the README's two commands and the developer targets.
#
#   make demo     install what is missing, build, create a small territory,
#                 serve it on http://127.0.0.1:8080 (Ctrl-C stops it)
#   make check    install what is missing, build twice (normal, and with
#                 ASan+UBSan), run every test in both, lint, fuzz; the
#                 end-to-end tests of the web application (tests/e2e) run in
#                 the normal build, with Debian's chromium (deps-e2e)
#   make install  binary, man page, web assets, systemd unit example
#   make format   clang-format the tree;  make lint  banned functions + clang-tidy
#   make bench    the benchmarks of bench/ (see docs/BENCHMARKS.md)

JOBS        ?= 2
BUILD       ?= build
ASAN_BUILD  ?= build-asan
FUZZ_BUILD  ?= build-fuzz
FUZZ_SECONDS ?= 30
PREFIX      ?= /usr/local
DEMO_DATA   ?= demo-data
CMAKE_FLAGS ?=

.PHONY: all deps deps-test deps-e2e build build-asan test test-asan check demo install format lint fuzz fuzz-replay bench clean

all: build

deps:
	@scripts/install-deps

# the PostgreSQL server for the tests on both backends, and chromium for
# tests/e2e: only the tests need them, not `make demo`
deps-test:
	@scripts/install-deps test

deps-e2e:
	@scripts/install-deps e2e

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j$(JOBS)

build-asan: deps-test
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCOMMUNE_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j$(JOBS)

test: deps-e2e build
	cd $(BUILD) && ctest -j$(JOBS) --output-on-failure

test-asan: build-asan
	cd $(ASAN_BUILD) && \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest -j$(JOBS) --output-on-failure

lint: build
	scripts/lint $(BUILD)

fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOMMUNE_FUZZ=ON -DBUILD_TESTING=OFF
	cmake --build $(FUZZ_BUILD) -j$(JOBS)
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

check: test test-asan lint fuzz
	@echo "make check: all passed"

demo: build
	scripts/demo $(BUILD)/commune $(DEMO_DATA)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

format:
	find src tests fuzz -name '*.[ch]' | xargs clang-format -i

bench: build
	scripts/install-deps bench
	bench/http/run.sh
	bench/rss/run.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
