/* Unit tests of the remote guest's strict parts: --target words, the shell
 * quoting of words sent to a target (checked by a real /bin/sh against
 * hostile values), and ssh's argv. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guests/remote/remote.h"

Test(remote, targets_parse_strictly)
{
	struct vb_target t;
	char why[256];

	cr_assert_eq(vb_target_parse("root@vm1.example.org:2222", &t, why, sizeof(why)), 0, "%s",
		     why);
	cr_assert_str_eq(t.user, "root");
	cr_assert_str_eq(t.host, "vm1.example.org");
	cr_assert_eq(t.port, 2222);
	cr_assert_eq(vb_target_parse("10.0.0.7", &t, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(t.user, "");
	cr_assert_eq(t.port, 0);
	cr_assert_eq(vb_target_parse("bench_user@[fe80::1]:22", &t, why, sizeof(why)), 0, "%s",
		     why);
	cr_assert_str_eq(t.host, "fe80::1");
	cr_assert_eq(t.port, 22);

	static const char *const bad[] = {
		"",	      "-oProxyCommand=x",
		"-host",      "host;id",
		"a b",	      "host:0",
		"host:65536", "host:22x",
		"host:",      "@host",
		"-u@host",    "u@h@h",
		"[::1",	      "[zz::1]",
		"[::1]x",     "host.-x",
		"ho$t",	      "h`x`",
		"h'x",	      "h\nx",
		"u ser@host",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_lt(vb_target_parse(bad[i], &t, why, sizeof(why)), 0, "accepted '%s'",
			     bad[i]);
}

/* What /bin/sh makes of the quoted word, through printf %s (sh run from an
 * argv, as ssh's remote side runs the command). */
static char *through_sh(const char *word)
{
	char *q = vb_shell_quote(word), *cmd, *out = calloc(1, 4096);
	int fd[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	cr_assert(q && out);
	cr_assert_neq(asprintf(&cmd, "printf %%s %s", q), -1);
	cr_assert_eq(pipe(fd), 0);
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], STDOUT_FILENO);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	while (n < 4095 && (r = read(fd[0], out + n, 4095 - n)) > 0)
		n += (size_t)r;
	close(fd[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(cmd);
	free(q);
	return out;
}

Test(remote, quoted_words_reach_the_shell_unchanged)
{
	static const char *const words[] = {
		"plain", "with space",
		"'",	 "''",
		"a'b",	 "'; touch /tmp/vbench-pwned; '",
		"$(id)", "`id`",
		"$HOME", "\\",
		"\"",	 "*",
		"a\nb",	 "--set=footprint=1M",
		"!x",	 "&|;<>(){}[]~#",
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char *got = through_sh(words[i]);

		cr_assert_str_eq(got, words[i], "word %zu changed in the shell", i);
		free(got);
	}
	cr_assert_eq(access("/tmp/vbench-pwned", F_OK), -1);
}

Test(remote, ssh_argv_ends_options_before_the_host)
{
	struct vb_target t;
	const char *opts[] = { "StrictHostKeyChecking=no" };
	struct vb_run_opts o = { .identity = "/k/id", .ssh_opts = opts, .n_ssh_opts = 1 };
	struct vb_argv a;
	char why[256];
	int dd = -1;

	cr_assert_eq(vb_target_parse("bench@vm:2200", &t, why, sizeof(why)), 0);
	cr_assert_eq(vb_remote_ssh_argv(&t, &o, "'x' 'env'", &a, why, sizeof(why)), 0);
	cr_assert_str_eq(a.v[0], "ssh");
	for (int i = 0; i < a.n; i++)
		if (!strcmp(a.v[i], "--"))
			dd = i;
	cr_assert_gt(dd, 0);
	cr_assert_str_eq(a.v[dd + 1], "vm");
	cr_assert_str_eq(a.v[dd + 2], "'x' 'env'");
	cr_assert_eq(a.n, dd + 3);
	for (int i = 0; i + 1 < dd; i++) {
		if (!strcmp(a.v[i], "-l"))
			cr_assert_str_eq(a.v[i + 1], "bench");
		if (!strcmp(a.v[i], "-p"))
			cr_assert_str_eq(a.v[i + 1], "2200");
		if (!strcmp(a.v[i], "-i"))
			cr_assert_str_eq(a.v[i + 1], "/k/id");
	}
	vb_argv_free(&a);
}
