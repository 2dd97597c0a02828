/*
 * Name folding (src/core/namefold.c): a guest's name as staff typed it, folded
 * to the key the blocklist is matched on.  The input is split at its
 * first 0xff byte (never valid UTF-8) into two names; both are folded,
 * their keys matched both ways, and a key folded again must be the same
 * key (folding is idempotent, or a stored key would miss its own name).
 */
#include "fuzz_util.h"
#include "namefold.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const uint8_t *cut = memchr(data, 0xff, n);
	size_t na = cut != NULL ? (size_t)(cut - data) : n;
	char *a, *b = NULL, *again;

	if ((a = namefold((const char *)data, na)) == NULL)
		return 0;
	if ((again = namefold(a, strlen(a))) == NULL || strcmp(a, again) != 0)
		abort();
	free(again);
	if (cut != NULL)
		b = namefold((const char *)cut + 1, n - na - 1);
	if (b != NULL) {
		if (namefold_match(a, b) != namefold_match(b, a))
			abort();
		free(b);
	}
	if (a[0] != '\0' && !namefold_match(a, a))
		abort();
	free(a);
	return 0;
}
