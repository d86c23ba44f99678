/* fuzz_guestout.c: libFuzzer harness of vbench-guest's output parser
 * (harness/guestout.c): every line is a result, a log line, noise or one error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/guestout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], msg[512], *line;
	json_t *row;
	int r;

	/* Lines reach the parser without their newline, cut at VB_GUEST_LINE_MAX. */
	if (size > VB_GUEST_LINE_MAX)
		return 0;
	line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	row = json_pack("{s:s,s:{s:s},s:{s:i},s:s}", "bench", "ptrchase", "pages", "requested",
			"4k", "params", "footprint", 1048576, "status", "failed");
	err[0] = '\0';
	r = vb_guest_line_accept(line, row, msg, sizeof(msg), err, sizeof(err));
	if ((r == -1 && !err[0]) || r < -1 || r > 2)
		abort();
	/* An accepted result must leave a row the analysis can read. */
	if (r == 1 && !json_is_string(json_object_get(row, "status")))
		abort();
	json_decref(row);
	free(line);
	return 0;
}
