/* fuzz_guestout.c: libFuzzer harness of vbench-guest's output parser
 * (harness/guestout.c): every line is a result, a log line, noise or one error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/guestout.h"
#include "lib/row.h"

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
	/* The row a point starts as (harness/runloop.c). */
	row = json_object();
	vb_row_set_str(row, "bench", "ptrchase");
	vb_row_set_pages(row, "4k", NULL, false);
	vb_row_set_param(row, "footprint", json_integer(1048576));
	vb_row_set_status(row, "failed", NULL);
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
