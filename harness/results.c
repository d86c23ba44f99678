/* results.c: crash-safe result writing: append + fsync per row, and run.json
 * by write-to-temp + rename, so no finished measurement is ever lost. */
#include "harness/results.h"
#include "lib/error.h"
#include "microbench/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void vb_utc_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* mkdir -p */
static int make_dirs(const char *path, char *err, size_t errlen)
{
	char buf[4096];

	if (strlen(path) >= sizeof(buf))
		return vb_errf(err, errlen, "path too long: %s", path);
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return vb_errf(err, errlen, "cannot create %s: %s", buf, strerror(errno));
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

static void sanitize_host(char *h)
{
	for (; *h; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') || (*h >= '0' && *h <= '9') || *h == '-'))
			*h = '-';
}

int vb_results_open(struct vb_results *r, const char *out_dir, char *err, size_t errlen)
{
	char host[64] = "host", stamp[32], path[4200];
	unsigned char rnd[3] = { 0 };
	time_t t = time(NULL);
	struct tm tm;

	memset(r, 0, sizeof(*r));
	r->jsonl_fd = -1;
	r->inv_fd = -1;
	if (make_dirs(out_dir, err, errlen) < 0)
		return -1;
	if (access(out_dir, W_OK) < 0)
		return vb_errf(err, errlen, "cannot write to %s: %s", out_dir, strerror(errno));
	gethostname(host, sizeof(host) - 1);
	host[32] = '\0';
	sanitize_host(host);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd[0] = (unsigned char)getpid(), rnd[1] = (unsigned char)(getpid() >> 8);
	snprintf(r->id, sizeof(r->id), "%s-%s-%02x%02x%02x", stamp, host, rnd[0], rnd[1], rnd[2]);
	snprintf(r->dir, sizeof(r->dir), "%s/%s", out_dir, r->id);
	if (mkdir(r->dir, 0755) < 0)
		return vb_errf(err, errlen, "cannot create %s: %s", r->dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/results.jsonl", r->dir);
	r->jsonl_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (r->jsonl_fd < 0)
		return vb_errf(err, errlen, "cannot create %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/run.log", r->dir);
	r->log = fopen(path, "ae");
	if (!r->log)
		return vb_errf(err, errlen, "cannot create %s: %s", path, strerror(errno));
	setvbuf(r->log, NULL, _IOLBF, 0);
	r->rows = json_array();
	return 0;
}

int vb_results_append(struct vb_results *r, json_t *row, char *err, size_t errlen)
{
	char *line;
	size_t len, off = 0;
	json_t *walk;

	/* The derived walk metrics, from the counts every backend left in the
	 * row: computed here, once for all guests (docs/methodology.md). */
	walk = vb_walk_row(json_object_get(row, "counters"));
	if (walk)
		json_object_set_new(row, "walk", walk);
	line = json_dumps(row, JSON_COMPACT | JSON_ENSURE_ASCII);

	if (!line)
		return vb_errf(err, errlen, "cannot encode a result row");
	len = strlen(line);
	line[len++] = '\n';	/* over the NUL: the line is written by length */
	while (off < len) {
		ssize_t n = write(r->jsonl_fd, line + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(line);
			return vb_errf(err, errlen, "cannot write results.jsonl in %s: %s", r->dir, strerror(errno));
		}
		off += (size_t)n;
	}
	free(line);
	if (fsync(r->jsonl_fd) < 0)
		return vb_errf(err, errlen, "cannot fsync results.jsonl in %s: %s", r->dir, strerror(errno));
	json_array_append(r->rows, row);
	return 0;
}

/* A line and its newline, all of it, then fsync. */
static int write_line(int fd, const char *line, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, line + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		off += (size_t)n;
	}
	return fsync(fd);
}

int vb_results_append_invocation(struct vb_results *r, json_t *row, unsigned inv, char *err, size_t errlen)
{
	json_t *line_obj = json_pack("{s:I,s:O}", "invocation", (json_int_t)inv, "row", row);
	char path[4200], *line = line_obj ? json_dumps(line_obj, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	int ret = 0;

	json_decref(line_obj);
	if (!line)
		return vb_errf(err, errlen, "cannot encode an invocation row");
	if (r->inv_fd < 0) {
		snprintf(path, sizeof(path), "%s/invocations.jsonl", r->dir);
		r->inv_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
	}
	if (r->inv_fd < 0) {
		ret = vb_errf(err, errlen, "cannot open invocations.jsonl in %s: %s", r->dir, strerror(errno));
	} else {
		size_t len = strlen(line);

		line[len++] = '\n';
		if (write_line(r->inv_fd, line, len) < 0)
			ret = vb_errf(err, errlen, "cannot write invocations.jsonl in %s: %s", r->dir,
				      strerror(errno));
	}
	free(line);
	return ret;
}

int vb_json_write_atomic(json_t *doc, const char *path, char *err, size_t errlen)
{
	char tmp[4200], dir[4200];
	int fd, dfd;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return vb_errf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
	if (json_dumpfd(doc, fd, JSON_INDENT(2) | JSON_ENSURE_ASCII) < 0 || write(fd, "\n", 1) != 1 ||
	    fsync(fd) < 0) {
		int e = errno;

		close(fd);
		unlink(tmp);
		return vb_errf(err, errlen, "cannot write %s: %s", tmp, strerror(e));
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return vb_errf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(e));
	}
	/* The rename itself must reach the disk. */
	snprintf(dir, sizeof(dir), "%s", path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int vb_results_finish(struct vb_results *r, json_t *header, char *err, size_t errlen)
{
	char path[4200];
	json_t *doc = json_deep_copy(header);
	int ret;

	json_object_set(doc, "results", r->rows);
	snprintf(path, sizeof(path), "%s/run.json", r->dir);
	ret = vb_json_write_atomic(doc, path, err, errlen);
	json_decref(doc);
	return ret;
}

void vb_results_close(struct vb_results *r)
{
	if (r->jsonl_fd >= 0)
		close(r->jsonl_fd);
	if (r->inv_fd >= 0)
		close(r->inv_fd);
	r->inv_fd = -1;
	if (r->log)
		fclose(r->log);
	json_decref(r->rows);
	r->jsonl_fd = -1;
	r->log = NULL;
	r->rows = NULL;
}

void vb_results_log(struct vb_results *r, const char *fmt, ...)
{
	char stamp[32];
	va_list ap;

	if (!r->log)
		return;
	vb_utc_now(stamp, sizeof(stamp));
	fprintf(r->log, "%s ", stamp);
	va_start(ap, fmt);
	vfprintf(r->log, fmt, ap);
	va_end(ap);
	fputc('\n', r->log);
}
