# arch-arm64.mk: the arm64 build (ARCH=arm64; included by the Makefile before
# the object lists): lib/arch-arm64.c, and the micro guest's files that every
# architecture shares (MICRO_SHARED: the VM, the run, the table pool and the
# host sides of the kernels arm64 has) with its arm64 vCPU, tables, guest code
# and kernel table (guests/micro/arm64/); the x86 ones (guest.S, vcpu.c,
# pagetable.c, kernels.c and exitcost.c's exit-cost kernels) stay out. From an x86 host
# it cross-compiles with Debian's gcc-aarch64-linux-gnu and links both
# binaries statically (see docs/arm64.md).
LIB_SRCS  := $(filter-out lib/arch-%.c,$(LIB_SRCS)) lib/arch-arm64.c
CORE_SRCS := $(LIB_SRCS) $(BENCH_SRCS)
MICRO_SHARED := $(addprefix guests/micro/,micro.c vm.c stats.c prepare.c lookup.c ptpool.c ptmap.c \
		ptrchase.c gups.c cr3switch.c ptewrite.c ptbuild.c mmufault.c)
HOST_SRCS := $(filter-out guests/micro/%,$(HOST_SRCS)) $(MICRO_SHARED) \
	     $(wildcard guests/micro/arm64/*.c guests/micro/arm64/*.S)

ifneq ($(shell uname -m),aarch64)
# Objects of another architecture go to their own folder unless BUILD is given.
ifeq ($(origin BUILD),file)
BUILD    := build/arm64
endif
CC       := aarch64-linux-gnu-gcc
LDFLAGS  += -static
# libpq and libhwloc have no complete static form in Debian (libgssapi_krb5 and
# libudev ship no .a): the static vbench goes without PostgreSQL history
# (lib/arch-arm64-static.c says so when asked) and takes hwloc without udev.
HOST_LIBS := $(filter-out -lpq,$(HOST_LIBS))
HOST_SRCS += lib/arch-arm64-static.c
endif
