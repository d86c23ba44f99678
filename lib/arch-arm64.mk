# arch-arm64.mk: the arm64 build (ARCH=arm64; included by the Makefile before
# the object lists): lib/arch-arm64.c, and the micro guest's entry without its
# x86 VM, kernels and kernel table (guests/micro/arm64/absent.c). From an x86
# host it cross-compiles with Debian's gcc-aarch64-linux-gnu and links both binaries statically (see docs/arm64.md).
LIB_SRCS  := $(filter-out lib/arch-%.c,$(LIB_SRCS)) lib/arch-arm64.c
CORE_SRCS := $(LIB_SRCS) $(BENCH_SRCS)
HOST_SRCS := $(filter-out guests/micro/%,$(HOST_SRCS)) $(wildcard guests/micro/arm64/*.c)

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
