# Thin wrapper around CMake: dependencies, build, tests, demo, benchmarks, install.
# `make check` is what CI runs (.ci/run); `make demo` shows the main job end to end.

BUILD      ?= build
ASAN_BUILD ?= build-asan
PREFIX     ?= /usr/local
DESTDIR    ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

# Debian 12 packages: build tools, libraries (see README's dependency table), and the real
# programs the tests talk to (ping, traceroute, an SMTP server, python3 for pty and JSON checks).
DEBS = cmake ninja-build g++ pkg-config ccache \
       libcli11-dev libcurl4-openssl-dev libpugixml-dev libsqlitecpp-dev libsqlite3-dev \
       libspdlog-dev catch2 libgmime-3.0-dev libsimdjson-dev libtomlplusplus-dev libmstch-dev \
       libssl-dev zlib1g-dev libarchive-dev liburing-dev scdoc \
       python3 python3-aiosmtpd iputils-ping traceroute sqlite3 gzip openssl
# Only for `make bench`: the peer tools the benchmarks measure against.
BENCH_DEBS = mblaze ripgrep sqlite3 time

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
# ccache keys on paths relative to the checkout, so that another clone of the same sources (CI's)
# finds what this one compiled.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
CMAKE_COMMON = -G Ninja -DSWD_WERROR=ON

.PHONY: all deps bench-deps build build-asan check demo bench install clean

all: build

# Installs exactly the listed packages when any is missing; does nothing otherwise.
define install_missing
	@missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${db:Status-Status}' "$$p" 2>/dev/null | grep -qx installed || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call install_missing,$(DEBS))

bench-deps: deps
	$(call install_missing,$(BENCH_DEBS))

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=RelWithAssert \
	  -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=RelWithAssert -DSWD_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) build-asan
	cd $(ASAN_BUILD) && \
	  ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

demo: build
	examples/demo.sh $(BUILD)/bin

bench: bench-deps build
	tests/bench/run.sh $(BUILD)/bin

install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
