# SPDX-License-Identifier: GPL-2.0-only
#
# make            build ./ballast
# make deps       install the Debian packages the build and the tests need
# make check      deps + build + every test this machine can run
# make test-unit  unit tests only; every other suite of `make check` has its
#                 own test-* target too (listed in Docs/TESTING.md)
# make test-fresh `make demo` in a fresh Debian 12 chroot (root, network,
#                 minutes; not part of `make check`)
# make fuzz       run the config fuzzer (FUZZ_SECONDS=600 by default)
# make bench      benchmarks; results go in Docs/BENCHMARKS.md by hand
# make asan       ./ballast-asan with AddressSanitizer and UBSan
# make demo       deps + build + the load balancer end to end in a lab of
#                 namespaces (root; MODE=nat for NAT, KEEP=1 to leave it up;
#                 demo-down removes it)
# make demo-fake  the configuration walk-through on the in-memory dataplane
#
# Modules add themselves through a `module.mk` in their folder; see
# Docs/ARCHITECTURE.md ("Build").

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:

V ?= 0
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CC      ?= gcc
CLANG   ?= clang
BUILD   := build
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)

# Packages every machine needs for the build and the unit tests. Modules
# append their own (a test lab's tools, a VM kernel) in their module.mk.
DEPS_PKGS := build-essential pkg-config clang llvm libclang-rt-14-dev \
	libyaml-dev libjansson-dev libnl-3-dev libnl-genl-3-dev libmnl-dev \
	libbpf-dev bpftool libelf-dev zlib1g-dev check iproute2 python3

PKGS := yaml-0.1 jansson libnl-genl-3.0 libmnl libbpf
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wno-unused-parameter -Wformat=2 -Wvla
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(CFLAGS) $(WARN) -I. -I$(BUILD) -D_GNU_SOURCE \
	     -DBALLAST_VERSION='"$(VERSION)"' $(PKG_CFLAGS) -MMD -MP
LDLIBS_ALL = $(PKG_LIBS) -lm

# Everything but the command layer (cmd/*.c) goes into one static library that
# the binary, the tests, the benchmarks and the fuzzer link; cmd/api/ joins it
# through its module.mk.
LIB_DIRS := lib config reconcile dataplane/fake
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
CMD_SRCS := $(wildcard cmd/*.c)
# Generated headers (BPF skeletons) that C sources need before compiling.
GEN_HDRS :=
# Test and benchmark entry points modules register.
CHECK_TARGETS := test-unit
BENCH_TARGETS :=
CLEAN_FILES :=

-include $(sort $(wildcard */module.mk */*/module.mk))

LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
CMD_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CMD_SRCS))
LIBBALLAST := $(BUILD)/libballast.a

.PHONY: all
all: ballast

ballast: $(CMD_OBJS) $(LIBBALLAST)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(CMD_OBJS) $(LIBBALLAST) $(LDLIBS_ALL)

$(LIBBALLAST): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c | $(GEN_HDRS)
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# ---- sanitizers ---------------------------------------------------------
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
.PHONY: asan
asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="-O1 -g $(SAN_FLAGS)" all
	$(Q)cp ballast ballast-asan && rm -f ballast && $(MAKE) --no-print-directory all

# ---- dependencies -------------------------------------------------------
.PHONY: deps
deps:
	$(Q)tests/lib/deps.sh $(sort $(DEPS_PKGS))

# ---- unit tests ---------------------------------------------------------
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
TEST_LIB_SRCS := $(wildcard tests/lib/*.c)
TEST_LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(TEST_LIB_SRCS))
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

UNIT_OBJS := $(UNIT_BINS:=.o)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(TEST_LIB_OBJS) $(LIBBALLAST)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_ALL)

# Made only through the pattern rule above, these objects would count as
# intermediate and be deleted after each link, then compiled again whenever
# the library changes.
.SECONDARY: $(UNIT_OBJS) $(TEST_LIB_OBJS)

RESULTS := $(BUILD)/results
export BALLAST_RESULTS := $(abspath $(RESULTS))

.PHONY: test-unit
test-unit: $(UNIT_BINS) ballast
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/lib/run-unit.sh $(UNIT_BINS)

# ---- fuzzing ------------------------------------------------------------
FUZZ_SECONDS ?= 600
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SRCS := lib/addr.c lib/file.c lib/log.c lib/ring_size.c $(wildcard config/*.c)
$(BUILD)/fuzz/fuzz_config: tests/fuzz/fuzz_config.c $(FUZZ_SRCS) $(wildcard config/*.h lib/*.h)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -std=gnu11 $(FUZZ_FLAGS) -I. -D_GNU_SOURCE $(PKG_CFLAGS) -o $@ \
		tests/fuzz/fuzz_config.c $(FUZZ_SRCS) $(PKG_LIBS)

.PHONY: fuzz test-fuzz
fuzz: $(BUILD)/fuzz/fuzz_config
	$(Q)tests/fuzz/run.sh $< $(FUZZ_SECONDS)

test-fuzz: $(BUILD)/fuzz/fuzz_config
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/fuzz/run.sh $< 60

CHECK_TARGETS += test-fuzz

# ---- everything ---------------------------------------------------------
.PHONY: check
check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	$(Q)status=0; for t in $(CHECK_TARGETS); do \
		printf '\n==== %s ====\n' "$$t"; \
		$(MAKE) --no-print-directory $$t || status=1; \
	done; tests/lib/summary.sh $(RESULTS) && exit $$status || exit 1

.PHONY: bench
bench: all $(BENCH_TARGETS)

# deps first, then a new make: on a fresh machine the compilers and libraries
# this Makefile asks about when it is read only exist after deps. The lab
# needs root; demo-fake is the configuration walk-through on the in-memory
# dataplane, without root.
.PHONY: demo demo-fake demo-down
demo: deps
	$(Q)$(MAKE) --no-print-directory $(if $(Q),-s) all
	$(Q)MODE="$(MODE)" KEEP="$(KEEP)" tests/lab/demo.sh ./ballast

demo-down: ballast
	$(Q)tests/lab/demo.sh ./ballast down

demo-fake: all
	$(Q)tests/demo/demo.sh

.PHONY: clean
clean:
	rm -rf $(BUILD) build-asan ballast ballast-asan $(CLEAN_FILES)

# Every object's header dependencies, whichever module or test built it: an
# object that misses a changed struct's header links a stale layout.
-include $(shell find $(BUILD) -path $(BUILD)/fresh -prune -o -name '*.d' -type f -print 2>/dev/null)
