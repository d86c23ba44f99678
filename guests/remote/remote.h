/* remote.h: --guest remote: the benches inside an existing VM under any
 * hypervisor, reached with OpenSSH. vbench copies its static vbench-guest
 * there, runs each point with the guest protocol, and removes what it copied. */
#ifndef VB_REMOTE_H
#define VB_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/point.h"
#include "harness/spawn.h"

/* A --target, [user@]host[:port], taken apart. */
struct vb_target {
	char user[33];			/* "" when not given (ssh's default) */
	char host[256];			/* name, IPv4, or IPv6 without its brackets */
	int port;			/* 0 when not given */
};

/* Strict: user of [A-Za-z0-9._-] not starting with '-'; host a DNS name,
 * an IPv4 address or [IPv6]; port 1..65535. Anything else (blanks, quotes,
 * a leading '-' that ssh would take for an option) is refused with why. */
int vb_target_parse(const char *word, struct vb_target *t, char *why, size_t len);

/* One word for a POSIX shell: single-quoted, each ' written as '\''.
 * Returns a malloc'd string or NULL. */
char *vb_shell_quote(const char *word);

/* A command line for the target's shell: each word quoted, joined by blanks.
 * Returns a malloc'd string or NULL. */
char *vb_shell_join(char *const *words, int n);

/* ssh's argv for one command on the target: BatchMode, timeouts, -i, -p, -l,
 * the user's -o options, then "--", the host and the command. */
int vb_remote_ssh_argv(const struct vb_target *t, const struct vb_run_opts *o, const char *command,
		       struct vb_argv *out, char *err, size_t errlen);

#endif
