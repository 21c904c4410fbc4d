# SPDX-License-Identifier: GPL-2.0-only
# The XDP/TC forwarder: BPF objects, their skeletons, the userspace Maglev and
# map helpers, the golden-packet tests and the benchmarks.

XDP_DIR   := dataplane/xdp
XDP_BUILD := $(BUILD)/$(XDP_DIR)
XDP_PROGS := lb decap bench
XDP_BPF_HDRS := $(wildcard $(XDP_DIR)/bpf/*.h)
XDP_SKELS := $(patsubst %,$(XDP_BUILD)/%.skel.h,$(XDP_PROGS))
XDP_OBJS  := $(patsubst %,$(XDP_BUILD)/%.bpf.o,$(XDP_PROGS))

BPFTOOL ?= bpftool
BPF_ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine 2>/dev/null)
BPF_CFLAGS := -target bpf -O2 -g -mcpu=v3 -Wall -Werror -I$(XDP_DIR)/bpf \
	      -I$(BPF_ARCH_INC)

DEPS_PKGS += clang llvm bpftool libbpf-dev libelf-dev iproute2
LIB_SRCS  += $(wildcard $(XDP_DIR)/*.c)
GEN_HDRS  += $(XDP_SKELS)
CHECK_TARGETS += test-bpf
BENCH_TARGETS += bench-bpf bench-maglev

$(XDP_BUILD)/%.tmp.o: $(XDP_DIR)/bpf/%.bpf.c $(XDP_BPF_HDRS)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# Linked through bpftool so the object is what libbpf would see (BTF fixed up).
$(XDP_BUILD)/%.bpf.o: $(XDP_BUILD)/%.tmp.o
	$(call msg,GENOBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(XDP_BUILD)/%.skel.h: $(XDP_BUILD)/%.bpf.o
	$(call msg,GENSKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

.SECONDARY: $(XDP_OBJS) $(patsubst %,$(XDP_BUILD)/%.tmp.o,$(XDP_PROGS))

.PHONY: xdp-objs
xdp-objs: $(XDP_SKELS)

# ---- golden-packet tests ---------------------------------------------------
BPF_TEST_SRCS := $(wildcard tests/bpf/*.c)
BPF_TEST_BIN  := $(BUILD)/tests/bpf/golden
BPF_BENCH_BIN := $(BUILD)/tests/bench/bench_bpf
MAGLEV_BENCH_BIN := $(BUILD)/tests/bench/bench_maglev

$(BPF_TEST_BIN): $(patsubst %.c,$(BUILD)/%.o,$(BPF_TEST_SRCS)) $(BUILD)/libballast.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BPF_BENCH_BIN): $(BUILD)/tests/bench/bench_bpf.o $(BUILD)/tests/bpf/pkt.o \
		  $(BUILD)/tests/bpf/lab.o $(BUILD)/libballast.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(MAGLEV_BENCH_BIN): $(BUILD)/tests/bench/bench_maglev.o $(BUILD)/libballast.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

.PHONY: test-bpf bench-bpf bench-maglev
test-bpf: $(BPF_TEST_BIN)
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/bpf/run.sh $(BPF_TEST_BIN)

# Every case with the product's default flow table (262144 flows per CPU),
# then new flows again with other sizes: a SYN's cost is dominated by the
# memory its flow set lives in.
bench-bpf: $(BPF_BENCH_BIN)
	$(Q)tests/bpf/run.sh $(BPF_BENCH_BIN)
	$(Q)BENCH_FLOWS=1048576 BENCH_BPF_ONLY=1 tests/bpf/run.sh $(BPF_BENCH_BIN) | tail -1 | sed 's/$$/  [1M flows]/'
	$(Q)BENCH_FLOWS=65536 BENCH_BPF_ONLY=1 tests/bpf/run.sh $(BPF_BENCH_BIN) | tail -1 | sed 's/$$/  [64K flows]/'
	$(Q)BENCH_FLOWS=4096 BENCH_BPF_ONLY=1 tests/bpf/run.sh $(BPF_BENCH_BIN) | tail -1 | sed 's/$$/  [4K flows]/'

bench-maglev: $(MAGLEV_BENCH_BIN)
	$(Q)$(MAGLEV_BENCH_BIN)

-include $(patsubst %.c,$(BUILD)/%.d,$(BPF_TEST_SRCS)) $(BUILD)/tests/bench/bench_bpf.d

# ---- the driver end to end, in a network and mount namespace ----------------
XDP_POKE_BIN := $(BUILD)/tests/xdp/poke
CHECK_TARGETS += test-xdp

$(XDP_POKE_BIN): $(BUILD)/tests/xdp/poke.o $(BUILD)/libballast.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

.PHONY: test-xdp
test-xdp: ballast $(XDP_POKE_BIN)
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/xdp/run.sh ./ballast $(XDP_POKE_BIN)

-include $(BUILD)/tests/xdp/poke.d

# The golden packets and the driver suite also run inside the test VM, on
# Debian 12's 6.1 kernel (make test-vm, tests/vm/xdp.sh).
VM_XDP_FILES := $(BPF_TEST_BIN) $(XDP_POKE_BIN) $(XDP_BUILD)/decap.bpf.o
test-vm: $(VM_XDP_FILES)
