/*
 * The site configuration (husvagt.conf): the INI reader (lib/inifile.c,
 * inih) and every section's keys (src/config*.c), the whole-file checks
 * and the guest rules' visiting hours, exactly as husvagtd --check-config
 * reads a file.
 */
#include "config.h"
#include "fuzz_util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static struct site_config c;
	struct diag d = { .quiet = 1 };

	config_load(&c, fuzz_file(data, n), &d);
	return 0;
}
