# blackout - build, test, demo.
#   make            build build/blackout
#   make check      install missing Debian packages, build, run every test
#   make check-asan the same tests under AddressSanitizer + UBSan
#   make check-valgrind  the unit tests (built without ASan) under valgrind memcheck
#   make demo       the lab's cascade outage, watched and explained (root)
#   make lab-test   every lab scenario with a scorecard (root)
#   make bench      benchmarks vs. peers -> docs/benchmarks.md
#   make fuzz FUZZ_SECONDS=N   libFuzzer on every parser (clang)

BUILD ?= build
CC ?= gcc
PKGS := libuv libcurl ldns yaml-0.1 sqlite3 zlib libssl libcrypto libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lbz2 -lm

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wformat=2 -Wno-format-nonliteral
OPT ?= -O2 -g
SAN ?=
CFLAGS := -std=c17 $(OPT) $(SAN) $(WARN) -D_GNU_SOURCE -Isrc $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := $(SAN) $(EXTRA_LDFLAGS)

SRCS := $(shell find src -name '*.c' ! -path 'src/cli/main.c' | sort)
OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o)
# Data built into the binary: each src/**/*.yaml becomes an object holding its
# bytes between the symbols embed_NAME and embed_NAME_end (see scripts/embed).
EMBEDS := $(shell find src -name '*.yaml' ! -path 'src/serve/assets/*' | sort)
OBJS += $(EMBEDS:%=$(BUILD)/obj/%.o)
# The dashboard's files, embedded at build time (src/serve/assets.h).
ASSETS := $(shell find src/serve/assets -type f 2>/dev/null | LC_ALL=C sort)
OBJS += $(BUILD)/obj/gen/assets.o
LIB := $(BUILD)/libblackout.a
BIN := $(BUILD)/blackout

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
REPLAY_BINS := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=$(BUILD)/fuzz/replay_%)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/helpers/%)
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps check check-asan check-valgrind test demo lab-test bench fuzz clean
all: $(BIN) $(UNIT_BINS) $(REPLAY_BINS) $(HELPER_BINS) $(BENCH_BINS)

deps:
	@scripts/deps

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.yaml.o: %.yaml scripts/embed
	@mkdir -p $(dir $@)
	scripts/embed $< | $(CC) -c -x assembler -o $@ -

$(BUILD)/gen/assets.c: $(ASSETS) scripts/embed-assets
	@mkdir -p $(dir $@)
	scripts/embed-assets src/serve/assets $(ASSETS) >$@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/assets.o: $(BUILD)/gen/assets.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# `blackout lab` falls back to the lab scripts of the tree it was built from.
$(BUILD)/obj/src/cli/cmd_lab.o: CFLAGS += -DBLACKOUT_LAB_DIR_BUILT='"$(CURDIR)/lab"'

$(LIB): $(OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/obj/src/cli/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/test.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB) $(LDFLAGS) $(PKG_LIBS)

# Fuzz harnesses built with gcc and a main() that replays the seed corpus.
$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/fuzz/replay_main.c $(LIB) $(LDFLAGS) $(PKG_LIBS)

$(BUILD)/helpers/%: tests/helpers/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(PKG_LIBS)

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) $(PKG_LIBS)

check: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/run

test: all
	@BUILD=$(BUILD) tests/run

check-asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all
	@BUILD=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run

# valgrind needs binaries without ASan: the plain build's unit tests.
check-valgrind: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/valgrind-unit

demo: deps
	@$(MAKE) --no-print-directory all
	@lab/demo

lab-test: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) ONLY=lab tests/run

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run

FUZZ_SECONDS ?= 60
fuzz:
	@tests/fuzz/run $(FUZZ_SECONDS)

clean:
	rm -rf build build-asan build-fuzz

-include $(OBJS:.o=.d)
