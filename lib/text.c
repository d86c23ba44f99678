/* text.c: the last line of a text, the tail of a file, and where the running
 * binary lives: what error reasons and the search for files next to vbench need. */
#include "lib/text.h"

#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *vb_last_line(const char *text, char *out, size_t len)
{
	const char *end = text + strlen(text), *start;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	snprintf(out, len, "%.*s", (int)(end - start), start);
	return out;
}

void vb_file_tail(const char *path, char *buf, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t end;
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	if (end > (off_t)(max - 1))
		lseek(fd, end - (off_t)(max - 1), SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, max - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

const char *vb_self_dir(void)
{
	static char dir[PATH_MAX];

	if (!dir[0]) {
		ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
		char *slash;

		if (n <= 0) {
			snprintf(dir, sizeof(dir), ".");
			return dir;
		}
		dir[n] = '\0';
		slash = strrchr(dir, '/');
		if (slash == dir)
			dir[1] = '\0';
		else if (slash)
			*slash = '\0';
	}
	return dir;
}

void vb_fmt_value(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (a >= 1e12)
		snprintf(buf, len, "%.4gT", v / 1e12);
	else if (a >= 1e9)
		snprintf(buf, len, "%.4gG", v / 1e9);
	else if (a >= 1e6)
		snprintf(buf, len, "%.4gM", v / 1e6);
	else if (a >= 1e5)
		snprintf(buf, len, "%.4gk", v / 1e3);
	else if (a >= 100)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 10)
		snprintf(buf, len, "%.2f", v);
	else if (a >= 0.01 || a == 0)
		snprintf(buf, len, "%.3f", v);
	else if (a >= 1e-4)
		snprintf(buf, len, "%.3g", v);
	/* SI prefixes below: %g would print e-notation there. */
	else if (a >= 1e-7)
		snprintf(buf, len, "%.3gu", v * 1e6);
	else if (a >= 1e-10)
		snprintf(buf, len, "%.3gn", v * 1e9);
	else
		snprintf(buf, len, "%.3gp", a >= 1e-13 ? v * 1e12 : 0.0);
}

bool vb_text_field(const char *path, const char *key, char *out, size_t len)
{
	char line[8192];
	size_t klen = strlen(key);
	bool found = false;
	FILE *f = fopen(path && path[0] ? path : "/proc/cpuinfo", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, key, klen) || !colon || (line[klen] != '\t' && line[klen] != ' '))
			continue;
		colon += 1 + (colon[1] == ' ');
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(out, len, "%s", colon);
		found = true;
	}
	fclose(f);
	return found;
}

bool vb_word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}
