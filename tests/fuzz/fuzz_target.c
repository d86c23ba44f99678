/* fuzz_target.c: libFuzzer harness of --target's parser (guests/remote/target.c):
 * any word is a target whose parts hold only what ssh's argv may carry, or
 * one error line, never a crash; a target's parts quote back safely. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guests/remote/remote.h"

static void must(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vb_target t;
	char word[512], why[256] = "", *q;

	if (size >= sizeof(word) || memchr(data, 0, size))
		return 0;
	memcpy(word, data, size);
	word[size] = '\0';
	if (vb_target_parse(word, &t, why, sizeof(why)) < 0) {
		must(why[0] && !strchr(why, '\n'));
		return 0;
	}
	/* What reaches ssh: no option, no shell or ssh metacharacter. */
	must(t.host[0] && t.host[0] != '-');
	must(strspn(t.host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:")
	     == strlen(t.host));
	must(strspn(t.user, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
	     == strlen(t.user) && t.user[0] != '-');
	must(t.port >= 0 && t.port <= 65535);
	must(strlen(t.host) <= 252);
	q = vb_shell_quote(word);
	must(q && q[0] == '\'');
	free(q);
	return 0;
}
