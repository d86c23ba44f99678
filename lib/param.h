/* param.h: bench parameters as declared data (name, type, default, range,
 * unit), validated by one shared parser and listed by `vbench list`. */
#ifndef VB_PARAM_H
#define VB_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vb_param_type {
	VB_PARAM_U64,	/* plain count: "1000", "10k" (x1000), "2M" is rejected for counts */
	VB_PARAM_SIZE,	/* bytes with binary suffixes: "4096", "64K", "512M", "16G" */
	VB_PARAM_CHOICE,/* one word out of .choices ("page,line"); stored as its index */
	VB_PARAM_BOOL,	/* 0/1, yes/no, true/false */
};

/* Whether a parameter sizes the bench's memory, and how: guests size their
 * RAM and hugepage pools from this declaration, never from a name. */
enum vb_param_mem {
	VB_MEM_NONE,	/* sizes nothing */
	VB_MEM_BYTES,	/* the value is the bytes of memory (ptrchase's `footprint`) */
	VB_MEM_PAGES,	/* the value counts pages of the guest page size (mmapchurn's `pages`) */
};

struct vb_param_def {
	const char *name;
	enum vb_param_type type;
	uint64_t def;		/* default (index for CHOICE) */
	uint64_t min, max;	/* inclusive range (ignored for CHOICE/BOOL) */
	const char *unit;	/* "bytes", "pages", "children", ... */
	const char *choices;	/* CHOICE: comma-separated words */
	const char *help;
	enum vb_param_mem mem;	/* VB_MEM_NONE unless this parameter sizes memory */
	uint64_t step;		/* SIZE/U64: values are multiples of it (0 or 1: any) */
};

#define VB_PARAMS_MAX 12

/* Values for one bench, in the order of its defs. */
struct vb_param_values {
	const struct vb_param_def *defs;	/* terminated by a def with name == NULL */
	uint64_t v[VB_PARAMS_MAX];
	bool set[VB_PARAMS_MAX];		/* given explicitly (not the default) */
};

/* Number of defs in a NULL-name-terminated table. */
int vb_param_count(const struct vb_param_def *defs);
/* Index of name in defs, or -1. */
int vb_param_index(const struct vb_param_def *defs, const char *name);

/* Fill values with the defaults. */
void vb_param_defaults(struct vb_param_values *pv, const struct vb_param_def *defs);
/* Parse and range-check one value; the error names the parameter, value and range. */
int vb_param_parse_value(const struct vb_param_def *def, const char *text, uint64_t *out,
			 char *err, size_t errlen);
/* "name=value" into pv. Unknown names are errors that list the known ones. */
int vb_param_set(struct vb_param_values *pv, const char *assignment, char *err, size_t errlen);
/* Lookup by name; aborts on an unknown name (a programming error in a bench). */
uint64_t vb_param_get(const struct vb_param_values *pv, const char *name);
/* The bytes of memory pv's parameters declare (the first with .mem set),
 * page_bytes the guest page size; false when no parameter sizes memory. */
bool vb_param_mem_bytes(const struct vb_param_values *pv, uint64_t page_bytes, uint64_t *out);
/* Value as text in its natural form ("512M", "page", "1") for output. */
void vb_param_format(const struct vb_param_def *def, uint64_t v, char *buf, size_t len);

/* Strict number parsing shared by the CLI and plan files. */
int vb_parse_size(const char *s, uint64_t *out); /* "512M" -> bytes; -1 if malformed/overflow */
int vb_parse_u64(const char *s, uint64_t *out);		/* "1000", "10k" -> count */
int vb_parse_double(const char *s, double *out);	/* "0.01", "1%" -> 0.01 */
int vb_parse_seconds(const char *s, double *out);	/* "10", "10s", "500ms", "2m" */
/* Choice word -> index in a "a,b,c" list, or -1. */
int vb_choice_index(const char *choices, const char *word);

#endif
