/* guest.c: the guest table and its look-ups. An entry lives with its guest
 * (harness/native.c, guests/<name>/); this file only lists them. */
#include "harness/guest.h"

#include <stdio.h>
#include <string.h>

const struct vb_guest *const vb_guests[] = {
	&vb_guest_native,
	&vb_guest_micro,
	&vb_guest_linux,
	&vb_guest_remote,
	NULL,
};

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
