# arch-x86_64.mk: the x86_64 build's own files (included by the Makefile
# before the object lists): lib/arch-x86_64.c; the other architectures' aside.
LIB_SRCS  := $(filter-out lib/arch-%.c,$(LIB_SRCS)) lib/arch-x86_64.c
CORE_SRCS := $(LIB_SRCS) $(BENCH_SRCS)
