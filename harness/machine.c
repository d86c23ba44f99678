/* machine.c: the machine a run measured, as a class of like machines (or a
 * name given with --machine), so that a fleet of throwaway CI runners builds
 * one history series per kind of machine instead of one per host name. */
#include "harness/machine.h"
#include "lib/error.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "?";
}

/* MemTotal in GiB, rounded: machines of one class differ by a few MiB. */
static long mem_gib(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : (kb + (1L << 19)) >> 20;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

void vb_machine_record(json_t *host, const char *name)
{
	json_t *cpu = json_object_get(host, "cpu"), *kvm = json_object_get(host, "kvm"), *v;
	char text[1024], id[32];
	const char *k;
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "cpu=%s; microcode=%s; memory=%ldG; kernel=%s; "
			     "hypervisor=%s; kvm=%s", str(cpu, "model_name"), str(cpu, "microcode"),
			     mem_gib(), str(host, "kernel"), str(host, "hypervisor"),
			     str(kvm, "flavour"));
	json_object_foreach(json_object_get(kvm, "params"), k, v)
		if (n < sizeof(text))
			n += (size_t)snprintf(text + n, sizeof(text) - n, " %s=%s", k,
					      json_string_value(v) ?: "?");
	if (n < sizeof(text))
		snprintf(text + n, sizeof(text) - n, "; vbench=%s", VB_VERSION);
	snprintf(id, sizeof(id), "class-%012" PRIx64, fnv1a(text) >> 16);
	json_object_set_new(host, "machine_class", json_string(text));
	json_object_set_new(host, "machine", json_string(name ? name : id));
}

int vb_machine_name_check(const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);

	if (len == 0 || len > VB_MACHINE_NAME_MAX)
		return vb_errf(err, errlen, "bad --machine '%.80s': 1 to %d characters",
			       name, VB_MACHINE_NAME_MAX);
	for (const char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("_.:-", *c))
			return vb_errf(err, errlen, "bad --machine '%.80s': use letters, digits, "
				       "'_', '.', ':' or '-'", name);
	return 0;
}
