/* plan.c: parse plan files strictly (line-numbered errors) and expand a plan
 * into the points of a run. Format: docs/plan-format.md. */
#include "harness/plan.h"
#include "harness/catalog.h"
#include "harness/guest.h"
#include "harness/spawn.h"
#include "harness/slat.h"
#include "lib/error.h"
#include "lib/stats.h"
#include "microbench/runner.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void vb_plan_defaults(struct vb_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	snprintf(plan->source, sizeof(plan->source), "flags");
	plan->modes[0] = VB_MODE_NATIVE;
	plan->n_modes = 1;
	plan->pages[0] = (struct vb_pages){ VB_PS_4K, VB_PS_4K };
	plan->n_pages = 1;
	plan->guest = NULL;		/* auto */
	plan->stop = VB_STOP_DEFAULT;
	plan->warmup = VB_WARMUP_DEFAULT;
	plan->invocations = VB_INVOCATIONS_DEFAULT;
	plan->timeout_s = VB_TIMEOUT_DEFAULT_S;
}

int vb_plan_set_modes(struct vb_plan *plan, const char *list, char *err, size_t errlen)
{
	char rest[256] = "";
	size_t used = 0;
	bool kvm = false;
	int n = 0;

	if (strlen(list) >= sizeof(rest))
		return vb_errf(err, errlen, "bad mode list '%.64s...': too long", list);
	/* "kvm" is the plan's word for whatever mode /dev/kvm gives now: the
	 * rest is a plain mode list. */
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");

		if (len == 3 && !strncmp(p, "kvm", 3)) {
			if (kvm)
				return vb_errf(err, errlen, "mode 'kvm' given twice");
			kvm = true;
		} else {
			used += (size_t)snprintf(rest + used, sizeof(rest) - used, "%s%.*s",
				used ? "," : "",
						 (int)len, p);
		}
		p += len + (p[len] == ',');
	}
	if (used && (n = vb_mode_list_parse(rest, plan->modes, VB_MODE_COUNT, err, errlen)) < 0)
		return -1;
	if (!used && !kvm)
		return vb_errf(err, errlen, "bad mode list '%s': expected e.g. native,shadow,ept",
			list);
	plan->n_modes = n;
	plan->modes_set = true;
	plan->mode_kvm = kvm;
	return 0;
}

enum vb_mode vb_plan_kvm_mode(const struct vb_kvm_state *kvm)
{
	/* Without a usable /dev/kvm, shadow: its rows say why it could not run. */
	return kvm->flavour == VB_KVM_NONE || kvm->paging == VB_MODE_NATIVE ? VB_MODE_SHADOW
									  : kvm->paging;
}

void vb_plan_resolve_kvm(struct vb_plan *plan, const struct vb_kvm_state *kvm)
{
	enum vb_mode m = vb_plan_kvm_mode(kvm);

	if (!plan->mode_kvm)
		return;
	plan->mode_kvm = false;
	for (int i = 0; i < plan->n_modes; i++)
		if (plan->modes[i] == m)
			return;
	if (plan->n_modes < VB_MODE_COUNT)
		plan->modes[plan->n_modes++] = m;
}

static struct vb_plan_bench *find_bench(struct vb_plan *plan, const char *name)
{
	for (int i = 0; i < plan->n_benches; i++)
		if (!strcmp(plan->benches[i].name, name))
			return &plan->benches[i];
	return NULL;
}

/* Parameter defs of a bench in whichever guest knows it, in table order. */
static const struct vb_param_def *defs_anywhere(const char *bench, const char *param)
{
	struct vb_catalog_entry e;

	for (int g = 0; vb_guests[g]; g++) {
		if (!vb_guest_bench(vb_guests[g], bench, &e))
			continue;
		int idx = vb_param_index(e.params, param);

		if (idx >= 0)
			return &e.params[idx];
	}
	return NULL;
}

/* Every comma-separated value must parse for the parameter. */
static int check_values(const struct vb_param_def *def, const char *values, char *err,
			size_t errlen)
{
	char buf[VB_PLAN_VALUES_MAX], *save = NULL, *tok;
	uint64_t v;

	if (!values[0] || values[strlen(values) - 1] == ',' || values[0] == ',' ||
	    strstr(values, ",,"))
		return vb_errf(err, errlen, "empty value in %s=%s", def->name, values);
	snprintf(buf, sizeof(buf), "%s", values);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (vb_param_parse_value(def, tok, &v, err, errlen) < 0)
			return -1;
	return 0;
}

static int bench_set(struct vb_plan_bench *b, const char *name, const char *values, char *err,
		     size_t errlen)
{
	const struct vb_param_def *def = defs_anywhere(b->name, name);
	int i;

	if (!def) {
		char known[256] = "";
		struct vb_catalog_entry e;

		if (vb_catalog_any(b->name, &e))
			for (int k = 0; e.params && e.params[k].name; k++)
				snprintf(known + strlen(known), sizeof(known) - strlen(known),
					 "%s%s", k ? ", " : "", e.params[k].name);
		return vb_errf(err, errlen, "unknown parameter '%s' for %s: it takes %s", name,
			       b->name, known[0] ? known : "no parameters");
	}
	if (strlen(values) >= VB_PLAN_VALUES_MAX)
		return vb_errf(err, errlen, "too many values for %s", name);
	int n_values = 1;

	for (const char *c = values; *c; c++)
		n_values += *c == ',';
	if (n_values > VB_SWEEP_MAX)
		return vb_errf(err, errlen, "%d values for %s: a sweep takes at most %d", n_values,
			       name, VB_SWEEP_MAX);
	if (check_values(def, values, err, errlen) < 0)
		return -1;
	for (i = 0; i < b->n_params; i++)
		if (!strcmp(b->p[i].name, name))
			break;
	if (i == b->n_params) {
		if (b->n_params >= VB_PARAMS_MAX)
			return vb_errf(err, errlen, "too many parameters for %s", b->name);
		b->n_params++;
	}
	snprintf(b->p[i].name, sizeof(b->p[i].name), "%s", name);
	snprintf(b->p[i].values, sizeof(b->p[i].values), "%s", values);
	return 0;
}

int vb_plan_add_bench(struct vb_plan *plan, const char *name, char *err, size_t errlen)
{
	struct vb_plan_bench *b;

	if (!vb_catalog_known(name)) {
		char names[512];

		vb_catalog_names(names, sizeof(names));
		return vb_errf(err, errlen, "unknown bench '%s': known benches are %s", name,
			       names);
	}
	if (find_bench(plan, name))
		return vb_errf(err, errlen, "bench '%s' given twice", name);
	if (plan->n_benches >= VB_PLAN_BENCHES_MAX)
		return vb_errf(err, errlen, "too many benches (at most %d)", VB_PLAN_BENCHES_MAX);
	b = &plan->benches[plan->n_benches++];
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", name);
	return 0;
}

int vb_plan_set_param(struct vb_plan *plan, const char *name, const char *values, char *err,
		      size_t errlen)
{
	int hits = 0;

	for (int i = 0; i < plan->n_benches; i++) {
		struct vb_plan_bench *b = &plan->benches[i];

		if (!defs_anywhere(b->name, name))
			continue;
		if (bench_set(b, name, values, err, errlen) < 0)
			return -1;
		hits++;
	}
	if (!hits)
		return vb_errf(err, errlen, "no bench in the plan takes parameter '%s'", name);
	return 0;
}

int vb_plan_select_benches(struct vb_plan *plan, const char *list, char *err, size_t errlen)
{
	struct vb_plan_bench keep[VB_PLAN_BENCHES_MAX];
	char buf[512], *save = NULL, *tok;
	int n = 0;

	if (strlen(list) >= sizeof(buf) || !list[0])
		return vb_errf(err, errlen, "bad bench list '%s'", list);
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct vb_plan_bench *b = find_bench(plan, tok);

		if (!vb_catalog_known(tok)) {
			char names[512];

			vb_catalog_names(names, sizeof(names));
			return vb_errf(err, errlen, "unknown bench '%s': known benches are %s", tok,
				       names);
		}
		for (int i = 0; i < n; i++)
			if (!strcmp(keep[i].name, tok))
				return vb_errf(err, errlen, "bench '%s' given twice", tok);
		if (n >= VB_PLAN_BENCHES_MAX)
			return vb_errf(err, errlen, "too many benches");
		if (b) {
			keep[n++] = *b;
		} else {
			memset(&keep[n], 0, sizeof(keep[n]));
			snprintf(keep[n].name, sizeof(keep[n].name), "%s", tok);
			n++;
		}
	}
	memcpy(plan->benches, keep, sizeof(keep[0]) * (size_t)n);
	plan->n_benches = n;
	return 0;
}

/* "key=value" options of the repeat line. */
static int parse_repeat(struct vb_plan *plan, char *args, char *err, size_t errlen)
{
	static const char *const keys[] = { "min", "max", "ci", "time", "warmup", "invocations" };
	char *save = NULL, *tok;
	unsigned seen = 0;

	for (tok = strtok_r(args, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		uint64_t u;
		double d;

		if (!eq)
			return vb_errf(err, errlen,
				       "bad repeat option '%s': expected min=N, max=N, ci=1%%, "
				       "time=30s, warmup=N "
				       "or invocations=N",
				       tok);
		*eq++ = '\0';
		for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			if (strcmp(tok, keys[k]))
				continue;
			if (seen & (1u << k))
				return vb_errf(err, errlen,
					       "repeat option '%s' given twice: keep one", tok);
			seen |= 1u << k;
		}
		if (!strcmp(tok, "min") || !strcmp(tok, "max") || !strcmp(tok, "warmup")) {
			/* As vbench-guest takes them: samples 1..VB_SAMPLES_MAX,
			 * warmup 0..VB_WARMUP_MAX. */
			uint64_t lo = strcmp(tok, "warmup") ? 1 : 0,
				 hi = strcmp(tok, "warmup") ? VB_SAMPLES_MAX : VB_WARMUP_MAX;

			if (vb_parse_u64(eq, &u) < 0 || u < lo || u > hi)
				return vb_errf(err, errlen,
					       "bad %s '%s': use a whole number from %llu to %llu",
					       tok, eq, (unsigned long long)lo,
					       (unsigned long long)hi);
			if (!strcmp(tok, "min"))
				plan->stop.min_runs = (unsigned)u;
			else if (!strcmp(tok, "max"))
				plan->stop.max_runs = (unsigned)u;
			else
				plan->warmup = (unsigned)u;
		} else if (!strcmp(tok, "ci")) {
			if (vb_parse_double(eq, &d) < 0 || d <= 0 || d >= 1)
				return vb_errf(
					err, errlen,
					"bad ci '%s': use a fraction or percentage, e.g. 1%%", eq);
			plan->stop.target_ci = d;
		} else if (!strcmp(tok, "time")) {
			if (vb_parse_seconds(eq, &d) < 0 || d <= 0)
				return vb_errf(err, errlen, "bad time '%s': use seconds, e.g. 30s",
					       eq);
			plan->stop.max_seconds = d;
		} else if (!strcmp(tok, "invocations")) {
			if (vb_parse_u64(eq, &u) < 0 || u < 1 || u > VB_INVOCATIONS_MAX)
				return vb_errf(
					err, errlen,
					"bad invocations '%s': use a whole number from 1 to %d", eq,
					VB_INVOCATIONS_MAX);
			plan->invocations = (unsigned)u;
		} else {
			return vb_errf(err, errlen,
				       "unknown repeat option '%s': use min, max, ci, time, warmup "
				       "or invocations",
				       tok);
		}
	}
	if (plan->stop.min_runs < 1 || plan->stop.max_runs < plan->stop.min_runs)
		return vb_errf(err, errlen, "repeat needs 1 <= min <= max (have min=%u max=%u)",
			       plan->stop.min_runs, plan->stop.max_runs);
	return 0;
}

static int parse_bench_line(struct vb_plan *plan, char *args, int lineno, char *err, size_t errlen)
{
	char *save = NULL, *name = strtok_r(args, " \t", &save), *tok;
	struct vb_plan_bench *b;

	if (!name)
		return vb_errf(err, errlen,
			       "bench needs a name, e.g. 'bench ptrchase footprint=512M'");
	if (vb_plan_add_bench(plan, name, err, errlen) < 0)
		return -1;
	b = &plan->benches[plan->n_benches - 1];
	b->line = lineno;
	for (tok = strtok_r(NULL, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok)
			return vb_errf(err, errlen,
				       "bad parameter '%s': expected name=value[,value...]", tok);
		*eq = '\0';
		for (int i = 0; i < b->n_params; i++)
			if (!strcmp(b->p[i].name, tok))
				return vb_errf(err, errlen, "parameter '%s' given twice", tok);
		if (bench_set(b, tok, eq + 1, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static int parse_line(struct vb_plan *plan, char *line, int lineno, unsigned *seen, char *err,
		      size_t errlen)
{
	static const char *const keys[] = {
		"mode", "pages", "guest", "repeat", "timeout", "bench"
	};
	char *key, *args;
	int k;

	key = line + strspn(line, " \t");
	args = key + strcspn(key, " \t");
	if (*args)
		*args++ = '\0';
	args += strspn(args, " \t");
	for (k = 0; k < 6; k++)
		if (!strcmp(key, keys[k]))
			break;
	if (k == 6)
		return vb_errf(err, errlen,
			       "unknown keyword '%s': expected mode, pages, guest, repeat, timeout "
			       "or bench",
			       key);
	if (k != 5 && (*seen & (1u << k)))
		return vb_errf(err, errlen, "'%s' given twice", key);
	*seen |= 1u << k;
	if (!*args && k != 3)
		return vb_errf(err, errlen, "'%s' needs a value", key);
	if (k < 3 || k == 4) {
		/* One-word values. */
		size_t len = strcspn(args, " \t");

		if (args[len + strspn(args + len, " \t")])
			return vb_errf(err, errlen,
				       "'%s' takes one value (a comma list without spaces)", key);
		args[len] = '\0';
	}
	switch (k) {
	case 0:
		return vb_plan_set_modes(plan, args, err, errlen);
	case 1: {
		int n = vb_pages_list_parse(args, plan->pages, VB_PAGES_MAX, err, errlen);

		if (n < 0)
			return -1;
		plan->n_pages = n;
		return 0;
	}
	case 2:
		return vb_plan_set_guest(plan, args, err, errlen);
	case 3:
		return parse_repeat(plan, args, err, errlen);
	case 4:
		if (vb_parse_seconds(args, &plan->timeout_s) < 0 || plan->timeout_s <= 0)
			return vb_errf(err, errlen, "bad timeout '%.40s': use seconds, e.g. 600s",
				       args);
		/* Refused as written, not as a number of 300 digits. */
		if (plan->timeout_s > VB_TIMEOUT_MAX_S)
			return vb_errf(err, errlen, "bad timeout '%.40s': at most %.0f s (%d days)",
				       args, VB_TIMEOUT_MAX_S, VB_TIMEOUT_MAX_DAYS);
		return 0;
	default:
		return parse_bench_line(plan, args, lineno, err, errlen);
	}
}

int vb_plan_parse_text(const char *text, const char *name, struct vb_plan *plan, char *err,
		       size_t errlen)
{
	char line[2048], why[512];
	const char *p = text;
	unsigned seen = 0;
	int lineno = 0;

	vb_plan_defaults(plan);
	snprintf(plan->source, sizeof(plan->source), "%s", name);
	while (*p) {
		size_t len = strcspn(p, "\n");
		char *hash;

		lineno++;
		if (len >= sizeof(line))
			return vb_errf(err, errlen, "%s:%d: line too long", name, lineno);
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (p[len] == '\n');
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (char *e = line + strlen(line); e > line && isspace((unsigned char)e[-1]);)
			*--e = '\0';
		if (!line[strspn(line, " \t")])
			continue;
		for (char *c = line; *c; c++)
			if (!isprint((unsigned char)*c) && *c != '\t')
				return vb_errf(err, errlen,
					       "%s:%d: unexpected control or non-ASCII character",
					       name, lineno);
		if (parse_line(plan, line, lineno, &seen, why, sizeof(why)) < 0)
			return vb_errf(err, errlen, "%s:%d: %s", name, lineno, why);
	}
	if (plan->n_benches == 0)
		return vb_errf(
			err, errlen,
			"%s: the plan has no bench line (e.g. 'bench ptrchase footprint=64M')",
			name);
	return 0;
}

int vb_plan_parse_file(const char *path, struct vb_plan *plan, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	char *text;
	size_t n;
	int ret;

	if (!f)
		return vb_errf(err, errlen, "cannot read plan %s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
		fclose(f);
		return vb_errf(err, errlen, "plan %s is %s, not a file: give a plan file, "
			       "e.g. configs/quick.conf", path,
			       S_ISDIR(st.st_mode) ? "a folder" : "special");
	}
	text = malloc(1 << 20);
	if (!text) {
		fclose(f);
		return vb_errf(err, errlen, "out of memory");
	}
	n = fread(text, 1, (1 << 20) - 1, f);
	if (!feof(f)) {
		fclose(f);
		free(text);
		return vb_errf(err, errlen, "plan %s is larger than 1 MiB", path);
	}
	fclose(f);
	text[n] = '\0';
	if (strlen(text) != n) {
		free(text);
		return vb_errf(err, errlen, "plan %s contains a NUL byte: not a text file", path);
	}
	ret = vb_plan_parse_text(text, path, plan, err, errlen);
	free(text);
	return ret;
}

/* Growable list of points. */
struct points {
	struct vb_plan_point *v;
	size_t n, cap;
	size_t limit;			/* counting only: stop past this many */
	struct vb_plan_point *scratch;	/* counting only: every point lands here */
};

static struct vb_plan_point *points_add(struct points *ps)
{
	if (ps->scratch) {
		memset(ps->scratch, 0, sizeof(*ps->scratch));
		ps->n++;
		return ps->scratch;
	}
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 64;
		void *nv = realloc(ps->v, cap * sizeof(*ps->v));

		if (!nv)
			return NULL;
		ps->v = nv;
		ps->cap = cap;
	}
	memset(&ps->v[ps->n], 0, sizeof(ps->v[0]));
	return &ps->v[ps->n++];
}

/* Sweep values of one parameter, split. */
struct sweep {
	const char *name;
	char buf[VB_PLAN_VALUES_MAX];
	char *vals[VB_SWEEP_MAX];
	int n;
};

/* "micro, linux": the guests of the table that run a bench in guest modes. */
static void guests_of(const char *bench, char *buf, size_t len)
{
	struct vb_catalog_entry e;
	size_t used = 0;

	buf[0] = '\0';
	for (int g = 0; vb_guests[g]; g++)
		if (!vb_guests[g]->native && vb_guest_bench(vb_guests[g], bench, &e))
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
						 used ? " or " : "", vb_guests[g]->name);
}

static bool usable(const struct vb_guest *g, const struct vb_point *pt,
		   const struct vb_kvm_state *kvm, const struct vb_run_opts *o, char *why,
		   size_t len)
{
	if (g->no_thp_guest_pages && pt->pages.guest == VB_PS_THP) {
		snprintf(why, len,
			 "the %s guest has no thp guest pages (thp is a host backing there, "
			 "e.g. 2m:thp)",
			 g->name);
		return false;
	}
	return !kvm || !g->usable || g->usable(pt, kvm, o, why, len);
}

/* Where a point runs: the native entry for mode native; the plan's guest; or
 * with --guest auto the first guest of the table that runs the bench and that
 * this host can run, else the first that runs it. *e is the bench as that
 * guest runs it (as any guest runs it when it does not); skip gets the reason
 * when the point cannot run here. */
static const struct vb_guest *place(const struct vb_plan *plan, const struct vb_point *pt,
				    const struct vb_kvm_state *kvm, const struct vb_run_opts *o,
				    struct vb_catalog_entry *e, char *skip, size_t len)
{
	const struct vb_guest *g = pt->mode == VB_MODE_NATIVE ? vb_guest_for_native() : plan->guest;
	const struct vb_guest *first = NULL;
	char others[128];

	skip[0] = '\0';
	guests_of(pt->bench, others, sizeof(others));
	if (g && vb_guest_bench(g, pt->bench, e)) {
		struct vb_point at = *pt;

		at.guest = g;
		if (usable(g, &at, kvm, o, skip, len))
			skip[0] = '\0';
		return g;
	}
	if (g) {
		vb_catalog_any(pt->bench, e);
		if (g->native)
			snprintf(skip, len,
				 "%s runs only in a guest (%s), in a guest mode: shadow, ept, npt "
				 "or tdp",
				 pt->bench, others);
		else
			snprintf(skip, len, "%s does not run %s: use --guest auto (or %s)",
				 pt->bench, g->where, others);
		return g;
	}
	for (int i = 0; vb_guests[i]; i++) {
		struct vb_point at = *pt;
		char why[256];

		g = vb_guests[i];
		if (g->native || !g->auto_pick || !vb_guest_bench(g, pt->bench, e))
			continue;
		at.guest = g;
		if (usable(g, &at, kvm, o, why, sizeof(why)))
			return g;
		if (!first) {
			first = g;
			snprintf(skip, len, "%s", why);
		}
	}
	if (first) {
		vb_guest_bench(first, pt->bench, e);
		return first;
	}
	/* Only a guest that auto never picks runs it. */
	for (int i = 0; vb_guests[i]; i++)
		if (!vb_guests[i]->native && vb_guest_bench(vb_guests[i], pt->bench, e)) {
			snprintf(skip, len, "%s runs only %s: ask for it with --guest %s",
				 pt->bench, vb_guests[i]->where, vb_guests[i]->name);
			return vb_guests[i];
		}
	vb_catalog_any(pt->bench, e);
	snprintf(skip, len, "no guest runs %s in mode %s", pt->bench, vb_mode_name(pt->mode));
	return vb_guest_for_native();
}

/* Whether a native point at these pages repeats one already planned: one
 * dimension only (2m:4k is 2m), and a bench that maps nothing of its own at
 * these parameters runs at the first page size only. */
static bool native_repeat(const struct vb_catalog_entry *e, const struct vb_param_values *pv,
			  const struct vb_pages *pages, const struct vb_pages *seen, int n_seen)
{
	const struct vb_bench *b = vb_bench_find(e->name);

	if (n_seen > 0 && (!e->uses_pages || (b && vb_bench_mem_bytes(b, pv, VB_PS_4K) == 0)))
		return true;
	for (int s = 0; s < n_seen; s++)
		if (vb_pages_equal(&seen[s], pages))
			return true;
	return false;
}

struct expand {
	const struct vb_plan *plan;
	const struct vb_kvm_state *kvm;
	const struct vb_run_opts *opts;
	struct points *ps;
};

/* The parameters of one combination of sweep values, as the point's guest
 * declares them; a parameter that guest's bench lacks makes a planned skip. */
static int point_params(struct vb_plan_point *pp, const struct vb_catalog_entry *e,
			const struct sweep *sw, const int *idx, int n_params, char *err,
			size_t errlen)
{
	struct vb_param_values *pv = &pp->pt.params;

	vb_param_defaults(pv, e->params);
	for (int i = 0; i < n_params; i++) {
		int di = vb_param_index(e->params, sw[i].name);

		if (di < 0) {
			if (!pp->skip[0])
				snprintf(pp->skip, sizeof(pp->skip), "%s %s has no parameter '%s'",
					 e->name, pp->pt.guest->where, sw[i].name);
			continue;
		}
		if (vb_param_parse_value(&e->params[di], sw[i].vals[idx[i]], &pv->v[di], err,
					 errlen) < 0)
			return -1;
		pv->set[di] = true;
	}
	return 0;
}

/* The points of one combination of sweep values: each page mix (and target). */
static int expand_combo(const struct expand *x, const struct vb_plan_bench *b, enum vb_mode mode,
			const struct sweep *sw, const int *idx, char *err, size_t errlen)
{
	struct vb_pages seen[VB_PAGES_MAX];
	int n_seen = 0;

	for (int pg = 0; pg < x->plan->n_pages; pg++) {
		struct vb_point at = { .bench = b->name,
				       .mode = mode,
				       .pages = x->plan->pages[pg] };
		struct vb_catalog_entry e;
		char skip[256];
		const struct vb_guest *g;
		bool repeat = false;
		int n_targets;

		if (mode == VB_MODE_NATIVE)
			at.pages.host = VB_PS_NONE;
		g = place(x->plan, &at, x->kvm, x->opts, &e, skip, sizeof(skip));
		/* A 1G host page under EPT needs ept_1gb (harness/slat.h). */
		if (!skip[0] && !g->guest_pages_only)
			vb_slat_point_ok(&at, x->kvm, skip, sizeof(skip));
		/* Where the host dimension is not ours to set, points differ by the
		 * guest page size alone: 2m:4k and 2m:2m are the same point there. */
		if (g->guest_pages_only)
			at.pages.host = VB_PS_NONE;
		n_targets = g->per_target && x->plan->n_targets ? x->plan->n_targets : 1;
		for (int t = 0; t < n_targets; t++) {
			struct vb_plan_point *pp = points_add(x->ps);

			if (!pp)
				return vb_errf(err, errlen, "out of memory");
			pp->pt = at;
			pp->pt.guest = g;
			pp->pt.target =
				g->per_target && x->plan->n_targets ? x->plan->targets[t] : NULL;
			snprintf(pp->skip, sizeof(pp->skip), "%s", skip);
			if (g->per_target && !x->plan->n_targets && !pp->skip[0])
				snprintf(pp->skip, sizeof(pp->skip),
					 "the %s guest needs --target [user@]host[:port]", g->name);
			if (point_params(pp, &e, sw, idx, b->n_params, err, errlen) < 0)
				return -1;
			/* One skipped row says it for every page size. Targets share
			 * the decision: it depends on the pages and parameters alone. */
			if (t == 0)
				repeat = g->guest_pages_only &&
					 ((pp->skip[0] && n_seen) ||
					  native_repeat(&e, &pp->pt.params, &pp->pt.pages, seen,
							n_seen));
			if (repeat) {
				x->ps->n--;
				continue;
			}
		}
		if (g->guest_pages_only && !repeat)
			seen[n_seen++] = at.pages;
	}
	return 0;
}

static int expand_bench(const struct expand *x, const struct vb_plan_bench *b, enum vb_mode mode,
			char *err, size_t errlen)
{
	struct sweep sw[VB_PARAMS_MAX];
	int idx[VB_PARAMS_MAX] = { 0 };

	for (int i = 0; i < b->n_params; i++) {
		char *save = NULL;

		sw[i].name = b->p[i].name;
		snprintf(sw[i].buf, sizeof(sw[i].buf), "%s", b->p[i].values);
		sw[i].n = 0;
		for (char *t = strtok_r(sw[i].buf, ",", &save); t && sw[i].n < VB_SWEEP_MAX;
		     t = strtok_r(NULL, ",", &save))
			sw[i].vals[sw[i].n++] = t;
	}
	for (;;) {
		if (expand_combo(x, b, mode, sw, idx, err, errlen) < 0)
			return -1;
		/* Next combination of sweep values, last parameter fastest. */
		int i = b->n_params - 1;

		while (i >= 0 && ++idx[i] >= sw[i].n)
			idx[i--] = 0;
		if (i < 0)
			return 0;
	}
}

int vb_plan_set_guest(struct vb_plan *plan, const char *name, char *err, size_t errlen)
{
	const struct vb_guest *g = vb_guest_find(name);
	char names[128];

	if (!strcmp(name, "auto")) {
		plan->guest = NULL;
	} else if (g && !g->native) {
		plan->guest = g;
	} else {
		vb_guest_names(names, sizeof(names));
		return vb_errf(err, errlen, "unknown guest '%s': use auto, %s", name, names);
	}
	plan->guest_set = true;
	return 0;
}

int vb_plan_expand(const struct vb_plan *plan, const struct vb_kvm_state *kvm,
		   const struct vb_run_opts *opts, struct vb_plan_point **out, size_t *n, char *err,
		   size_t errlen)
{
	struct vb_plan_point scratch;
	struct points ps = { 0 }, count = { .scratch = &scratch };
	/* Counting needs no host: where a point runs never changes how many there are. */
	struct expand x = { plan, kvm, opts, &ps }, c = { plan, NULL, opts, &count };
	size_t cap = plan->max_points ? plan->max_points : VB_PLAN_POINTS_MAX;

	/* Count first, storing nothing: a plan of a few lines can ask for
	 * millions of points and gigabytes before anything runs. */
	for (int m = 0; m < plan->n_modes; m++)
		for (int b = 0; b < plan->n_benches; b++)
			if (expand_bench(&c, &plan->benches[b], plan->modes[m], err, errlen) < 0)
				return -1;
	if (count.n > cap)
		return vb_errf(err, errlen,
			       "the plan expands to %zu points, more than the cap of %zu: "
			       "sweep fewer values, or raise the cap with --max-points %zu",
			       count.n, cap, count.n);

	for (int m = 0; m < plan->n_modes; m++)
		for (int b = 0; b < plan->n_benches; b++)
			if (expand_bench(&x, &plan->benches[b], plan->modes[m], err, errlen) < 0) {
				free(ps.v);
				return -1;
			}
	*out = ps.v;
	*n = ps.n;
	return 0;
}
