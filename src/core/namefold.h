/*
 * Name folding: the key under which a guest's name is stored and matched
 * against the blocklist and the guest agreements.  A caller gives her
 * name at the intercom as staff hear it, typed on whatever keyboard is at
 * hand, so the key forgives what people actually vary:
 *
 *  - the string must be valid UTF-8 (anything else is refused);
 *  - case is folded (Unicode full case folding: "JØRGEN" = "jørgen",
 *    "STRAßE" = "strasse");
 *  - the Danish letters fold to their plain spellings, and so do the
 *    two-letter spellings people type without them:
 *	æ -> ae	  (Æble = Aeble)
 *	ø -> o, and oe -> o	  (Jørgen = Joergen = Jorgen = JORGEN)
 *	å -> a, and aa -> a	  (Åse = Aase = Ase)
 *    with œ -> oe, ð -> d, þ -> th, ł -> l, đ -> d beside them;
 *  - accents and every other combining mark are dropped after a
 *    compatibility decomposition (NFKD): é -> e, ö -> o, ä -> a, and
 *    full-width or ligature forms fold to their plain letters;
 *  - apostrophes are dropped (O'Brien = OBrien);
 *  - white space, control characters and punctuation (hyphens, dots,
 *    commas, ...) all separate words: leading and trailing separators go,
 *    and each run between words becomes one space ("Anne-Marie" =
 *    "Anne Marie" = "anne   marie").
 *
 * The rule errs on the side of matching: two different people may share
 * a key ("Joe" and "Jo", "Kaare" and "Kare").  On a blocklist a false
 * match costs staff a second look at the door, a missed one may let in
 * the man a resident fled from.  A key compares with strcmp; word order
 * is kept ("Hansen Jørgen" is not "Jørgen Hansen").
 */
#ifndef HUSVAGT_NAMEFOLD_H
#define HUSVAGT_NAMEFOLD_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The key of the n bytes at name, NUL-terminated, to be freed by the
 * caller with free(3).  The key of a name with no letters or digits is
 * the empty string.  Returns NULL with errno EILSEQ when name is not
 * valid UTF-8 (or holds a NUL), ENOMEM when memory runs out.
 */
char	*namefold(const char *name, size_t n);

/*
 * Do two keys name the same person on the blocklist?  Yes when every
 * word of one is a word of the other, in any order: "jorgen" and
 * "hansen jorgen" both match "jorgen hansen", so a caller who gives only
 * part of a blocked name, or the names the other way round, is stopped
 * until staff know more.  An empty key matches nothing.
 */
bool	 namefold_match(const char *a, const char *b);

#endif
