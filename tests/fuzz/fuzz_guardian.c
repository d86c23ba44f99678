/* fuzz_guardian.c: libFuzzer harness of the restore guardian's messages
 * (harness/guardian.c vb_guardian_parse): a line is one of the messages of
 * guardian.h with every field in range, or ignored; what parses, written
 * back in the same form, parses to the same message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/guardian.h"

static void must(int ok)
{
	if (!ok)
		abort();
}

static void again(const struct vb_guardian_msg *m)
{
	struct vb_guardian_msg r;
	char line[128] = "";

	switch (m->kind) {
	case VB_GMSG_MODULE:
		snprintf(line, sizeof(line), "M %d %s", (int)m->flavour, m->orig);
		break;
	case VB_GMSG_MODULE_CLEAR:
		snprintf(line, sizeof(line), "m");
		break;
	case VB_GMSG_POOL:
		snprintf(line, sizeof(line), "P %zu %ld", m->page_bytes, m->added);
		break;
	case VB_GMSG_DONE_MODULE:
		snprintf(line, sizeof(line), "done M");
		break;
	case VB_GMSG_DONE_POOL:
		snprintf(line, sizeof(line), "done P %zu", m->page_bytes);
		break;
	case VB_GMSG_MOUNT:
		snprintf(line, sizeof(line), "T %s", m->path);
		break;
	case VB_GMSG_MOUNT_CLEAR:
		snprintf(line, sizeof(line), "t");
		break;
	case VB_GMSG_DONE_MOUNT:
		snprintf(line, sizeof(line), "done T");
		break;
	case VB_GMSG_COUNT:
		abort();
	}
	must(vb_guardian_parse(line, &r) == 0);
	must(r.kind == m->kind && r.flavour == m->flavour && r.page_bytes == m->page_bytes &&
	     r.added == m->added && !strcmp(r.orig, m->orig) && !strcmp(r.path, m->path));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vb_guardian_msg m;
	char line[256];

	/* The guardian reads lines of at most 255 bytes, split at '\n'. */
	if (size >= sizeof(line) || memchr(data, 0, size) || memchr(data, '\n', size))
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (vb_guardian_parse(line, &m) < 0)
		return 0;
	must(m.kind < VB_GMSG_COUNT);
	if (m.kind == VB_GMSG_MODULE)
		must((m.flavour == VB_KVM_INTEL || m.flavour == VB_KVM_AMD) &&
		     (!strcmp(m.orig, "0") || !strcmp(m.orig, "1")));
	if (m.kind == VB_GMSG_POOL || m.kind == VB_GMSG_DONE_POOL)
		must(m.page_bytes >= 65536 && !(m.page_bytes & (m.page_bytes - 1)) && m.added >= 0);
	if (m.kind == VB_GMSG_MOUNT) {
		must(m.path[0] == '/');
		for (const char *c = m.path; *c; c++)
			must(*c > 0x20 && *c < 0x7f);
	}
	again(&m);
	return 0;
}
