/*
 * husvagtctl report safety --format html: one self-contained page a
 * manager opens or prints.  No external style sheet, script, font or
 * image: the style is inline, the two charts (alarms per week, minutes
 * to all-clear per evacuation or drill) are SVG drawn here.  Every
 * number is written on its bar, so the charts read without colour, and
 * every piece of text passes through html_esc.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "ctl_safety.h"

/* The charts' drawing area in SVG units (the page scales it). */
#define CHART_W		720
#define WEEK_TOP	24
#define WEEK_PLOT_H	170
#define WEEK_LEFT	40
#define WEEK_BOTTOM	52
#define EVAC_LABEL_W	220
#define EVAC_VALUE_W	90
#define EVAC_ROW_H	28

static const char html_style[] =
    "body{font-family:sans-serif;color:#000;background:#fff;"
    "max-width:190mm;margin:0 auto;padding:8mm;font-size:11pt;"
    "line-height:1.35}"
    "h1{font-size:20pt;margin:0 0 1mm}"
    ".sub{margin:0 0 5mm;color:#222}"
    "h2{font-size:15pt;border-bottom:2px solid #000;padding-bottom:1mm;"
    "margin:8mm 0 3mm}"
    "h3{font-size:12pt;margin:5mm 0 2mm}"
    "table{border-collapse:collapse;width:100%;margin:0 0 4mm;"
    "font-size:10pt}"
    "th,td{border:1px solid #777;padding:1mm 2mm;text-align:left;"
    "vertical-align:top}"
    "th{background:#e6e6e6}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "td.t{white-space:nowrap}"
    "table.summary{width:auto;min-width:60%}"
    "figure{margin:0 0 6mm}"
    "figcaption{font-weight:bold;margin-bottom:2mm}"
    "svg{width:100%;height:auto;display:block}"
    ".empty,.note{font-style:italic}"
    "@page{size:A4;margin:14mm 12mm}"
    "@media print{body{max-width:none;padding:0;font-size:10pt}"
    "section.page{break-before:page}"
    "thead{display:table-header-group}"
    "tr,figure{break-inside:avoid}"
    "th{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

/* Text with &, <, >, " and ' as entities: safe in content and in a
 * quoted attribute. */
static void
html_esc(FILE *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			fputc(*s, out);
		}
	}
}

/* An element around escaped text: <tag attrs>text</tag>. */
static void
html_el(FILE *out, const char *tag, const char *attrs, const char *text)
{
	fprintf(out, "<%s%s%s>", tag, attrs ? " " : "", attrs ? attrs : "");
	html_esc(out, text);
	fprintf(out, "</%s>", tag);
}

/* Does a cell hold a number (right-aligned)? */
static bool
html_numeric(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0)
		return false;
	if (s[n] == '.')
		n += 1 + strspn(s + n + 1, "0123456789");
	return s[n] == '\0';
}

/* Does a cell hold a local time "YYYY-MM-DD HH:MM" (kept on one line)? */
static bool
html_time(const char *s)
{
	return strlen(s) == 16 && s[4] == '-' && s[7] == '-' && s[10] == ' ' &&
	    s[13] == ':';
}

/* The class of a cell: numbers right-aligned, times on one line. */
static const char *
html_cell_class(const char *s)
{
	if (html_numeric(s))
		return "class=\"n\"";
	return html_time(s) ? "class=\"t\"" : NULL;
}

/* A section's table, or the sentence that says it is empty. */
static void
html_table(FILE *out, const json_t *s, const char *cls)
{
	json_t *row, *v;
	size_t i, k;
	const char *t;

	if (json_array_size(json_object_get(s, "rows")) == 0) {
		html_el(out, "p", "class=\"empty\"", safety_str(s, "empty"));
		fputc('\n', out);
		return;
	}
	fprintf(out, "<table%s%s%s><thead><tr>", cls ? " class=\"" : "",
	    cls ? cls : "", cls ? "\"" : "");
	json_array_foreach(json_object_get(s, "columns"), k, v)
		html_el(out, "th", "scope=\"col\"", json_string_value(v));
	fputs("</tr></thead>\n<tbody>\n", out);
	json_array_foreach(json_object_get(s, "rows"), i, row) {
		fputs("<tr>", out);
		json_array_foreach(row, k, v) {
			t = json_string_value(v) ?: "";
			html_el(out, "td", html_cell_class(t), t);
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
	if (safety_str(s, "note") != NULL) {
		html_el(out, "p", "class=\"note\"", safety_str(s, "note"));
		fputc('\n', out);
	}
}

/* An SVG text element with escaped content. */
static void
svg_text(FILE *out, double x, double y, const char *anchor, double size,
    const char *text)
{
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" "
	    "font-size=\"%.1f\">", x, y, anchor, size);
	html_esc(out, text);
	fputs("</text>\n", out);
}

/* The largest count of the weeks (at least 1, for the scale). */
static long long
chart_week_max(const json_t *weeks)
{
	long long m = 1, c;
	json_t *w;
	size_t i;

	json_array_foreach(weeks, i, w)
		if ((c = json_integer_value(json_object_get(w, "count"))) > m)
			m = c;
	return m;
}

/* The vertical scale: the baseline, the top and its count. */
static void
chart_week_axis(FILE *out, long long max)
{
	char n[32];
	int y0 = WEEK_TOP + WEEK_PLOT_H;

	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#000\"/>\n", WEEK_LEFT, y0, CHART_W, y0);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#999\" stroke-dasharray=\"3 3\"/>\n", WEEK_LEFT,
	    WEEK_TOP, CHART_W, WEEK_TOP);
	snprintf(n, sizeof(n), "%lld", max);
	svg_text(out, WEEK_LEFT - 6, WEEK_TOP + 4, "end", 13, n);
	svg_text(out, WEEK_LEFT - 6, y0 + 4, "end", 13, "0");
}

/* One week's bar with its count on it and, every step weeks, its name. */
static void
chart_week_bar(FILE *out, const json_t *w, size_t i, size_t n, long long max)
{
	double slot = (double)(CHART_W - WEEK_LEFT) / (double)n;
	double bw = slot * 0.7 > 1 ? slot * 0.7 : 1, x, h, fs;
	long long c = json_integer_value(json_object_get(w, "count"));
	const char *name = safety_str(w, "week") ?: "";
	size_t step = (n + 23) / 24;
	char label[48];

	x = WEEK_LEFT + slot * (double)i + (slot - bw) / 2;
	h = (double)WEEK_PLOT_H * (double)c / (double)max;
	fs = slot * 0.55 < 13 ? slot * 0.55 : 13;
	fputs("<rect class=\"bar\" data-week=\"", out);
	html_esc(out, name);
	fprintf(out, "\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
	    "fill=\"#4d4d4d\"><title>", x, WEEK_TOP + WEEK_PLOT_H - h, bw, h);
	snprintf(label, sizeof(label), "%s: %lld alarm%s", name, c,
	    c == 1 ? "" : "s");
	html_esc(out, label);
	fputs("</title></rect>\n", out);
	snprintf(label, sizeof(label), "%lld", c);
	if ((n <= 60 || c > 0) && fs >= 5)
		svg_text(out, x + bw / 2, WEEK_TOP + WEEK_PLOT_H - h - 4,
		    "middle", fs < 7 ? 7 : fs, label);
	if (i % step != 0 || strlen(name) < 8)
		return;
	svg_text(out, x + bw / 2, WEEK_TOP + WEEK_PLOT_H + 15, "middle", 12,
	    name + 5);
	if (i == 0 || !strcmp(name + 5, "W01")) {
		snprintf(label, sizeof(label), "%.4s", name);
		svg_text(out, x + bw / 2, WEEK_TOP + WEEK_PLOT_H + 31,
		    "middle", 12, label);
	}
}

/* Alarms per ISO week of the period, one bar a week. */
static void
chart_weeks(FILE *out, const json_t *weeks)
{
	size_t i, n = json_array_size(weeks);
	long long max = chart_week_max(weeks);
	json_t *w;

	fputs("<figure><figcaption>Alarms per week</figcaption>\n", out);
	fprintf(out, "<svg id=\"chart-alarms\" xmlns=\"http://www.w3.org/2000/"
	    "svg\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Alarms per "
	    "week\" font-family=\"sans-serif\">\n", CHART_W,
	    WEEK_TOP + WEEK_PLOT_H + WEEK_BOTTOM);
	chart_week_axis(out, max);
	json_array_foreach(weeks, i, w)
		chart_week_bar(out, w, i, n, max);
	svg_text(out, (CHART_W + WEEK_LEFT) / 2.0, WEEK_TOP + WEEK_PLOT_H +
	    WEEK_BOTTOM - 6, "middle", 13, "ISO week (Monday to Sunday, "
	    "local time)");
	fputs("</svg></figure>\n", out);
}

/* The longest time to all-clear, in seconds (at least a minute). */
static long long
chart_evac_max(const json_t *evacs)
{
	long long m = 60, s;
	json_t *e;
	size_t i;

	json_array_foreach(evacs, i, e)
		if ((s = json_integer_value(json_object_get(e,
		    "seconds_to_all_clear"))) > m)
			m = s;
	return m;
}

/* One evacuation's bar: kind and start on the left, minutes after it. */
static void
chart_evac_bar(FILE *out, const json_t *e, size_t i, long long max)
{
	const json_t *secs = json_object_get(e, "seconds_to_all_clear");
	double area = CHART_W - EVAC_LABEL_W - EVAC_VALUE_W, y, w;
	const char *kind = safety_str(e, "kind") ?: "?";
	char t[32], m[32], label[96];

	y = 8 + (double)i * EVAC_ROW_H;
	w = json_is_integer(secs) ? area * (double)json_integer_value(secs) /
	    (double)max : 0;
	snprintf(label, sizeof(label), "%s %s", !strcmp(kind, "drill") ?
	    "Drill" : !strcmp(kind, "fire") ? "Fire" : kind,
	    safety_local(safety_str(e, "started"), t, sizeof(t)));
	svg_text(out, EVAC_LABEL_W - 8, y + 16, "end", 13, label);
	fprintf(out, "<rect class=\"bar\" data-evacuation=\"%lld\" x=\"%d\" "
	    "y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"#4d4d4d\"><title>",
	    (long long)json_integer_value(json_object_get(e, "id")),
	    EVAC_LABEL_W, y + 2, w, EVAC_ROW_H - 8);
	html_esc(out, label);
	fputs("</title></rect>\n", out);
	if (json_is_integer(secs))
		snprintf(label, sizeof(label), "%s min", safety_minutes(secs, m,
		    sizeof(m)));
	else
		snprintf(label, sizeof(label), "no all-clear");
	svg_text(out, EVAC_LABEL_W + w + 6, y + 16, "start", 13, label);
}

/* Minutes from the start to the all-clear, one bar an evacuation. */
static void
chart_evacs(FILE *out, const json_t *evacs)
{
	size_t i, n = json_array_size(evacs);
	long long max = chart_evac_max(evacs);
	int h = 16 + (int)(n > 0 ? n : 1) * EVAC_ROW_H;
	json_t *e;

	fputs("<figure><figcaption>Minutes to all-clear, per evacuation or "
	    "drill</figcaption>\n", out);
	fprintf(out, "<svg id=\"chart-allclear\" xmlns=\"http://www.w3.org/"
	    "2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\""
	    "Minutes to all-clear\" font-family=\"sans-serif\">\n", CHART_W, h);
	fprintf(out, "<line x1=\"%d\" y1=\"4\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#000\"/>\n", EVAC_LABEL_W, EVAC_LABEL_W, h - 8);
	if (n == 0)
		svg_text(out, EVAC_LABEL_W + 8, 8 + 16, "start", 13,
		    "No evacuation or drill in the period.");
	json_array_foreach(evacs, i, e)
		chart_evac_bar(out, e, i, max);
	fputs("</svg></figure>\n", out);
}

/* Title, period and the summary with both charts: the first page. */
static void
html_front(FILE *out, const json_t *r, const json_t *summary)
{
	char t[32], line[256];

	fputs("<header>", out);
	html_el(out, "h1", NULL, "Safety report");
	snprintf(line, sizeof(line), "%s \xc2\xb7 %s to %s \xc2\xb7 times "
	    "are local (%s) \xc2\xb7 generated %s", safety_str(r, "site") ?: "",
	    safety_str(r, "from") ?: "", safety_str(r, "to") ?: "",
	    safety_str(r, "timezone") ?: "", safety_local(safety_str(r,
	    "generated"), t, sizeof(t)));
	html_el(out, "p", "class=\"sub\"", line);
	fputs("</header>\n<section id=\"summary\">\n", out);
	html_el(out, "h2", NULL, "Summary");
	fputc('\n', out);
	html_table(out, summary, "summary");
	chart_weeks(out, json_object_get(r, "alarms_per_week"));
	chart_evacs(out, json_object_get(r, "evacuations"));
	fputs("</section>\n", out);
}

void
safety_html(FILE *out, const json_t *r, const json_t *sections)
{
	const char *group = NULL, *g, *title;
	char head[256];
	json_t *s;
	size_t i;

	snprintf(head, sizeof(head), "Safety report %s %s to %s",
	    safety_str(r, "site") ?: "", safety_str(r, "from") ?: "",
	    safety_str(r, "to") ?: "");
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n", out);
	html_el(out, "title", NULL, head);
	fprintf(out, "\n<style>%s</style>\n</head>\n<body>\n", html_style);
	html_front(out, r, json_array_get(sections, 0));
	json_array_foreach(sections, i, s) {
		if (i == 0)
			continue;
		g = safety_str(s, "group") ?: "";
		title = safety_str(s, "title") ?: "";
		if (group == NULL || strcmp(g, group)) {
			fputs(group != NULL ? "</section>\n" : "", out);
			fputs("<section class=\"page\">\n", out);
			html_el(out, "h2", NULL, g);
			fputc('\n', out);
			group = g;
		}
		if (strcmp(title, g)) {
			html_el(out, "h3", NULL, title);
			fputc('\n', out);
		}
		html_table(out, s, NULL);
	}
	fputs(group != NULL ? "</section>\n" : "", out);
	fputs("</body>\n</html>\n", out);
}
