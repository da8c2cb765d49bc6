# vfio-cfgfilter build. `make` builds build/cfgfilter and
# build/cfgfilter-exporter; `make test` runs every
# test (unit + VM); `make demo` runs the demo in a VM. V=1 shows commands.
BUILD      := build
CLANG      ?= clang
BPFTOOL    ?= bpftool
CC         ?= cc
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
ARCH       := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Iinclude -Ilib -Iloader -I$(BUILD)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Wno-unused-function \
              -Iinclude -Ibpf -I$(BUILD)
LDLIBS     := -lbpf -lelf -lz -ljansson -lpthread
# only the exporter serves HTTP, writes the journal and drops privileges
EXPORTER_LDLIBS := -lmicrohttpd -lsystemd -lcap

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# The pure userspace pieces (lib/: policy, register names, formatting,
# capability walk, kallsyms) build as a library with no BPF skeleton: the
# unit tests link it, and `make unit-test` needs neither clang's BPF target,
# bpftool nor kernel BTF.
LIB_SRCS    := $(wildcard lib/*.c)
LIB_OBJS    := $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRCS))
LIB         := $(BUILD)/libcfgfilter.a
LOADER_SRCS := $(wildcard loader/*.c)
LOADER_OBJS := $(patsubst loader/%.c,$(BUILD)/loader/%.o,$(LOADER_SRCS))
# the loader's pieces but its main, which the exporter links too
LOADER_LIB  := $(BUILD)/libcfgfilter-loader.a
EXPORTER_OBJS := $(patsubst exporter/%.c,$(BUILD)/exporter/%.o,$(wildcard exporter/*.c))
UNIT_TESTS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

.PHONY: all clean deps test unit-test vm-test demo bench install uninstall
.DELETE_ON_ERROR:

all: $(BUILD)/cfgfilter $(BUILD)/cfgfilter-exporter $(BUILD)/vfio-client $(BUILD)/vfio-client32

$(BUILD) $(BUILD)/loader $(BUILD)/exporter $(BUILD)/lib $(BUILD)/tests:
	$(Q)mkdir -p $@

$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

# The data plane (cfgfilter.bpf.c) and the bus ops finder load runs for a
# moment (bus_ops.bpf.c); skeletons cfgfilter_bpf and cfgfilter_bus_ops_bpf.
$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(wildcard include/*.h) $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $(@:.o=.tmp.o)
	$(Q)$(BPFTOOL) gen object $@ $(@:.o=.tmp.o)
	$(Q)rm -f $(@:.o=.tmp.o)

.SECONDARY: $(BUILD)/cfgfilter.bpf.o $(BUILD)/bus_ops.bpf.o $(BUILD)/cfgfilter.skel.h $(BUILD)/bus_ops.skel.h # kept, not intermediate

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(if $(filter cfgfilter,$*),cfgfilter_bpf,cfgfilter_$*_bpf) > $@

$(BUILD)/loader/%.o: loader/%.c Makefile $(wildcard loader/*.h) $(wildcard lib/*.h) $(wildcard include/*.h) $(BUILD)/cfgfilter.skel.h $(BUILD)/bus_ops.skel.h | $(BUILD)/loader
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/exporter/%.o: exporter/%.c Makefile $(wildcard exporter/*.h) $(wildcard loader/*.h) $(wildcard lib/*.h) $(wildcard include/*.h) $(BUILD)/cfgfilter.skel.h $(BUILD)/bus_ops.skel.h | $(BUILD)/exporter
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/lib/%.o: lib/%.c Makefile $(wildcard lib/*.h) $(wildcard include/*.h) | $(BUILD)/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(LOADER_LIB): $(filter-out $(BUILD)/loader/main.o,$(LOADER_OBJS))
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(BUILD)/cfgfilter: $(BUILD)/loader/main.o $(LOADER_LIB) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/cfgfilter-exporter: $(EXPORTER_OBJS) $(LOADER_LIB) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) $(EXPORTER_LDLIBS) -o $@

$(BUILD)/vfio-client: tests/vfio-client/vfio-client.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -luring -lpthread -o $@

# The same client as a static i386 program (gcc-multilib): its writes are
# the 32-bit compat system calls. No liburing for i386: io_uring ops out.
$(BUILD)/vfio-client32: tests/vfio-client/vfio-client.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) -m32 -static $(CFLAGS) -D_FILE_OFFSET_BITS=64 -DVC_NO_URING $< -lpthread -o $@

# Benchmark baseline: an empty fentry on the same function.
$(BUILD)/fentry_floor.bpf.o: bench/fentry_floor.bpf.c $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/fentry-floor: bench/fentry-floor.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -lbpf -lelf -lz -o $@

$(BUILD)/devnull-pwrite: bench/devnull-pwrite.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(BUILD)/tests/%: tests/unit/%.c $(LIB) tests/unit/ref_model.h tests/unit/test_rng.h $(wildcard include/*.h) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -pthread -Itests/unit $< $(LIB) -lcmocka -ljansson -o $@

# The entry points install what they need first (tools/install-deps.sh),
# then build in a second make so the tools exist when recipes run.
deps:
	$(Q)tools/install-deps.sh

unit-test:
	$(Q)tools/install-deps.sh unit
	$(Q)$(MAKE) --no-print-directory $(UNIT_TESTS) $(FUZZ_BIN)
	$(Q)tests/run --unit-only

test: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_TESTS) $(FUZZ_BIN)
	$(Q)tests/run

vm-test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run --vm-only

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/vm/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/fentry-floor $(BUILD)/fentry_floor.bpf.o \
		$(BUILD)/devnull-pwrite
	$(Q)bench/run.sh

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

# --- fuzz ---
# libFuzzer target for the policy parser (tests/fuzz/). clang with ASan and
# UBSan, built from the parser's own sources rather than the gcc objects;
# tests/run runs it on a copy of tests/fuzz/corpus for a bounded time.
FUZZ_BIN    := $(BUILD)/fuzz_policy
FUZZ_SRCS   := tests/fuzz/fuzz_policy.c lib/policy.c lib/regnames.c lib/fmt.c
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
               -fsanitize-coverage-ignorelist=tests/fuzz/coverage-ignore.txt \
               -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Iinclude -Ilib

$(FUZZ_BIN): $(FUZZ_SRCS) tests/fuzz/coverage-ignore.txt lib/policy.h lib/regnames.h lib/fmt.h \
             include/cfgfilter.h Makefile | $(BUILD)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_SRCS) -o $@
# --- end fuzz ---

# --- install ------------------------------------------------------------------
# make install [DESTDIR=...] [PREFIX=/usr/local]: the binary (BPF object
# inside), systemd units, sysusers entry, man page, bash completion, the
# Grafana dashboard and alerting rules, the seed policy (kept if present) and
# the policy packs.
PREFIX     ?= /usr/local
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
SBINDIR    := $(PREFIX)/sbin
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SHAREDIR   := $(PREFIX)/share

install: $(BUILD)/cfgfilter $(BUILD)/cfgfilter-exporter
	install -D -m 0755 $(BUILD)/cfgfilter $(DESTDIR)$(SBINDIR)/cfgfilter
	install -D -m 0755 $(BUILD)/cfgfilter-exporter $(DESTDIR)$(SBINDIR)/cfgfilter-exporter
	for u in cfgfilter cfgfilter-exporter; do \
		sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
			systemd/$$u.service.in > $(BUILD)/$$u.service && \
		install -D -m 0644 $(BUILD)/$$u.service $(DESTDIR)$(UNITDIR)/$$u.service || exit 1; \
	done
	install -D -m 0644 systemd/cfgfilter.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/cfgfilter.conf
	install -D -m 0644 docs/cfgfilter.8 $(DESTDIR)$(SHAREDIR)/man/man8/cfgfilter.8
	for c in cfgfilter cfgfilter-exporter; do \
		install -D -m 0644 completions/$$c $(DESTDIR)$(SHAREDIR)/bash-completion/completions/$$c || exit 1; \
	done
	install -D -m 0644 dashboards/cfgfilter.json $(DESTDIR)$(SHAREDIR)/cfgfilter/dashboards/cfgfilter.json
	install -D -m 0644 alerts/cfgfilter.rules.yml $(DESTDIR)$(SHAREDIR)/cfgfilter/alerts/cfgfilter.rules.yml
	install -D -m 0644 policy/default.policy $(DESTDIR)$(SHAREDIR)/cfgfilter/default.policy
	for p in gpu nic nvme cxl; do \
		install -D -m 0644 policy/$$p.policy $(DESTDIR)$(SHAREDIR)/cfgfilter/packs/$$p.policy || exit 1; \
	done
	[ -e $(DESTDIR)$(SYSCONFDIR)/cfgfilter/cfgfilter.policy ] || \
		install -D -m 0644 policy/default.policy $(DESTDIR)$(SYSCONFDIR)/cfgfilter/cfgfilter.policy

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/cfgfilter $(DESTDIR)$(SBINDIR)/cfgfilter-exporter \
		$(DESTDIR)$(UNITDIR)/cfgfilter.service \
		$(DESTDIR)$(UNITDIR)/cfgfilter-exporter.service \
		$(DESTDIR)$(PREFIX)/lib/sysusers.d/cfgfilter.conf \
		$(DESTDIR)$(SHAREDIR)/man/man8/cfgfilter.8 \
		$(DESTDIR)$(SHAREDIR)/bash-completion/completions/cfgfilter \
		$(DESTDIR)$(SHAREDIR)/bash-completion/completions/cfgfilter-exporter
	rm -rf $(DESTDIR)$(SHAREDIR)/cfgfilter
