/*
 * Name folding for the blocklist and the agreements: the Danish letters
 * and their typed spellings meet, case and accents and spacing do not
 * matter, broken UTF-8 is refused and long input is handled.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "namefold.h"

/* The key of a C string; the test owns it. */
static char *
key(const char *s)
{
	char *k = namefold(s, strlen(s));

	assert_non_null(k);
	return k;
}

/* Every name in the NULL-terminated list folds to want. */
static void
all_fold_to(const char *want, ...)
{
	va_list ap;
	const char *s;
	char *k;

	va_start(ap, want);
	while ((s = va_arg(ap, const char *)) != NULL) {
		k = key(s);
		if (strcmp(k, want) != 0)
			fail_msg("'%s' folds to '%s', want '%s'", s, k, want);
		free(k);
	}
	va_end(ap);
}

static void
test_danish_letters(void **unused)
{
	(void)unused;
	all_fold_to("jorgen", "Jørgen", "JØRGEN", "JORGEN", "Jorgen",
	    "Joergen", "JOERGEN", "jørgen", "Jo\xcc\x88rgen", NULL);
	all_fold_to("ase", "Åse", "ÅSE", "Aase", "AASE", "Ase", "ase",
	    "A\xcc\x8ase", NULL);		/* A + combining ring */
	all_fold_to("aeble", "Æble", "ÆBLE", "Aeble", "aeble", NULL);
	all_fold_to("soren kierkegard", "Søren Kierkegaard",
	    "SOEREN KIERKEGAARD", "Soren Kierkegård", NULL);
}

static void
test_spaces_and_case(void **unused)
{
	(void)unused;
	all_fold_to("jorgen hansen", "Jørgen Hansen", "  Jørgen Hansen  ",
	    "JORGEN  hansen", "jorgen\thansen", "\tJORGEN \t HANSEN\n",
	    "JoRgEn HaNsEn", "Jørgen\xc2\xa0Hansen",	/* no-break space */
	    NULL);
	all_fold_to("anne marie", "Anne-Marie", "anne marie", "Anne.Marie",
	    "ANNE - MARIE", "Anne–Marie", NULL);	/* en dash */
	all_fold_to("obrien", "O'Brien", "O’Brien", "OBRIEN", NULL);
}

static void
test_accents(void **unused)
{
	(void)unused;
	all_fold_to("rene", "René", "RENÉ", "Rene", "Re\xcc\x81ne", NULL);
	all_fold_to("muller", "Müller", "MULLER", NULL);
	all_fold_to("strasse", "Straße", "STRASSE", NULL);
	all_fold_to("fatima", "Fátima", "ＦＡＴＩＭＡ", NULL);	/* full-width */
}

/* Different people stay different where nothing folds them together. */
static void
test_distinct(void **unused)
{
	char *a = key("Jørgen Hansen"), *b = key("Jørgen Jensen");
	char *c = key("Hansen Jørgen");

	(void)unused;
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
	free(a);
	free(b);
	free(c);
}

/* Other scripts are kept (folded for case, marks dropped). */
static void
test_other_scripts(void **unused)
{
	char *a = key("محمد"), *b = key("مُحَمَّد");
	char *c = key("ΑΝΝΑ"), *d = key("άννα");

	(void)unused;
	assert_string_equal(a, b);
	assert_string_equal(c, d);
	free(a);
	free(b);
	free(c);
	free(d);
}

static void
test_empty(void **unused)
{
	char *k;

	(void)unused;
	all_fold_to("", "", "   ", "\t\n", "-.-", "'", NULL);
	k = namefold("abc", 0);
	assert_non_null(k);
	assert_string_equal(k, "");
	free(k);
}

static void
test_invalid_utf8(void **unused)
{
	static const char *bad[] = {
		"J\xf8rgen",			/* Latin-1 ø */
		"\xc3",				/* cut short */
		"\xc0\xaf",			/* overlong '/' */
		"\xed\xa0\x80",			/* a surrogate */
		"\xf4\x90\x80\x80",		/* above U+10FFFF */
		"ab\xff",
	};
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(namefold(bad[i], strlen(bad[i])));
		assert_int_equal(errno, EILSEQ);
	}
	errno = 0;
	assert_null(namefold("ab\0cd", 5));	/* a NUL inside */
	assert_int_equal(errno, EILSEQ);
}

/* 10,000 characters (two bytes each) fold in full. */
static void
test_long(void **unused)
{
	size_t n = 10000, i;
	char *s = malloc(2 * n + 1), *k;

	(void)unused;
	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + 2 * i, i % 2 ? "Ø" : "Å", 2);
	s[2 * n] = '\0';
	k = namefold(s, 2 * n);
	assert_non_null(k);
	/* "ao" repeated: the a after an o stays, no e follows an o. */
	assert_int_equal(strlen(k), n);
	assert_memory_equal(k, "aoao", 4);
	free(k);
	for (i = 0; i < 2 * n; i++)
		s[i] = i % 3 ? 'x' : ' ';
	k = namefold(s, 2 * n);
	assert_non_null(k);
	assert_true(k[0] == 'x' && k[strlen(k) - 1] == 'x');
	free(k);
	free(s);
}

/* The blocklist's match: the words of one within the other's. */
static void
test_match(void **unused)
{
	(void)unused;
	assert_true(namefold_match("jorgen hansen", "jorgen hansen"));
	assert_true(namefold_match("jorgen", "jorgen hansen"));
	assert_true(namefold_match("jorgen hansen", "hansen"));
	assert_true(namefold_match("hansen jorgen", "jorgen hansen"));
	assert_true(namefold_match("jorgen peter hansen", "jorgen hansen"));
	assert_false(namefold_match("jorgen nielsen", "jorgen hansen"));
	assert_false(namefold_match("jorg", "jorgen hansen"));
	assert_false(namefold_match("jorgen hansen", "jorgensen"));
	assert_false(namefold_match("", "jorgen"));
	assert_false(namefold_match("jorgen", ""));
	assert_false(namefold_match("", ""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_danish_letters),
		cmocka_unit_test(test_spaces_and_case),
		cmocka_unit_test(test_accents),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_other_scripts),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
