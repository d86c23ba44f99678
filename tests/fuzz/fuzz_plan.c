/* fuzz_plan.c: libFuzzer harness of the plan file parser (harness/plan.c):
 * any text is either a plan or one error line, never a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vb_plan plan;
	char err[512];
	char *text;

	/* vb_plan_parse_file refuses NUL bytes and files over 1 MiB before this. */
	if (size > (1 << 20) || memchr(data, 0, size))
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (vb_plan_parse_text(text, "fuzz.conf", &plan, err, sizeof(err)) < 0 && !err[0])
		abort();	/* an error must say why */
	free(text);
	return 0;
}
