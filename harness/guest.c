/* guest.c: the guest table and its look-ups. An entry lives with its guest
 * (harness/noguest.c, guests/<name>/); this file only lists them. */
#include "harness/guest.h"

#include <stdio.h>
#include <string.h>

const struct vb_guest *const vb_guests[] = {
	&vb_guest_none,
	&vb_guest_micro,
	&vb_guest_linux,
	&vb_guest_remote,
	NULL,
};

int vb_guest_run(const struct vb_guest *g, const struct vb_point *const *pts, json_t *const *rows,
		 size_t n, const struct vb_run_opts *o)
{
	if (g->run)
		return g->run(pts, rows, n, o);
	for (size_t i = 0; i < n; i++)
		if (g->run_one(pts[i], o, rows[i]) < 0)
			return -1;
	return (int)n;
}

const struct vb_guest *vb_guest_find(const char *name)
{
	for (int i = 0; vb_guests[i]; i++)
		if (!strcmp(vb_guests[i]->name, name))
			return vb_guests[i];
	return NULL;
}

const struct vb_guest *vb_guest_for_native(void)
{
	for (int i = 0; vb_guests[i]; i++)
		if (vb_guests[i]->native)
			return vb_guests[i];
	return NULL;
}

void vb_guest_names(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; vb_guests[i]; i++)
		if (!vb_guests[i]->native)
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
						 used ? ", " : "", vb_guests[i]->name);
}

bool vb_guest_bench(const struct vb_guest *g, const char *bench, struct vb_catalog_entry *out)
{
	for (int i = 0; g->bench_at(i, out); i++)
		if (!strcmp(out->name, bench))
			return true;
	return false;
}

/* Whether this host can run guest gu in mode m now, for `list` and `env`. */
static json_t *mode_here(const struct vb_guest *gu, const struct vb_catalog_entry *e,
			 enum vb_mode m, const struct vb_kvm_state *kvm)
{
	struct vb_run_opts o = { .switch_mode = true };
	struct vb_point pt = { .bench = e->name, .mode = m, .guest = gu,
			       .pages = { VB_PS_4K, gu->native ? VB_PS_NONE : VB_PS_4K } };
	char why[512] = "";

	if (gu->usable && !gu->usable(&pt, kvm, &o, why, sizeof(why)))
		return json_pack("{s:b,s:s}", "available", 0, "reason", why);
	return json_pack("{s:b,s:b}", "available", 1, "declared", gu->mode_declared);
}

json_t *vb_guests_json(void)
{
	struct vb_kvm_state kvm;
	json_t *arr = json_array();

	vb_kvm_detect(NULL, &kvm);
	for (int g = 0; vb_guests[g]; g++) {
		const struct vb_guest *gu = vb_guests[g];
		struct vb_catalog_entry e;
		json_t *names = json_array(), *modes = json_object();

		for (int i = 0; gu->bench_at(i, &e); i++)
			json_array_append_new(names, json_string(e.name));
		for (int m = 0; m < VB_MODE_COUNT && gu->bench_at(0, &e); m++)
			if ((m == VB_MODE_NATIVE) == gu->native)
				json_object_set_new(modes, vb_mode_name((enum vb_mode)m),
						    mode_here(gu, &e, (enum vb_mode)m, &kvm));
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:o,s:o}", "name", gu->name,
						     "where", gu->where, "summary", gu->summary,
						     "benches", names, "modes", modes));
	}
	return arr;
}

void vb_guests_print(FILE *f, json_t *arr)
{
	size_t i;
	json_t *g;

	fprintf(f, "guests (--guest; default auto: the micro guest where it has the bench, "
		"else linux):\n");
	json_array_foreach(arr, i, g) {
		const char *mode;
		json_t *m, *names = json_object_get(g, "benches");
		size_t k;

		fprintf(f, "  %-7s %s\n          benches:",
			json_string_value(json_object_get(g, "name")),
			json_string_value(json_object_get(g, "summary")));
		json_array_foreach(names, k, m)
			fprintf(f, "%s%s", k ? ", " : " ", json_string_value(m));
		fputc('\n', f);
		json_object_foreach(json_object_get(g, "modes"), mode, m) {
			if (!json_is_true(json_object_get(m, "available")))
				fprintf(f, "          %-7s not here: %s\n", mode,
					json_string_value(json_object_get(m, "reason")));
			else if (json_is_true(json_object_get(m, "declared")))
				fprintf(f,
					"          %-7s as declared (the target's hypervisor is "
					"not "
					"visible from here)\n",
					mode);
			else
				fprintf(f,
					"          %-7s can run here (with --switch-mode where "
					"needed)\n",
					mode);
		}
	}
}

/* ---- the benches of every guest of the table (the catalog) ---- */

bool vb_catalog_any(const char *name, struct vb_catalog_entry *out)
{
	for (int g = 0; vb_guests[g]; g++)
		if (vb_guest_bench(vb_guests[g], name, out))
			return true;
	return false;
}

bool vb_catalog_known(const char *name)
{
	struct vb_catalog_entry e;

	return vb_catalog_any(name, &e);
}

/* Benches of the guests before g that have this name already. */
static bool listed_before(int g, const char *name)
{
	struct vb_catalog_entry e;

	for (int k = 0; k < g; k++)
		if (vb_guest_bench(vb_guests[k], name, &e))
			return true;
	return false;
}

void vb_catalog_names(char *buf, size_t len)
{
	struct vb_catalog_entry e;
	size_t used = 0;

	buf[0] = '\0';
	for (int g = 0; vb_guests[g]; g++)
		for (int i = 0; vb_guests[g]->bench_at(i, &e); i++) {
			if (listed_before(g, e.name))
				continue;
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0,
						 "%s%s%s%s%s", used ? ", " : "", e.name,
						 g ? " (" : "", g ? vb_guests[g]->name : "",
						 g ? " guest)" : "");
		}
}
