/*
 * husvagtctl report safety, shared between its two files: ctl_safety.c
 * turns the daemon's report into sections of text cells (times in the
 * site's local time, durations in minutes) and prints them as a table or
 * CSV; ctl_safety_html.c prints the same sections as one self-contained
 * HTML page with two inline SVG charts.
 */
#ifndef HUSVAGT_CTL_SAFETY_H
#define HUSVAGT_CTL_SAFETY_H

#include <stdio.h>

#include <jansson.h>

/*
 * The report as sections: [{id, group, title, columns: [text],
 * rows: [[text]], empty: text, note: text or absent}].  Every cell is
 * text for people.  New reference.
 */
json_t	*safety_sections(const json_t *report);
/* A journal time (UTC) as the site's local "YYYY-MM-DD HH:MM" into buf;
 * "-" when absent. */
const char *safety_local(const char *iso, char *buf, size_t len);
/* Whole seconds (a JSON integer) as minutes with one decimal into buf;
 * "-" when absent. */
const char *safety_minutes(const json_t *secs, char *buf, size_t len);
/* The string member key of o, or NULL. */
const char *safety_str(const json_t *o, const char *key);
/* ctl_safety_text.c: the sections as aligned tables, or as CSV. */
void	 safety_table(FILE *out, const json_t *report, const json_t *sections);
void	 safety_csv(FILE *out, const json_t *report, const json_t *sections);
/* ctl_safety_html.c: the whole page to out. */
void	 safety_html(FILE *out, const json_t *report, const json_t *sections);

#endif
