/* target.c: --target words and the shell words sent to a target. Both are
 * where hostile input would turn into a command, so both are strict. */
#include "guests/remote/remote.h"
#include "lib/error.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool user_ok(const char *s, size_t n)
{
	if (n == 0 || n > 32 || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

/* A DNS name or IPv4 address: labels of letters, digits and '-', not at
 * either end of a label, of at most HOST_MAX characters (checked first). */
#define HOST_MAX 252
static bool host_ok(const char *s, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > HOST_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)s[i]) || (s[i] == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0 && s[n - 1] != '-';
}

static bool ipv6_ok(const char *s, size_t n)
{
	if (n < 2 || n > 45)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) && s[i] != ':' && s[i] != '.')
			return false;
	return strchr(s, ':') != NULL;
}

int vb_target_parse(const char *word, struct vb_target *t, char *why, size_t len)
{
	const char *at = strchr(word, '@'), *host = at ? at + 1 : word, *end, *colon;
	size_t hn;

	memset(t, 0, sizeof(*t));
	if (strlen(word) > 300)
		return vb_errf(why, len, "longer than 300 characters");
	if (at) {
		if (!user_ok(word, (size_t)(at - word)) || strchr(host, '@'))
			return vb_errf(why, len,
				       "the user must be letters, digits, '.', '_' or '-' "
				       "(not first), at most 32");
		snprintf(t->user, sizeof(t->user), "%.*s", (int)(at - word), word);
	}
	if (host[0] == '[') {
		end = strchr(host, ']');
		if (!end || !ipv6_ok(host + 1, (size_t)(end - host - 1)))
			return vb_errf(why, len,
				       "a bracketed host must be an IPv6 address, e.g. [::1]:2222");
		snprintf(t->host, sizeof(t->host), "%.*s", (int)(end - host - 1), host + 1);
		colon = end[1] ? end + 1 : NULL;
		if (colon && *colon != ':')
			return vb_errf(why, len, "expected ':PORT' after the IPv6 address");
	} else {
		colon = strchr(host, ':');
		hn = colon ? (size_t)(colon - host) : strlen(host);
		/* Refused here, not by the resolver after a lookup. */
		if (hn > HOST_MAX)
			return vb_errf(why, len, "the host name is %zu characters long, at most %d",
				       hn, HOST_MAX);
		if (!host_ok(host, hn))
			return vb_errf(why, len,
				       "the host must be a DNS name, an IPv4 address or [IPv6]");
		snprintf(t->host, sizeof(t->host), "%.*s", (int)hn, host);
	}
	if (colon) {
		char *e;
		long p = strtol(colon + 1, &e, 10);

		if (!isdigit((unsigned char)colon[1]) || *e || p < 1 || p > 65535)
			return vb_errf(why, len, "the port must be a number from 1 to 65535");
		t->port = (int)p;
	}
	return 0;
}

char *vb_shell_quote(const char *word)
{
	size_t n = 2;
	char *out, *o;

	for (const char *p = word; *p; p++)
		n += *p == '\'' ? 4 : 1;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	o = out;
	*o++ = '\'';
	for (const char *p = word; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

char *vb_shell_join(char *const *words, int n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	for (int i = 0; i < n; i++) {
		char *q = vb_shell_quote(words[i]);

		if (!q) {
			fclose(f);
			free(out);
			return NULL;
		}
		fprintf(f, "%s%s", i ? " " : "", q);
		free(q);
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

int vb_remote_ssh_argv(const struct vb_target *t, const struct vb_run_opts *o, const char *command,
		       struct vb_argv *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	vb_argv_add(out, "ssh");
	/* Never a password prompt (no terminal here), and a dead link is noticed. */
	vb_argv_add(out, "-o");
	vb_argv_add(out, "BatchMode=yes");
	vb_argv_add(out, "-o");
	vb_argv_add(out, "ConnectTimeout=15");
	vb_argv_add(out, "-o");
	vb_argv_add(out, "ServerAliveInterval=10");
	vb_argv_add(out, "-o");
	vb_argv_add(out, "ServerAliveCountMax=3");
	vb_argv_add(out, "-T");
	if (o->identity) {
		vb_argv_add(out, "-i");
		vb_argv_add(out, "%s", o->identity);
	}
	if (t->port) {
		vb_argv_add(out, "-p");
		vb_argv_add(out, "%d", t->port);
	}
	if (t->user[0]) {
		vb_argv_add(out, "-l");
		vb_argv_add(out, "%s", t->user);
	}
	for (int i = 0; i < o->n_ssh_opts; i++) {
		vb_argv_add(out, "-o");
		vb_argv_add(out, "%s", o->ssh_opts[i]);
	}
	vb_argv_add(out, "--");
	vb_argv_add(out, "%s", t->host);
	vb_argv_add(out, "%s", command);
	(void)err;
	(void)errlen;
	return 0;
}
