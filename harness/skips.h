/* skips.h: skipped points counted by their reason, for the summary that a dry
 * run and the end of a run print: one line a reason, in the order first seen. */
#ifndef VB_SKIPS_H
#define VB_SKIPS_H

#include <stdio.h>
#include <jansson.h>

struct vb_skips {
	json_t *count;		/* reason -> points skipped for it */
	json_t *order;		/* the reasons, first seen first */
};

/* Start counting (nothing counted yet). */
void vb_skips_init(struct vb_skips *s);
/* One more point skipped for why (NULL: "no reason given"). */
void vb_skips_add(struct vb_skips *s, const char *why);
/* "skipped, N point(s): <why>" to f a reason, the reason escaped as a
 * terminal line (vb_fputs_escaped). */
void vb_skips_print(const struct vb_skips *s, FILE *f);
/* Release what vb_skips_init made. */
void vb_skips_free(struct vb_skips *s);

#endif
