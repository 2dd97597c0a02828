/*
 * Loading the OSDP known-answer vectors (tests/unit/osdp-vectors/, the
 * transcripts of two independent implementations): the frames of a
 * transcript in order, the read() chunks of its .raw.txt, and the
 * name = value pairs of its keys file by section.
 */
#ifndef HUSVAGT_TEST_OSDP_VEC_H
#define HUSVAGT_TEST_OSDP_VEC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VEC_MAX		64
#define VEC_BYTES	256

struct vec_frame {
	int	 cp;		/* 1: CP>PD, 0: PD>CP */
	uint8_t	 b[VEC_BYTES];
	size_t	 n;
};

struct vec {
	struct vec_frame f[VEC_MAX];
	int	 n;
};

/* The folder of the vectors: $HUSVAGT_OSDP_VECTORS, or the tree's copy. */
static inline const char *
vec_dir(void)
{
	const char *d = getenv("HUSVAGT_OSDP_VECTORS");

	return d != NULL ? d : "tests/unit/osdp-vectors";
}

static inline FILE *
vec_open(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", vec_dir(), name);
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		abort();
	}
	return f;
}

/* Hex into bytes; returns how many, or -1. */
static inline int
vec_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (s[0] != '\0' && s[0] != '\n' && s[0] != ' ' && s[0] != '\r') {
		if (n == max || sscanf(s, "%2x", &v) != 1)
			return -1;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return (int)n;
}

/* The frames (or read chunks) of a transcript, "t_ms dir hex" lines. */
static inline void
vec_load(const char *name, struct vec *v)
{
	char line[1024], dir[8], hex[800];
	double t;
	FILE *f = vec_open(name);
	int n;

	memset(v, 0, sizeof(*v));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%lf %7s %799s", &t, dir, hex) != 3 ||
		    v->n == VEC_MAX)
			abort();
		n = vec_hex(hex, v->f[v->n].b, VEC_BYTES);
		if (n < 0)
			abort();
		v->f[v->n].n = (size_t)n;
		v->f[v->n].cp = strcmp(dir, "CP>PD") == 0;
		v->n++;
	}
	fclose(f);
}

/*
 * The value of key in [section] of a keys file as bytes; returns how
 * many, or -1 if there is no such value.
 */
static inline int
vec_key(const char *name, const char *section, const char *key,
    uint8_t *out, size_t max)
{
	char line[1024], want[64], *eq, *k, *e;
	FILE *f = vec_open(name);
	int in = 0, n = -1;

	snprintf(want, sizeof(want), "[%s]", section);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '[') {
			in = strncmp(line, want, strlen(want)) == 0;
			continue;
		}
		if (!in || line[0] == '#' || (eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		for (k = line, e = eq; e > k && e[-1] == ' '; e--)
			e[-1] = '\0';
		if (strcmp(k, key) != 0)
			continue;
		n = vec_hex(eq + 2, out, max);
		break;
	}
	fclose(f);
	return n;
}

#endif
