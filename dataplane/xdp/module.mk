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
BENCH_TARGETS += bench-bpf bench-maglev bench-xdp-cp

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

# bench-bpf's side-by-side: the packet path as it was before the driver
# (BPF_REF_COMMIT), built with the same flags, and this build without the
# per-service and per-real counters (an ablation, never shipped).
BPF_REF_COMMIT ?= 32f7bd7
BPF_REF_DIR    := $(BUILD)/bench/ref-bpf
BPF_REF_OBJ    := $(BUILD)/bench/lb-ref.bpf.o
BPF_NOCTR_OBJ  := $(BUILD)/bench/lb-noctr.bpf.o

$(BPF_REF_DIR)/lb.tmp.o:
	$(call msg,BPF,$@ [$(BPF_REF_COMMIT)])
	$(Q)rm -rf $(BPF_REF_DIR) && mkdir -p $(BPF_REF_DIR)
	$(Q)git archive $(BPF_REF_COMMIT) $(XDP_DIR)/bpf | tar -x -C $(BPF_REF_DIR)
	$(Q)$(CLANG) $(BPF_CFLAGS) -I$(BPF_REF_DIR)/$(XDP_DIR)/bpf \
		-c $(BPF_REF_DIR)/$(XDP_DIR)/bpf/lb.bpf.c -o $@

$(BUILD)/bench/lb-noctr.tmp.o: $(XDP_DIR)/bpf/lb.bpf.c $(XDP_BPF_HDRS)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DLB_BENCH_NO_CTR -Wno-unused-function -c $< -o $@

$(BPF_REF_OBJ): $(BPF_REF_DIR)/lb.tmp.o
	$(call msg,GENOBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(BPF_NOCTR_OBJ): $(BUILD)/bench/lb-noctr.tmp.o
	$(call msg,GENOBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

.PHONY: test-bpf bench-bpf bench-maglev
test-bpf: $(BPF_TEST_BIN)
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/bpf/run.sh $(BPF_TEST_BIN)

# Every case with the product's default flow table (262144 flows per CPU),
# then new flows again with other sizes: a SYN's cost is dominated by the
# memory its flow set lives in.
# Outside a git clone that has the reference commit, the cases run without it.
BENCH_BPF_RUN = tests/bpf/run.sh $(BPF_BENCH_BIN) $$ref $(BPF_NOCTR_OBJ)
bench-bpf: $(BPF_BENCH_BIN) $(BPF_NOCTR_OBJ)
	$(Q)ref=$(BPF_REF_OBJ); \
	git cat-file -e '$(BPF_REF_COMMIT)^{commit}' 2>/dev/null && \
		$(MAKE) --no-print-directory $(BPF_REF_OBJ) || \
		{ ref=-; echo "bench-bpf: no commit $(BPF_REF_COMMIT) here: no reference"; }; \
	$(BENCH_BPF_RUN) && \
	for f in 1048576:1M 65536:64K 4096:4K; do \
		BENCH_FLOWS=$${f%%:*} BENCH_BPF_ONLY=1 $(BENCH_BPF_RUN) | tail -1 | \
			sed "s/\$$/  [$${f#*:} flows]/" || exit 1; \
	done

bench-maglev: $(MAGLEV_BENCH_BIN)
	$(Q)$(MAGLEV_BENCH_BIN)

# The driver's control plane at 1,000 services x 100 reals (root; a veth in
# a network namespace, a private bpffs).
XDP_CP_BENCH_BIN := $(BUILD)/tests/bench/bench_xdp_cp

$(XDP_CP_BENCH_BIN): $(BUILD)/tests/bench/bench_xdp_cp.o \
		$(BUILD)/tests/bench/bench_cfg.o $(BUILD)/libballast.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

.PHONY: bench-xdp-cp
bench-xdp-cp: $(XDP_CP_BENCH_BIN)
	$(Q)tests/bench/xdp_cp.sh $(XDP_CP_BENCH_BIN)

-include $(patsubst %.c,$(BUILD)/%.d,$(BPF_TEST_SRCS)) $(BUILD)/tests/bench/bench_bpf.d \
	$(BUILD)/tests/bench/bench_xdp_cp.d

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
