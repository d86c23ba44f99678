/* qmp.c: QMP over a unix socket with jansson: one JSON object per line,
 * every read bounded by a deadline and by VB_QMP_MSG_MAX. */
#include "guests/linux/qmp.h"
#include "harness/modes.h"
#include "lib/clock.h"
#include "lib/error.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

void vb_qmp_close(struct vb_qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	free(q->buf);
	q->fd = -1;
	q->buf = NULL;
	q->len = 0;
}

/* The next message as a JSON object, or NULL with err. */
static json_t *read_msg(struct vb_qmp *q, double deadline, char *err, size_t errlen)
{
	for (;;) {
		char *nl = q->buf ? memchr(q->buf, '\n', q->len) : NULL;
		struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
		double left;
		ssize_t n;

		if (nl) {
			size_t used = (size_t)(nl - q->buf) + 1;
			json_error_t je;
			json_t *m = json_loadb(q->buf, used - 1, 0, &je);

			memmove(q->buf, q->buf + used, q->len - used);
			q->len -= used;
			if (!json_is_object(m)) {
				json_decref(m);
				vb_errf(err, errlen, "QMP sent a line that is not a JSON object");
				return NULL;
			}
			return m;
		}
		if (q->len >= VB_QMP_MSG_MAX) {
			vb_errf(err, errlen, "QMP message longer than %d bytes", VB_QMP_MSG_MAX);
			return NULL;
		}
		left = deadline - vb_now_s();
		if (left <= 0) {
			vb_errf(err, errlen, "QMP did not answer in time");
			return NULL;
		}
		/* At most a minute per wait: a far deadline must not overflow an int. */
		n = poll(&pfd, 1, left > 60 ? 60000 : (int)(left * 1000) + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vb_errf(err, errlen, "poll on QMP socket: %s", strerror(errno));
			return NULL;
		}
		if (n == 0)
			continue;
		if (!q->buf) {
			q->buf = malloc(VB_QMP_MSG_MAX);
			if (!q->buf) {
				vb_errf(err, errlen, "out of memory");
				return NULL;
			}
		}
		n = read(q->fd, q->buf + q->len, VB_QMP_MSG_MAX - q->len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			vb_errf(err, errlen, "QMP socket closed%s%s", n < 0 ? ": " : "",
				n < 0 ? strerror(errno) : "");
			return NULL;
		}
		q->len += (size_t)n;
	}
}

static int write_all(int fd, const char *s, size_t n, char *err, size_t errlen)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return vb_errf(err, errlen, "write to QMP socket: %s", strerror(errno));
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int vb_qmp_execute(struct vb_qmp *q, const char *cmd, json_t *args, double timeout_s,
		   json_t **ret, char *err, size_t errlen)
{
	double deadline = vb_now_s() + timeout_s;
	json_t *req = json_pack("{s:s}", "execute", cmd);
	char *text;
	int rc;

	if (ret)
		*ret = NULL;
	if (args)
		json_object_set_new(req, "arguments", args);
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!text)
		return vb_errf(err, errlen, "cannot encode QMP command %s", cmd);
	rc = write_all(q->fd, text, strlen(text), err, errlen);
	if (rc == 0)
		rc = write_all(q->fd, "\n", 1, err, errlen);
	free(text);
	if (rc < 0)
		return -1;
	for (;;) {
		json_t *m = read_msg(q, deadline, err, errlen), *e;

		if (!m)
			return -1;
		if (json_object_get(m, "event")) {
			json_decref(m);
			continue;
		}
		e = json_object_get(m, "error");
		if (e) {
			const char *cls = json_string_value(json_object_get(e, "class"));
			const char *desc = json_string_value(json_object_get(e, "desc"));

			vb_errf(err, errlen, "QMP %s: %s: %.300s", cmd, cls ? cls : "error",
				desc ? desc : "");
			json_decref(m);
			return -1;
		}
		if (!json_object_get(m, "return")) {
			json_decref(m);
			return vb_errf(err, errlen, "QMP %s: reply has neither return nor error",
				       cmd);
		}
		if (ret)
			*ret = json_incref(json_object_get(m, "return"));
		json_decref(m);
		return 0;
	}
}

int vb_qmp_open_fd(struct vb_qmp *q, int fd, double timeout_s, char *err, size_t errlen)
{
	json_t *greeting;

	q->fd = fd;
	q->buf = NULL;
	q->len = 0;
	greeting = read_msg(q, vb_now_s() + timeout_s, err, errlen);
	if (!greeting) {
		vb_qmp_close(q);
		return -1;
	}
	if (!json_object_get(greeting, "QMP")) {
		json_decref(greeting);
		vb_qmp_close(q);
		return vb_errf(err, errlen, "QMP did not greet with a QMP object");
	}
	json_decref(greeting);
	if (vb_qmp_execute(q, "qmp_capabilities", NULL, timeout_s, NULL, err, errlen) < 0) {
		vb_qmp_close(q);
		return -1;
	}
	return 0;
}

int vb_qmp_connect(struct vb_qmp *q, const char *path, double timeout_s, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	double deadline = vb_now_s() + timeout_s;
	int fd;

	q->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return vb_errf(err, errlen, "QMP socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return vb_errf(err, errlen, "socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(fd);
		if ((errno != ENOENT && errno != ECONNREFUSED) || vb_now_s() > deadline)
			return vb_errf(err, errlen, "cannot connect to QMP at %s: %s", path,
				       strerror(errno));
		usleep(20000);
	}
	return vb_qmp_open_fd(q, fd, deadline - vb_now_s() > 1 ? deadline - vb_now_s() : 1, err,
			      errlen);
}

int vb_qmp_vcpu_tids(struct vb_qmp *q, int *tids, int max, char *err, size_t errlen)
{
	json_t *ret, *c;
	size_t i;
	int n = 0;

	if (vb_qmp_execute(q, "query-cpus-fast", NULL, 5, &ret, err, errlen) < 0)
		return -1;
	if (!json_is_array(ret)) {
		json_decref(ret);
		return vb_errf(err, errlen, "query-cpus-fast did not return a list");
	}
	json_array_foreach(ret, i, c) {
		json_t *idx = json_object_get(c, "cpu-index"),
		       *tid = json_object_get(c, "thread-id");
		json_int_t k = json_integer_value(idx);

		if (!json_is_integer(idx) || !json_is_integer(tid) || k < 0 || k >= max ||
		    json_integer_value(tid) <= 0 || json_integer_value(tid) > (1 << 30)) {
			json_decref(ret);
			return vb_errf(
				err, errlen,
				"query-cpus-fast: entry %zu lacks a valid cpu-index/thread-id", i);
		}
		tids[k] = (int)json_integer_value(tid);
		n = (int)k + 1 > n ? (int)k + 1 : n;
	}
	json_decref(ret);
	return n;
}

/* The stats array of one reply entry when its provider is kvm, else NULL:
 * query-stats and query-stats-schemas both list entries per provider. */
static json_t *kvm_stats_of(json_t *ent)
{
	const char *prov = json_string_value(json_object_get(ent, "provider"));
	json_t *stats = json_object_get(ent, "stats");

	return prov && !strcmp(prov, "kvm") && json_is_array(stats) ? stats : NULL;
}

/* Add provider kvm's scalar stats of one query-stats reply into out. */
static void add_stats(json_t *ret, json_t *out)
{
	size_t i, j;
	json_t *ent, *st;

	json_array_foreach(ret, i, ent) {
		json_t *stats = kvm_stats_of(ent);

		if (!stats)
			continue;
		json_array_foreach(stats, j, st) {
			const char *name = json_string_value(json_object_get(st, "name"));
			json_t *v = json_object_get(st, "value"), *have;
			json_int_t sum, add = json_integer_value(v);

			if (!name || strlen(name) > 64 || !json_is_integer(v) || add < 0)
				continue;
			have = json_object_get(out, name);
			/* KVM's statistics are counts and levels, never negative; a sum
			 * past INT64_MAX is no figure KVM gave: drop it, whole. */
			if (have && !json_is_integer(have))
				continue;
			if (__builtin_add_overflow(add, have ? json_integer_value(have) : 0,
						   &sum)) {
				json_object_set_new(out, name, json_null());
				continue;
			}
			json_object_set_new(out, name, json_integer(sum));
		}
	}
}

int vb_qmp_kvm_stats(struct vb_qmp *q, json_t **out, char *err, size_t errlen)
{
	static const char *const targets[] = { "vm", "vcpu" };
	json_t *all = json_object();

	for (size_t t = 0; t < 2; t++) {
		json_t *ret;

		if (vb_qmp_execute(q, "query-stats", json_pack("{s:s}", "target", targets[t]), 5,
				   &ret, err, errlen) < 0) {
			json_decref(all);
			return -1;
		}
		if (json_is_array(ret))
			add_stats(ret, all);
		json_decref(ret);
	}
	if (json_object_size(all) == 0) {
		json_decref(all);
		return vb_errf(err, errlen,
			       "query-stats has no kvm statistics (not running under KVM)");
	}
	*out = all;
	return 0;
}

int vb_qmp_kvm_stat_types(struct vb_qmp *q, json_t **types, char *err, size_t errlen)
{
	json_t *ret, *all, *ent, *st;
	size_t i, j;

	*types = NULL;
	if (vb_qmp_execute(q, "query-stats-schemas", json_pack("{s:s}", "provider", "kvm"), 5, &ret,
			   err, errlen) < 0)
		return -1;
	all = json_object();
	json_array_foreach(ret, i, ent) {
		json_t *stats = kvm_stats_of(ent);

		if (!stats)
			continue;
		json_array_foreach(stats, j, st) {
			const char *name = json_string_value(json_object_get(st, "name"));
			const char *type = json_string_value(json_object_get(st, "type"));

			if (!name || !type || strlen(name) > 64 || strlen(type) > 32 ||
			    json_object_get(all, name))
				continue;
			json_object_set_new(all, name, json_string(type));
		}
	}
	json_decref(ret);
	if (json_object_size(all) == 0) {
		json_decref(all);
		return vb_errf(err, errlen, "query-stats-schemas has no kvm statistics");
	}
	*types = all;
	return 0;
}

json_t *vb_kvm_stats_delta(json_t *before, json_t *after, json_t *types)
{
	json_t *d = json_object(), *a;
	const char *k;

	json_object_foreach(after, k, a) {
		json_t *b = json_object_get(before, k);
		const char *type = json_string_value(json_object_get(types, k));
		bool level = type ? strcmp(type, "cumulative") != 0 : vb_kvm_stat_is_level(k);
		json_int_t diff, av = json_integer_value(a), bv = json_integer_value(b);

		if (!json_is_integer(a) || !json_is_integer(b))
			continue;
		if (level)
			json_object_set_new(d, k, json_integer(av));
		else if (!__builtin_sub_overflow(av, bv, &diff))
			json_object_set_new(d, k, json_integer(diff));
		/* else: absurd figures (one near INT64_MAX, one negative): no delta. */
	}
	return d;
}
