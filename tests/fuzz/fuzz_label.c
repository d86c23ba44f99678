/* fuzz_label.c: libFuzzer harness of --label's check (lib/escape.c
 * vb_label_check): any text is a label within its limits or one line that
 * quotes it escaped and short, never a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char label[1024], why[256] = "";
	const char *eq;

	if (size >= sizeof(label) || memchr(data, 0, size))
		return 0;
	memcpy(label, data, size);
	label[size] = '\0';
	if (vb_label_check(label, why, sizeof(why)) < 0) {
		/* Nothing hostile is echoed: the message itself is clean, and short. */
		if (!why[0] || !vb_text_is_clean(why) || strlen(why) > 200)
			abort();
		return 0;
	}
	eq = strchr(label, '=');
	if (!eq || eq == label || eq - label > VB_LABEL_KEY_MAX ||
	    strlen(eq + 1) > VB_LABEL_VALUE_MAX || !vb_text_is_clean(eq + 1))
		abort();
	return 0;
}
