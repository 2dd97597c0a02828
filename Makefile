# husvagt — GNU make build.
#
#   make            build the daemon, the tools, the unit tests and the benchmarks
#   make run        install what is missing, build, run on the simulated building
#   make check      build and pass every test (also under ASan+UBSan), and
#                   the arm64 build's unit tests under qemu-user (check-arm64)
#   make qemu-test  husvagtd on gpio-sim in a qemu guest (part of check)
#   make bench      print the benchmark figures
#   make soak       kill -9 during an event flood, 100 times; 100 power cuts of
#                   the appliance image under qemu (make appliance-soak)
#   make image      the amd64 and Raspberry Pi 4 disk images (firmware/README.md)
#   make appliance-test  the amd64 image booted under qemu with systemd, checked
#   make model      spin checks the safety model exhaustively (part of check)
#
# BUILD names the build tree, so that several builds (plain, sanitised,
# cross) can live side by side.

BUILD     ?= build
CC        ?= cc
PKG_CONFIG ?= pkg-config
PYTHON    ?= /usr/bin/python3
# System tests mostly wait on door timers, so they run several at a time
# even on two cores; each has its own folder, sockets and ports.
PYTEST_JOBS ?= 4
# make check builds on every core; the suites themselves run one at a time.
BUILD_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# Cross build for the Raspberry Pi 4/5 (Debian arm64, multiarch):
#   make ARCH=arm64        build into build-arm64/ with gcc-aarch64-linux-gnu
#                          and the arm64 -dev packages
#   make ARCH=arm64 unit   run its unit tests under qemu-user
#   make check-arm64       install all that, build, check the ELF, run them
ifeq ($(ARCH),arm64)
ifeq ($(origin BUILD),file)
BUILD     := build-arm64
endif
CC        := aarch64-linux-gnu-gcc
AR        := aarch64-linux-gnu-ar
PKG_CONFIG := env PKG_CONFIG_PATH= \
              PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig pkg-config
export HUSVAGT_EMU ?= qemu-aarch64-static
endif

PKGS      := libgpiod libmodbus sqlite3 libcrypto jansson inih libsystemd libmosquitto
CMOCKA    := cmocka

WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wno-format-nonliteral
HARDEN    := -fstack-protector-strong -D_FORTIFY_SOURCE=2
CSTD      := -std=c11 -D_GNU_SOURCE
OPT       ?= -O2 -g
WERROR    ?= $(if $(CI),-Werror,)
SAN       ?=

CFLAGS    += $(CSTD) $(OPT) $(WARN) $(WERROR) $(HARDEN) $(SAN) \
             $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# libunistring (name folding for the blocklist) has no pkg-config file.
LDLIBS    += $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lunistring -lm
LDFLAGS   += $(SAN)

# src/ is in layers, lowest first; a folder sees only its own headers and
# those of the layers below it (docs/ARCHITECTURE.md), so an upward
# #include does not compile.  lib/ is below everything; hal/ sees only
# lib/, and the house and above see hal/.
LAYERS    := core conf store house cmd daemon
INC_lib   := -Ilib
INC_hal   := -Ilib -Ihal
INC_core  := -Isrc/core
INC_conf  := -Ilib $(INC_core) -Isrc/conf
INC_store := $(INC_conf) -Isrc/store
INC_house := $(INC_store) -Ihal -Isrc/house
INC_cmd   := $(INC_house) -Isrc/cmd
INC_daemon := $(INC_cmd) -Isrc/daemon
# Clients and tests may use every header.
INC_all   := $(INC_daemon)

LIB_SRC   := $(wildcard lib/*.c)
HAL_SRC   := $(wildcard hal/*.c)
CORE_SRC  := $(filter-out src/daemon/main.c,\
             $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c)))
TOOLS     := husvagtctl husvagt-sim modbus-sim osdp-pd
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNITS     := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BENCH_SRC := $(wildcard tests/bench/bench_*.c)
BENCHES   := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB_OBJ   := $(call obj,$(LIB_SRC))
HAL_OBJ   := $(call obj,$(HAL_SRC))
CORE_OBJ  := $(call obj,$(CORE_SRC))
ALL_OBJ   := $(LIB_OBJ) $(HAL_OBJ) $(CORE_OBJ)

.PHONY: all run check unit system asan bench deps clean install-deps
.SECONDARY:
all: $(BUILD)/husvagtd $(addprefix $(BUILD)/,$(TOOLS)) $(UNITS) $(BENCHES) \
     $(BUILD)/husvagt_clientid.so $(BUILD)/tests/libfaultfs.so

# The slow or broken disk for the system tests (tests/shim/faultfs.c): an
# LD_PRELOAD library that makes fsync stall or fail.  Built without the
# sanitizers, which an LD_PRELOAD library cannot carry.
$(BUILD)/tests/libfaultfs.so: tests/shim/faultfs.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) -fPIC -shared $< -ldl -o $@

# The broker plugin that ties a client id to its login (firmware/mosquitto/;
# docs/security.md): loaded by Mosquitto, not linked with husvagt.
$(BUILD)/husvagt_clientid.so: firmware/mosquitto/husvagt_clientid.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) -fPIC -shared $< -o $@

# The include path of a source file: its layer's for lib/, hal/ and
# src/<layer>/, every header for tools/ and tests/.
inc_of = $(or $(INC_$(word 2,$(subst /, ,$(1)))),$(INC_$(word 1,$(subst /, ,$(1)))),$(INC_all))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(call inc_of,$<) -MMD -MP -c $< -o $@

$(BUILD)/libhusvagt.a: $(ALL_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/husvagtd: $(call obj,src/daemon/main.c) $(BUILD)/libhusvagt.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# husvagtctl takes the verbs' argument schema from the daemon's own table,
# built without the verbs (CMD_SCHEMA_ONLY), so there is no copy to drift.
CTL_OBJ   := $(call obj,$(wildcard tools/ctl_*.c)) $(BUILD)/obj/tools/cmd_schema.o
$(BUILD)/obj/tools/cmd_schema.o: src/cmd/cmd_schema.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_cmd) -DCMD_SCHEMA_ONLY -MMD -MP -c $< -o $@

$(BUILD)/husvagtctl: $(BUILD)/obj/tools/husvagtctl.o $(CTL_OBJ) $(BUILD)/libhusvagt.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

SIMC_OBJ  := $(call obj,$(wildcard tools/simc_*.c))
$(BUILD)/husvagt-sim: $(BUILD)/obj/tools/husvagt-sim.o $(SIMC_OBJ) $(BUILD)/libhusvagt.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/%: $(BUILD)/obj/tools/%.o $(BUILD)/libhusvagt.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libhusvagt.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) $(shell $(PKG_CONFIG) --libs $(CMOCKA)) -o $@

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(BUILD)/libhusvagt.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Debian packages the build, the tests and `make run` need.  Installed only
# when something is missing, so a prepared machine pays nothing.
DEB_PKGS := build-essential pkg-config libgpiod-dev gpiod libmodbus-dev \
            libsqlite3-dev sqlite3 libmosquitto-dev mosquitto mosquitto-dev mosquitto-clients \
            libssl-dev libcmocka-dev libjansson-dev libinih-dev libsystemd-dev \
            python3-pytest python3-pytest-xdist python3-paho-mqtt socat python3-pymodbus python3-serial \
            openssl qemu-system-x86 busybox-static cpio libunistring-dev \
            chromium spin clang libclang-rt-14-dev
deps:
	@tools/install-deps $(DEB_PKGS)

run: deps
	@$(MAKE) --no-print-directory all
	@tools/run-sim $(BUILD)

unit: all
	@tools/run-unit $(BUILD)

system: all
	@HUSVAGT_BUILD=$(abspath $(BUILD)) $(PYTHON) -m pytest -q \
	    -n $(PYTEST_JOBS) -p no:cacheprovider $(SYSTEM_ARGS) tests/system

# The sanitised pass runs every system test but the browser ones: those
# drive the page, and the daemon's verbs they reach are the same the other
# tests run under ASan; they take minutes make check does not have twice.
ASAN_MAKE = $(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
asan:
	@$(ASAN_MAKE) -j$(BUILD_JOBS) all
	@$(ASAN_MAKE) SYSTEM_ARGS="--ignore-glob='*console*'" unit system

# The suites in order, each timed; the fuzz and arm64 builds run beside
# the system tests at a low priority (tools/run-check).
check: deps
	@MAKE="$(MAKE)" tools/run-check $(BUILD)

# ---- The safety model (docs/safety-model.md) -------------------------
# spin checks tests/model/safety.pml's four properties exhaustively and
# fails on any error; the door machine before the REX fix and two mutants
# must fail them.  Their counterexamples and random runs of the model are
# tests/model/traces.h, which test_safety_replay (a unit test) runs through
# the real door.c and mode.c; `make model-update` rewrites it after a
# change to the model.
.PHONY: model model-update
model:
	@tests/model/check $(BUILD)/model
model-update:
	@tests/model/check $(BUILD)/model --update
# ---- end of the safety model ------------------------------------------

# ---- Fuzzing (docs/fuzzing.md) ---------------------------------------
# libFuzzer targets in tests/fuzz/fuzz_*.c, one per parser of outside
# input.  The project's sources are compiled once more with clang into
# $(FUZZ_BUILD) (-fsanitize=fuzzer-no-link plus ASan and UBSan); each
# target links them.  `make fuzz` runs every target for FUZZ_SECONDS from
# its seed corpus (tests/fuzz/corpus/<target>); `make fuzz-check` (part of
# check) runs each over its corpus and FUZZ_CHECK_SECONDS more, and fails
# on any crash, leak or undefined behaviour.  Both run FUZZ_JOBS targets
# at a time.  New inputs go to $(FUZZ_BUILD)/corpus, never into the tree.
.PHONY: fuzz fuzz-check fuzz-build
FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 10
FUZZ_JOBS    ?= 2
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
# The main build's -I lists (INC_all: lib/, hal/, src/*; and the packages'): a moved
# folder is changed there only.
FUZZ_CFLAGS  := $(CSTD) -O1 -g $(WARN) $(INC_all) $(filter -I%,$(CFLAGS)) -Itests/fuzz
FUZZ_SRC     := $(LIB_SRC) $(HAL_SRC) $(CORE_SRC)
FUZZ_OBJ     := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_SRC))
FUZZ_NAMES   := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	    -MMD -MP -c $< -o $@
$(FUZZ_BUILD)/libhusvagt.a: $(FUZZ_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libhusvagt.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -MMD -MP \
	    -DFUZZ_TOP='"$(CURDIR)"' \
	    $< $(FUZZ_BUILD)/libhusvagt.a $(LDLIBS) -o $@
fuzz-build: $(addprefix $(FUZZ_BUILD)/,$(FUZZ_NAMES))
fuzz: fuzz-build
	@$(MAKE) --no-print-directory -j$(FUZZ_JOBS) \
	    FUZZ_TIME=$(FUZZ_SECONDS) $(addprefix fuzz-run-,$(FUZZ_NAMES))
fuzz-check: fuzz-build
	@$(MAKE) --no-print-directory -j$(FUZZ_JOBS) FUZZ_FRESH=1 \
	    FUZZ_TIME=$(FUZZ_CHECK_SECONDS) $(addprefix fuzz-run-,$(FUZZ_NAMES))
# One target for FUZZ_TIME seconds; its last status line, or its log's end.
fuzz-run-%: $(FUZZ_BUILD)/%
	@$(if $(FUZZ_FRESH),rm -rf $(FUZZ_BUILD)/corpus/$*;) \
	    mkdir -p $(FUZZ_BUILD)/corpus/$*; \
	    nice -n 10 $< -print_final_stats=1 -max_total_time=$(FUZZ_TIME) \
	    -artifact_prefix=$(FUZZ_BUILD)/$*- \
	    $(if $(wildcard tests/fuzz/$*.dict),-dict=tests/fuzz/$*.dict) \
	    $(FUZZ_BUILD)/corpus/$* tests/fuzz/corpus/$* \
	    >$(FUZZ_BUILD)/$*.log 2>&1 || { tail -n 60 $(FUZZ_BUILD)/$*.log; \
	    echo "fuzz: $* failed; the input is in $(FUZZ_BUILD)/$*-*"; \
	    exit 1; }; echo "$*: $$(grep -E '^#[0-9]+[[:space:]]+DONE' \
	    $(FUZZ_BUILD)/$*.log | tail -n 1)"
-include $(shell find $(FUZZ_BUILD) -name '*.d' -type f 2>/dev/null)
# ---- end of fuzzing ---------------------------------------------------

# The arm64 cross build (see ARCH above): an AArch64 ELF whose unit tests
# pass under qemu-user.
.PHONY: check-arm64 build-arm64 unit-arm64
check-arm64: build-arm64
	@$(MAKE) --no-print-directory unit-arm64
build-arm64:
	@tools/install-deps-arm64
	@$(MAKE) --no-print-directory -j$(BUILD_JOBS) ARCH=arm64 BUILD=build-arm64 all
	@f=$$(file -L build-arm64/husvagtd) && echo "$$f" && \
	    case "$$f" in *"ELF 64-bit LSB"*"ARM aarch64"*) ;; \
	    *) echo "check-arm64: not an AArch64 ELF"; exit 1;; esac
unit-arm64:
	@$(MAKE) --no-print-directory ARCH=arm64 BUILD=build-arm64 unit

# The gpiod backend on a real kernel: husvagtd in a qemu guest against a
# gpio-sim chip named like boards/rpi4 (tests/qemu/README.md).  The kernel
# and the module are cached in $(BUILD)/qemu/cache.
.PHONY: qemu-test
qemu-test: $(BUILD)/husvagtd $(BUILD)/husvagtctl
	@tests/qemu/run $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all
	@HUSVAGT_BUILD=$(abspath $(BUILD)) $(PYTHON) tests/bench/run.py

# kill -9 during an event flood, SOAK_ROUNDS times: after each restart the
# journal verifies and holds every event the broker took; at the end the
# subscriber has every seq in order (tests/system/28_soak_test.py, which
# make system runs with 3 rounds).
SOAK_ROUNDS ?= 100
.PHONY: soak
soak: all
	@HUSVAGT_SOAK_ROUNDS=$(SOAK_ROUNDS) HUSVAGT_BUILD=$(abspath $(BUILD)) \
	    $(PYTHON) -m pytest -q -s -p no:cacheprovider \
	    tests/system/28_soak_test.py

# --- staff console (tools/console/) ----------------------------------------
# The console is static files; its vendored libraries (MQTT.js, axe-core)
# are pinned in tools/console/vendor/MANIFEST (file, package, version,
# licence, SHA-256): the build fails when a file differs from it.  Its
# browser tests (tests/system/6[0-2]_console_*test.py, and the regional
# view's 63_region_console_test.py) run in `make system`.
DEB_PKGS += lighttpd lighttpd-mod-openssl chromium-driver python3-selenium
.PHONY: console-vendor
all: console-vendor
console-vendor:
	@cd tools/console/vendor && grep -v '^#' MANIFEST | \
	    while read -r f pkg ver lic sum src; do \
	        [ -f "$$f" ] || { echo "console-vendor: $$f missing"; exit 1; }; \
	        echo "$$sum  $$f" | sha256sum -c --quiet - >/dev/null 2>&1 || \
	            { echo "console-vendor: $$f ($$pkg $$ver, $$lic) does not match its SHA-256 in MANIFEST"; exit 1; }; \
	    done
# make bench also measures the console in chromium (tests/bench/console_bench.py).
.PHONY: bench-console
bench: bench-console
bench-console: deps
	@$(MAKE) --no-print-directory all
	@HUSVAGT_BUILD=$(abspath $(BUILD)) $(PYTHON) tests/bench/console_bench.py
# --- end of staff console ----------------------------------------------------

# --- a region (docs/regional.md) ---------------------------------------------
# make bench also measures a regional Mosquitto with 1,000 houses
# (tests/bench/region_bench.py): a new intake client's whole picture and the
# broker's memory.
.PHONY: bench-region
bench: bench-region
bench-region: deps
	@$(MAKE) --no-print-directory all
	@HUSVAGT_BUILD=$(abspath $(BUILD)) $(PYTHON) tests/bench/region_bench.py

clean:
	rm -rf build build-*

-include $(shell find $(BUILD) -path '$(BUILD)/image' -prune -o -name '*.d' -type f -print 2>/dev/null)

# ---- Installing, and the Debian package (firmware/debian/) ------------
# `make install DESTDIR=...` puts the appliance's files where Debian keeps
# them; `make deb` builds husvagt_<version>_<arch>.deb with debhelper from
# a copy of the tree in $(DEB_BUILD), for amd64 and (DEB_ARCHES) arm64,
# and runs lintian on each; firmware/README.md says what goes where.
.PHONY: install deb
DESTDIR    ?=
DEB_BUILD  ?= build-deb
DEB_ARCHES ?= amd64 arm64
MAN_PAGES  := $(filter-out docs/husvagt-sim.1,$(wildcard docs/*.[1-8]))
install: $(BUILD)/husvagtd $(BUILD)/husvagtctl $(BUILD)/husvagt_clientid.so
	install -D -m 0755 $(BUILD)/husvagtd $(DESTDIR)/usr/sbin/husvagtd
	install -D -m 0755 $(BUILD)/husvagtctl $(DESTDIR)/usr/bin/husvagtctl
	install -D -m 0755 tools/husvagt-mqtt-setup $(DESTDIR)/usr/sbin/husvagt-mqtt-setup
	install -D -m 0644 $(BUILD)/husvagt_clientid.so $(DESTDIR)/usr/lib/husvagt/husvagt_clientid.so
	install -D -m 0644 -t $(DESTDIR)/usr/share/husvagt/mosquitto firmware/mosquitto/*.in
	install -D -m 0644 -t $(DESTDIR)/usr/share/husvagt/lighttpd firmware/lighttpd/*.in
	cd tools/console && find . -type f | while read -r f; do \
	    install -D -m 0644 "$$f" "$(DESTDIR)/usr/share/husvagt/console/$$f"; done
	cd boards && find . -type f | while read -r f; do \
	    install -D -m 0644 "$$f" "$(DESTDIR)/usr/share/husvagt/boards/$$f"; done
	install -D -m 0644 firmware/etc/husvagt/husvagt.conf $(DESTDIR)/etc/husvagt/husvagt.conf
	install -D -m 0644 boards/rpi4-modbus/board.ini $(DESTDIR)/etc/husvagt/board.ini
	install -D -m 0644 -t $(DESTDIR)/lib/systemd/system firmware/systemd/*.service firmware/systemd/*.path
	install -D -m 0644 firmware/systemd/mosquitto.service.d/husvagt.conf \
	    $(DESTDIR)/lib/systemd/system/mosquitto.service.d/husvagt.conf
	install -D -m 0644 firmware/sysusers.d/husvagt.conf $(DESTDIR)/usr/lib/sysusers.d/husvagt.conf
	install -D -m 0644 firmware/tmpfiles.d/husvagt.conf $(DESTDIR)/usr/lib/tmpfiles.d/husvagt.conf
	install -D -m 0644 firmware/udev/60-husvagt-gpio.rules $(DESTDIR)/lib/udev/rules.d/60-husvagt-gpio.rules
	for m in $(MAN_PAGES); do s=$${m##*.}; \
	    install -D -m 0644 $$m $(DESTDIR)/usr/share/man/man$$s/$${m##*/}; done

deb:
	@tools/install-deps debhelper lintian dpkg-dev
	@for a in $(DEB_ARCHES); do tools/build-deb $$a $(DEB_BUILD) || exit 1; done
# The amd64 package installed, upgraded, removed and purged in a fresh
# Debian 12 root (tests/deb/run; the root is cached in $(DEB_BUILD)/test).
.PHONY: deb-test
deb-test:
	@tools/install-deps debhelper lintian dpkg-dev mmdebstrap
	@tools/build-deb amd64 $(DEB_BUILD)
	@tests/deb/run $(DEB_BUILD)/amd64/husvagt_$$(sed -n '1s/^husvagt (\([^)]*\)).*/\1/p' \
	    firmware/debian/changelog)_amd64.deb $(DEB_BUILD)/test
# ---- end of installing -----------------------------------------------

# ---- The appliance image (firmware/image/) ----------------------------------
# `make image` builds the amd64 disk image, $(BUILD)/image/husvagt-amd64.img
# (tools/build-image: mmdebstrap root cached in $(BUILD)/image/cache, the
# kernel tests/qemu caches, firmware/image/customize, GPT with an EFI system
# partition, root and state; firmware/README.md).  The package and the
# image are rebuilt only when a tracked file changed.
.PHONY: image image-amd64 image-deps
IMAGE_PKGS := mmdebstrap e2fsprogs dosfstools mtools fdisk systemd-boot-efi \
              ovmf qemu-system-x86 python3-paho-mqtt debhelper lintian dpkg-dev
DEB_VERSION := $(shell awk -F'[()]' 'NR == 1 { print $$2 }' firmware/debian/changelog)
DEB_AMD64 := $(DEB_BUILD)/amd64/husvagt_$(DEB_VERSION)_amd64.deb
IMAGE := $(BUILD)/image/husvagt-amd64.img
image-deps:
	@tools/install-deps $(IMAGE_PKGS)
$(DEB_AMD64): $(wildcard $(shell git ls-files 2>/dev/null | grep -v -e '^tests/' -e '[.]md$$'))
	@tools/install-deps debhelper lintian dpkg-dev
	@tools/build-deb amd64 $(DEB_BUILD)
$(IMAGE): $(DEB_AMD64) tools/build-image firmware/image/customize \
          firmware/image/husvagt-firstboot.service
	@tools/build-image $(DEB_AMD64) $(BUILD)/image
image-amd64: image-deps
	@$(MAKE) --no-print-directory $(IMAGE)
	@ls -l $(IMAGE)
image: image-amd64
# The whole-system test: tests/appliance/README.md.
APPLIANCE_CUTS ?= 100
.PHONY: appliance-test appliance-check appliance-soak
appliance-test: image-amd64
	@tests/appliance/run $(BUILD) --cuts 2
appliance-check: image-amd64
	@tests/appliance/run $(BUILD) --quick --cuts 2
appliance-soak: image-amd64
	@tests/appliance/run $(BUILD) --quick --cuts $(APPLIANCE_CUTS)
soak: appliance-soak
DEB_PKGS += $(IMAGE_PKGS)

# ---- The arm64 package and the Raspberry Pi 4 image -------------------
# `make deb-test-arm64`: tests/deb/run for the arm64 package, in an arm64
# Debian 12 root whose programs run under qemu-user-static (the root is
# cached in $(DEB_BUILD)/test).  `make image-rpi4`: the Raspberry Pi 4
# SD-card image, $(BUILD)/image/rpi4/husvagt-rpi4.img (firmware/image/rpi4:
# mmdebstrap --arch=arm64 root with raspi-firmware and linux-image-arm64
# cached in $(BUILD)/image/rpi4/cache, firmware/image/customize, MBR with
# the FAT boot partition, root and state; firmware/image/rpi4.md).
# `make image-rpi4-check` builds it and checks it (tests/image/check-rpi4),
# and that the check refuses broken copies (tests/image/check-rpi4-refuses).
# The package and the image are rebuilt only when a tracked file changed.
.PHONY: deb-test-arm64 image-rpi4 image-rpi4-check
ARM64_ROOT_PKGS := mmdebstrap arch-test qemu-user-static binfmt-support
RPI4_IMAGE_PKGS := $(ARM64_ROOT_PKGS) dosfstools mtools fdisk e2fsprogs jq file
DEB_ARM64 := $(DEB_BUILD)/arm64/husvagt_$(DEB_VERSION)_arm64.deb
RPI4_IMAGE := $(BUILD)/image/rpi4/husvagt-rpi4.img
$(DEB_ARM64): $(wildcard $(shell git ls-files 2>/dev/null | grep -v -e '^tests/' -e '[.]md$$'))
	@tools/install-deps debhelper lintian dpkg-dev
	@tools/build-deb arm64 $(DEB_BUILD)
deb-test-arm64:
	@tools/install-deps debhelper lintian dpkg-dev $(ARM64_ROOT_PKGS)
	@$(MAKE) --no-print-directory $(DEB_ARM64)
	@tests/deb/run $(DEB_ARM64) $(DEB_BUILD)/test
$(RPI4_IMAGE): $(DEB_ARM64) firmware/image/rpi4 firmware/image/customize \
               firmware/image/husvagt-firstboot.service firmware/image/rpi4-initramfs \
               tools/binfmt-arm64
	@firmware/image/rpi4 $(DEB_ARM64) $(dir $(RPI4_IMAGE))
image-rpi4:
	@tools/install-deps debhelper lintian dpkg-dev $(RPI4_IMAGE_PKGS)
	@$(MAKE) --no-print-directory $(RPI4_IMAGE)
	@ls -l $(RPI4_IMAGE)
image-rpi4-check: image-rpi4
	@tests/image/check-rpi4 $(RPI4_IMAGE)
	@tests/image/check-rpi4-refuses $(RPI4_IMAGE)
image: image-rpi4
