/* console.c: what is kept of a Linux guest boot that failed: QEMU's stderr,
 * the last report lines and the console's tail, in the run folder. */
#include "guests/linux/boot.h"
#include "lib/text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void vb_linux_save_console(struct boot *b, size_t idx, const char *console, const char *qemu_err,
			   char *name, size_t namelen)
{
	char dir[4096], path[4200], pages[32], *tail;
	const struct vb_point *pt = b->pts[idx];
	FILE *f = NULL;

	name[0] = '\0';
	if (!b->o->run_dir)
		return;
	snprintf(dir, sizeof(dir), "%s/console", b->o->run_dir);
	mkdir(dir, 0755);
	vb_pages_format(&pt->pages, pages, sizeof(pages));
	for (char *p = pages; *p; p++)
		if (*p == ':')
			*p = '_';
	for (int k = 1; k < 1000 && !f; k++) {
		int fd;

		snprintf(path, sizeof(path), k == 1 ? "%s/%s-%s-%s.log" : "%s/%s-%s-%s-%d.log", dir,
			 pt->bench, vb_mode_name(pt->mode), pages, k);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0)
			f = fdopen(fd, "w");
		else if (errno != EEXIST)
			return;
	}
	if (!f)
		return;
	tail = malloc(65536);
	fprintf(f,
		"# vbench linux guest: %s\n# why: %s\n\n## QEMU stderr\n%s\n## report channel "
		"(ttyS1), last lines\n",
		pt->bench, b->fail[0] ? b->fail : "a bench failed", qemu_err);
	for (int k = 0; k < REPORT_TAIL_LINES; k++) {
		const char *l = b->report[(b->report_next + k) % REPORT_TAIL_LINES];

		if (l)
			fprintf(f, "%s\n", l);
	}
	if (tail) {
		vb_file_tail(console, tail, 65536);
		fprintf(f, "\n## console (ttyS0), last 64 KiB\n%s\n", tail);
		free(tail);
	}
	fclose(f);
	snprintf(name, namelen, "console/%s", strrchr(path, '/') + 1);
}

void vb_linux_describe_exit(int status, char *buf, size_t len)
{
	/* Under -no-reboot a guest that resets (a triple fault for one) ends QEMU with 0 too. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		snprintf(buf, len, "exit 0: the guest powered off or reset (-no-reboot)");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "status %d", status);
}
