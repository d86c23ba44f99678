/* gups.h: the gups bench's parameters, which the micro guest's gups kernel
 * takes as its own. */
#ifndef VB_GUPS_H
#define VB_GUPS_H

#include "lib/param.h"

extern const struct vb_param_def vb_gups_params[];

#endif
