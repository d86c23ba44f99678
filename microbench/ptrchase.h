/* ptrchase.h: the pointer chain of the ptrchase bench, built apart from the
 * bench so tests can check it is one cycle over every node, and its
 * parameters: the micro guest's ptrchase kernel builds the same chain from
 * the same table. */
#ifndef VB_PTRCHASE_H
#define VB_PTRCHASE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/param.h"

extern const struct vb_param_def vb_ptrchase_params[];

/* Link `nodes` slots, one per `stride` bytes of base, into one random cycle
 * (Sattolo). With stride >= 4096 each slot sits at a varied cache line of its
 * stride so that the chain does not pile onto a few cache sets. Returns the
 * first node. */
void *vb_ptrchase_build(void *base, size_t nodes, size_t stride, uint64_t seed);
/* Address of node i, as the builder placed it. */
void *vb_ptrchase_node(void *base, size_t i, size_t stride);

#endif
