# vbench: one entry point. `make run` and `make check` do everything on a
# fresh Debian 12 as root; see README.md.

BUILD   ?= build
CC      ?= gcc
SAN     ?= 0
VERSION := 0.1.0

# Packages, from Debian only. Fragments (*.mk) add their own.
DEPS_PKGS := build-essential clang pkg-config libpfm4-dev libhwloc-dev \
	     libjansson-dev gnuplot-nox libcriterion-dev bats jq \
	     libclang-rt-14-dev libsqlite3-dev libpq-dev postgresql chromium \
	     python3-jsonschema cppcheck \
	     libtracefs-dev libtraceevent-dev \
	     python3-junitparser libxml2-utils

CPPFLAGS += -I. -D_GNU_SOURCE -DVB_VERSION=\"$(VERSION)\" -I/usr/include/postgresql \
	    -I/usr/include/tracefs -I/usr/include/traceevent
# PLANT=N (make bench-plant only): the counted sets cost N% more, by construction.
ifneq ($(PLANT),)
CPPFLAGS += -DVB_PLANT_OVERHEAD=$(PLANT)
endif
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -fno-strict-aliasing
ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif
# FUZZ=1 (clang only): coverage for libFuzzer on every object; see `make fuzz`.
FUZZ    ?= 0
ifeq ($(FUZZ),1)
CFLAGS   += -fsanitize=fuzzer-no-link
endif
# libtracefs/libtraceevent: KVM's tracepoints (harness/trace.c), host binary only.
HOST_LIBS  := -lsqlite3 -ljansson -lhwloc -lpfm -lpq -ltracefs -ltraceevent -lpthread -lm
GUEST_LIBS := -lsqlite3 -ljansson -lpfm -lpthread -lm

# Sources: every .c/.S of a folder belongs to it; the two mains are apart.
LIB_SRCS     := $(wildcard lib/*.c)
# workloads/ are benches too: the same table, the same runner, vbench-guest.
BENCH_SRCS   := $(filter-out microbench/vbench_guest.c,$(wildcard microbench/*.c)) \
		$(wildcard workloads/*.c)
HOST_SRCS    := $(filter-out harness/main.c,$(wildcard harness/*.c)) \
		$(wildcard analysis/*.c) \
		$(wildcard guests/*/*.c guests/*/*.S)
CORE_SRCS    := $(LIB_SRCS) $(BENCH_SRCS)

# The architecture built for: this host's, or ARCH=arm64 (cross from x86, see
# docs/arm64.md). lib/arch-$(ARCH).mk picks the files of one architecture.
# An ARCH from the environment (kernel and package builds set one) is not ours.
ifneq ($(origin ARCH),command line)
ARCH := $(patsubst aarch64,arm64,$(shell uname -m))
endif
ifeq ($(wildcard lib/arch-$(ARCH).mk),)
$(error ARCH=$(ARCH): vbench builds for x86_64 or arm64)
endif
include lib/arch-$(ARCH).mk

obj = $(patsubst %,$(BUILD)/obj/%.o,$(1))
CORE_OBJS := $(call obj,$(CORE_SRCS))
HOST_OBJS := $(call obj,$(HOST_SRCS))

VBENCH       := $(BUILD)/vbench
VBENCH_GUEST := $(BUILD)/vbench-guest
LIBCORE      := $(BUILD)/libvbcore.a
LIBHOST      := $(BUILD)/libvbhost.a

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
# TAP reports of the unit and e2e tests, read by scripts/check-skips.sh.
CHECK_DIR  ?= $(CURDIR)/build/check
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
# What the bats tests derive their fixture runs with (tests/e2e/fixtures.bash).
FIXTURE_PAGEMIX := $(BUILD)/tests/fixture_pagemix
FIXTURE_EDIT    := $(BUILD)/tests/fixture_edit
# Every run folder and --json output a test makes is copied here
# (harness/spool.c) and checked against schema/vbench.schema.json at the end of `make check`.
SCHEMA_SPOOL ?= $(CHECK_DIR)/schema-spool

.PHONY: lint all deps check unit e2e clang asan run bench bench-plant clean install fuzz fuzz-bins fuzz-check \
	schema-check
.DEFAULT_GOAL := all

all: $(VBENCH) $(VBENCH_GUEST)

$(BUILD)/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIBCORE): $(CORE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBHOST): $(HOST_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(VBENCH): $(call obj,harness/main.c) $(LIBHOST) $(LIBCORE)
	$(CC) $(LDFLAGS) -o $@ $^ $(HOST_LIBS)

# Static, so the same binary runs natively and inside any Linux guest.
# libsqlite3.a (oltp) makes ld warn that its extension loader's dlopen needs
# glibc's shared libraries at run time: oltp loads no extension.
# The sanitizer build links it dynamically (ASan does not link statically).
ifeq ($(SAN),1)
GUEST_STATIC :=
else
GUEST_STATIC := -static
endif
$(VBENCH_GUEST): $(call obj,microbench/vbench_guest.c) $(LIBCORE)
	$(CC) $(LDFLAGS) $(GUEST_STATIC) -o $@ $^ $(GUEST_LIBS)

# scripts/bench.sh's judge of overheads: paired ratios with their CI.
VB_PAIRED := $(BUILD)/vb-paired
$(VB_PAIRED): $(call obj,analysis/tools/vb_paired.c) $(LIBHOST) $(LIBCORE)
	$(CC) $(LDFLAGS) -o $@ $^ $(HOST_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBHOST) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LIBHOST) $(LIBCORE) $(LDFLAGS) -lcriterion $(HOST_LIBS)
# It compiles arm64's table builder into itself (any host can run that).
$(BUILD)/tests/test_arm64_pagetable: guests/micro/arm64/pagetable.c

# libFuzzer harnesses (tests/fuzz/fuzz_*.c), each with a seed corpus in
# tests/fuzz/corpus/<name>/. Built by clang with ASan and UBSan in their own folder.
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS))
FUZZ_BUILD   := build/fuzz
FUZZ_TIME    ?= 120
FUZZ_SHORT   ?= 5

$(BUILD)/fuzzers/fuzz_%: tests/fuzz/fuzz_%.c $(LIBHOST) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIBHOST) $(LIBCORE) $(LDFLAGS) $(HOST_LIBS)

fuzz-bins:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang SAN=1 FUZZ=1 \
		$(patsubst %,$(FUZZ_BUILD)/fuzzers/fuzz_%,$(FUZZ_NAMES))

# Longer runs; new inputs go to a corpus under build/, the seeds stay as they are.
fuzz: fuzz-bins
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_NAMES)

# A few seconds of each, in `make check`.
fuzz-check: fuzz-bins
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SHORT) $(FUZZ_NAMES)

# The cross build for aarch64 from an x86 Debian (docs/arm64.md): both binaries,
# static, in build/arm64/. Its packages are installed by its own deps step, so
# `make deps` stays as it is.
.PHONY: cross-arm64 deps-arm64
deps-arm64:
	@scripts/deps-arm64.sh

cross-arm64: deps-arm64
	$(MAKE) ARCH=arm64 all

# Fragments of guests/ and friends add targets and packages.
-include $(wildcard guests/*/*.mk)

deps:
	@scripts/deps.sh $(DEPS_PKGS)

unit: $(UNIT_TESTS) $(VBENCH_GUEST) $(VBENCH)
	@VB_CHECK_DIR=$(CHECK_DIR) scripts/run-unit.sh $(UNIT_TESTS)

e2e: all $(FIXTURE_PAGEMIX) $(FIXTURE_EDIT)
	VBENCH=$(abspath $(VBENCH)) VB_FIXTURE_PAGEMIX=$(abspath $(FIXTURE_PAGEMIX)) \
		VB_FIXTURE_EDIT=$(abspath $(FIXTURE_EDIT)) \
		scripts/run-e2e.sh $(CHECK_DIR) \
		$(sort $(wildcard tests/e2e/*.bats))

# -Werror under clang as well; objects only go to their own folder.
clang:
	$(MAKE) BUILD=$(BUILD)/clang CC=clang all

asan:
	$(MAKE) BUILD=$(BUILD)/asan SAN=1 unit

# Ends with the list of skipped tests, failing when one that must run on this
# machine skipped (scripts/check-skips.sh says which and why).
check: deps
	rm -rf $(CHECK_DIR)
	$(MAKE) all
	$(MAKE) clang
	$(MAKE) lint
	VBENCH_SCHEMA_SPOOL=$(SCHEMA_SPOOL) $(MAKE) asan
	VBENCH_SCHEMA_SPOOL=$(SCHEMA_SPOOL) $(MAKE) e2e
	$(MAKE) fuzz-check
	VBENCH_SCHEMA_SPOOL=$(SCHEMA_SPOOL) $(MAKE) check-extra
	$(MAKE) schema-check
	scripts/check-skips.sh $(CHECK_DIR) $(abspath $(VBENCH))

# The house rules (../shared/STYLE.md) that a tool can check: cppcheck clean,
# no line over 100 columns (.clang-format formats to it), no function over 80
# lines, folders that depend one way and files that form no circle
# (docs/layout.md; needs the objects).
lint: all
	scripts/cppcheck.sh
	scripts/check-lines.sh
	scripts/check-funcs.sh
	scripts/check-deps.sh $(BUILD)/obj

# The run folders and --json outputs the tests above made, against the schema
# (a real validator: Debian's python3-jsonschema, Draft 2020-12).
schema-check:
	/usr/bin/python3 scripts/validate-schema.py $(SCHEMA_SPOOL)

# Fragments hang further checks here (the lab check).
check-extra::
	@true

run: deps all
	$(VBENCH) run --plan configs/quick.conf

bench: deps all $(VB_PAIRED)
	@scripts/bench.sh $(VBENCH)

# make bench's overhead part on a test build whose default set costs 5% more
# by construction (runner.c's VB_PLANT_OVERHEAD): the method must flag it.
bench-plant: deps
	$(MAKE) BUILD=$(BUILD)/plant PLANT=5 all $(BUILD)/plant/vb-paired
	VB_BENCH_PART=overhead scripts/bench.sh $(BUILD)/plant/vbench

install: all
	install -D -m 755 $(VBENCH) $(DESTDIR)$(PREFIX)/bin/vbench
	install -D -m 755 $(VBENCH_GUEST) $(DESTDIR)$(PREFIX)/bin/vbench-guest

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
