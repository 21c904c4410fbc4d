# SPDX-License-Identifier: GPL-2.0-only
# config/: YAML -> validated, immutable struct cfg.
PKGS += libcrypto
DEPS_PKGS += libssl-dev python3-yaml python3-jsonschema

# Validation time and peak memory on a generated 1,000 x 100 configuration.
BENCH_VALIDATE_CFG := $(BUILD)/bench/validate-1000x100.yaml
# Included before LIBBALLAST is defined: name the archive directly.
$(BUILD)/bench/bench_validate: tests/bench/bench_validate.c $(BUILD)/libballast.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libballast.a $(LDLIBS_ALL)

$(BENCH_VALIDATE_CFG): tests/bench/gen_config.py
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)python3 tests/bench/gen_config.py --services 1000 --backends 100 >$@

.PHONY: bench-validate
bench-validate: $(BUILD)/bench/bench_validate $(BENCH_VALIDATE_CFG)
	$(Q)$(BUILD)/bench/bench_validate $(BENCH_VALIDATE_CFG) 7

BENCH_TARGETS += bench-validate

# The JSON Schema in Docs/ and the loader agree on the examples and corpus.
.PHONY: test-schema
test-schema: ballast
	$(Q)mkdir -p $(RESULTS)
	$(Q)tests/config/test_schema.sh ./ballast

CHECK_TARGETS += test-schema

# What the worst accepted body_regex patterns cost regcomp and regexec.
$(BUILD)/bench/bench_regex: tests/bench/bench_regex.c $(BUILD)/libballast.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libballast.a $(LDLIBS_ALL)

.PHONY: bench-regex
bench-regex: $(BUILD)/bench/bench_regex
	$(Q)for n in 65536 1048576 16777216; do $(BUILD)/bench/bench_regex $$n; done

BENCH_TARGETS += bench-regex
