/* results.h: the run folder. Each finished row is appended to results.jsonl
 * and fsync'd at once; run.json is assembled by write-to-temp + rename. */
#ifndef VB_RESULTS_H
#define VB_RESULTS_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

struct vb_results {
	char dir[4096];		/* the run folder */
	char id[128];		/* its name */
	int jsonl_fd;
	int inv_fd;		/* invocations.jsonl, opened at its first line; -1 before */
	FILE *log;
	json_t *rows;		/* every row appended so far */
	bool host_tcg;		/* the host record (given to vb_results_finish) says QEMU TCG */
};

/* Create <out_dir>/<UTC time>-<host>-<6 hex>/ with results.jsonl and run.log.
 * out_dir is created when missing. */
int vb_results_open(struct vb_results *r, const char *out_dir, char *err, size_t errlen);
/* Append one row durably (write + fsync) before returning, with its derived
 * `walk` and its `timing` (emulated on a TCG host, or by its own guest). */
int vb_results_append(struct vb_results *r, json_t *row, char *err, size_t errlen);
/* Append one invocation's row of a point (index inv) to invocations.jsonl,
 * durably, as results.jsonl takes finished rows: what a run killed between
 * invocations has measured is kept there. */
int vb_results_append_invocation(struct vb_results *r, json_t *row, unsigned inv, char *err,
				 size_t errlen);
/* Write run.json: header fields plus "results" (the rows), via temp + rename. */
int vb_results_finish(struct vb_results *r, json_t *header, char *err, size_t errlen);
void vb_results_close(struct vb_results *r);
/* A line in run.log, timestamped. */
__attribute__((format(printf, 2, 3)))
void vb_results_log(struct vb_results *r, const char *fmt, ...);

/* Write a JSON document to path atomically (temp file, fsync, rename, fsync dir). */
int vb_json_write_atomic(json_t *doc, const char *path, char *err, size_t errlen);
/* "2026-11-23T20:15:00.123Z" for now (UTC, milliseconds). */
void vb_utc_now(char *buf, size_t len);

#endif
