/*
 * Name folding for the blocklist and the guest agreements: see
 * namefold.h for the rule.  Pure: no I/O, no locale (libunistring's
 * folding does not depend on the process's locale).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "namefold.h"

/* The output being built: bytes, and whether a separator is pending. */
struct fold_out {
	char	*buf;
	size_t	 len;
	bool	 space;
};

/* Letters that no decomposition takes apart, as the ASCII people type
 * for them (after case folding, so lower case only). */
static const char *
namefold_letter(ucs4_t uc)
{
	switch (uc) {
	case 0x00e6:	return "ae";	/* æ */
	case 0x00f8:	return "o";	/* ø */
	case 0x0153:	return "oe";	/* œ */
	case 0x00f0:	return "d";	/* ð */
	case 0x0111:	return "d";	/* đ */
	case 0x00fe:	return "th";	/* þ */
	case 0x0142:	return "l";	/* ł */
	default:	return NULL;
	}
}

static bool
namefold_apostrophe(ucs4_t uc)
{
	return uc == '\'' || uc == 0x2019 || uc == 0x02bc || uc == 0x2018 ||
	    uc == 0x0060 || uc == 0x00b4;
}

/* White space, controls and punctuation separate words. */
static bool
namefold_separator(ucs4_t uc)
{
	return uc_is_property_white_space(uc) ||
	    uc_is_general_category(uc, UC_CATEGORY_Z) ||
	    uc_is_general_category(uc, UC_CATEGORY_C) ||
	    uc_is_general_category(uc, UC_CATEGORY_P);
}

/*
 * Append one ASCII letter, folding the two-letter spellings: an "a"
 * after an "a" and an "e" after an "o" add nothing, so that "aa" and "å"
 * meet in "a", "oe" and "ø" in "o".
 */
static void
namefold_ascii(struct fold_out *o, char c)
{
	char last = o->len > 0 ? o->buf[o->len - 1] : '\0';

	if (o->space && o->len > 0) {
		o->buf[o->len++] = ' ';
		last = ' ';
	}
	o->space = false;
	if ((c == 'a' && last == 'a') || (c == 'e' && last == 'o'))
		return;
	o->buf[o->len++] = c;
}

static void
namefold_char(struct fold_out *o, ucs4_t uc)
{
	const char *s;
	int n;

	if (uc_is_general_category(uc, UC_CATEGORY_M) ||
	    namefold_apostrophe(uc))
		return;
	if (namefold_separator(uc)) {
		o->space = true;
		return;
	}
	if ((s = namefold_letter(uc)) != NULL) {
		for (; *s != '\0'; s++)
			namefold_ascii(o, *s);
		return;
	}
	if (uc < 0x80) {
		namefold_ascii(o, (char)uc);
		return;
	}
	if (o->space && o->len > 0)
		o->buf[o->len++] = ' ';
	o->space = false;
	n = u8_uctomb((uint8_t *)o->buf + o->len, uc, 6);
	if (n > 0)
		o->len += (size_t)n;
}

char *
namefold(const char *name, size_t n)
{
	const uint8_t *s = (const uint8_t *)name;
	struct fold_out o;
	uint8_t *cf;
	size_t cflen, i;
	ucs4_t uc;
	int k;

	if (memchr(name, '\0', n) != NULL || u8_check(s, n) != NULL) {
		errno = EILSEQ;
		return NULL;
	}
	/* Case folding first, then the compatibility decomposition, so that
	 * "Å" and "å" both become "a" + ring and the ring can be dropped. */
	if ((cf = u8_casefold(s, n, NULL, UNINORM_NFKD, NULL, &cflen)) == NULL)
		return NULL;
	/* Each character gives at most its own bytes, or two ASCII letters
	 * for a two-byte letter, plus a space before it. */
	if ((o.buf = malloc(2 * cflen + 2)) == NULL) {
		free(cf);
		return NULL;
	}
	o.len = 0;
	o.space = false;
	for (i = 0; i < cflen; i += (size_t)k) {
		k = u8_mbtouc(&uc, cf + i, cflen - i);
		namefold_char(&o, uc);
	}
	o.buf[o.len] = '\0';
	free(cf);
	return o.buf;
}

/* Is the word of len bytes at w one of the words of key? */
static bool
namefold_has_word(const char *key, const char *w, size_t len)
{
	const char *p = key;
	size_t n;

	while (*p != '\0') {
		n = strcspn(p, " ");
		if (n == len && memcmp(p, w, len) == 0)
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

/* Is every word of a a word of b? */
static bool
namefold_words_in(const char *a, const char *b)
{
	size_t n;

	while (*a != '\0') {
		n = strcspn(a, " ");
		if (!namefold_has_word(b, a, n))
			return false;
		a += n;
		a += strspn(a, " ");
	}
	return true;
}

bool
namefold_match(const char *a, const char *b)
{
	if (*a == '\0' || *b == '\0')
		return false;
	return namefold_words_in(a, b) || namefold_words_in(b, a);
}
