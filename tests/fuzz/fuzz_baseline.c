/* fuzz_baseline.c: libFuzzer harness of baseline names (analysis/baseline.c
 * vb_baseline_path): a name is a plain file name inside the folder, or one
 * error line that shows it escaped, never a path out of the folder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/baseline.h"
#include "lib/escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[256], path[512], err[512] = "";

	if (size >= sizeof(name) || memchr(data, 0, size))
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';
	if (vb_baseline_path("/nonexistent/baselines", name, path, sizeof(path), err,
			     sizeof(err)) < 0) {
		if (!err[0] || !vb_text_is_clean(err))
			abort();
		return 0;
	}
	if (strncmp(path, "/nonexistent/baselines/", 23) || strchr(path + 23, '/') ||
	    name[0] == '.')
		abort();
	return 0;
}
