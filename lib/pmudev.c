/* pmudev.c: the core PMU's device in sysfs, found the way perf finds it
 * (see pmudev.h): by name on x86, by its "cpus" file on arm64. */
#include "lib/pmudev.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEVICES "/sys/bus/event_source/devices"

static bool has(const char *root, const char *dev, const char *file)
{
	char path[512];

	snprintf(path, sizeof(path), "%s" DEVICES "/%s%s%s", root, dev, file ? "/" : "",
		 file ? file : "");
	return access(path, F_OK) == 0;
}

static int read_type(const char *root, const char *dev)
{
	char path[512], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s" DEVICES "/%s/type", root, dev);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] >= '0' && buf[0] <= '9' ? atoi(buf) : -1;
}

/* The first device by name that has a "cpus" file; false when none. */
static bool first_with_cpus(const char *root, char *name, size_t len)
{
	char path[512];
	struct dirent *d;
	bool found = false;
	DIR *dir;

	snprintf(path, sizeof(path), "%s" DEVICES, root);
	dir = opendir(path);
	if (!dir)
		return false;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.' || !has(root, d->d_name, "cpus"))
			continue;
		if (found && strcmp(d->d_name, name) >= 0)
			continue;
		snprintf(name, len, "%s", d->d_name);
		found = true;
	}
	closedir(dir);
	return found;
}

bool vb_core_pmu_find(const char *root, char *name, size_t len, int *type)
{
	static const char *const named[] = { "cpu", "cpu_core" };
	bool found = false;

	root = root ? root : "";
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]) && !found; i++)
		if (has(root, named[i], NULL)) {
			snprintf(name, len, "%s", named[i]);
			found = true;
		}
	if (!found)
		found = first_with_cpus(root, name, len);
	if (!found)
		name[0] = '\0';
	if (type)
		*type = found ? read_type(root, name) : -1;
	return found;
}
