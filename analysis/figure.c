/* figure.c: what every figure of vbench is made with: safe names and labels,
 * the data files and script stanzas (atomic writes), one colour per mode, the
 * y axis and the bars. plot.c, plotratio.c and whyplot.c draw with it. */
#include "analysis/figure.h"
#include "analysis/plot.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/atomicfile.h"
#include "lib/error.h"

/* File names and gnuplot strings come from an untrusted run: keep a safe
 * alphabet so nothing needs quoting or can leave the folder. */
void vb_fig_file_word(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 1 < len; in++) {
		char c = *in;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			c = '_';
		if (n == 0 && c == '.')
			c = '_';
		out[n++] = c;
	}
	out[n] = '\0';
}

/*
 * Text from the run inside a gnuplot '...' string or a "..." data field.
 * Only a plain alphabet passes: no quotes or backslashes that end the string,
 * no backquotes, '$' or parentheses that gnuplot would substitute or
 * evaluate, no enhanced-text markup and no control characters. Anything
 * else becomes '_'.
 */
void vb_plot_label(const char *in, char *out, size_t len)
{
	size_t n = 0;

	if (!len)
		return;
	for (; *in && n + 1 < len; in++) {
		char c = *in;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(" .,:;=+-_/%*!", c)))
			c = '_';
		out[n++] = c;
	}
	out[n] = '\0';
}


/* Every file goes through a temporary name and a rename (lib/atomicfile.h). */
void vb_fig_label(const char *in, char *out, size_t len)
{
	vb_plot_label(in, out, len);
}

FILE *vb_fig_data(struct vb_fig *g, struct vb_atomic *a, const char *name)
{
	if (vb_atomic_open(a, g->dir, name, g->err, g->errlen) < 0)
		return NULL;
	json_array_append_new(g->files, json_string(name));
	return a->f;
}

int vb_fig_data_close(struct vb_fig *g, struct vb_atomic *a)
{
	return vb_atomic_commit(a, g->err, g->errlen);
}

void vb_fig_name(struct vb_fig *g, char *buf, size_t len, const char *prefix, ...)
{
	char part[NAME_MAX_LEN], base[4 * NAME_MAX_LEN];
	const char *p;
	size_t n;
	va_list ap;
	int dup = 1;

	n = (size_t)snprintf(base, sizeof(base), "%s", prefix);
	va_start(ap, prefix);
	while ((p = va_arg(ap, const char *))) {
		if (!*p)
			continue;
		vb_fig_file_word(p, part, sizeof(part));
		if (n + strlen(part) + 2 < sizeof(base))
			n += (size_t)snprintf(base + n, sizeof(base) - n, "-%s", part);
	}
	va_end(ap);
	snprintf(buf, len, "%.*s", (int)(len > 8 ? len - 8 : 1), base);
	while (json_object_get(g->used, buf))
		snprintf(buf, len, "%.*s-%d", (int)(len > 8 ? len - 8 : 1), base, ++dup);
	json_object_set_new(g->used, buf, json_true());
}

void vb_fig_png(FILE *gp, const char *file, int w, int h)
{
	/* gnuplot-nox may lack cairo on some builds; libgd png is the fallback. */
	fprintf(gp, "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		"    set terminal pngcairo size %d,%d noenhanced font ',10'\n"
		"} else {\n    set terminal png size %d,%d noenhanced\n}\n"
		"set output '%s'\n", w, h, w, h, file);
}

void vb_fig_begin(struct vb_fig *g, const char *name, int w, int h)
{
	char file[NAME_MAX_LEN * 4 + 8];

	snprintf(file, sizeof(file), "%s.png", name);
	fputs("reset\n", g->gp);
	vb_fig_png(g->gp, file, w, h);
}

void vb_fig_end(struct vb_fig *g, const char *name, int w, int h)
{
	char f[NAME_MAX_LEN * 4 + 8];

	fprintf(g->gp,
		"set terminal svg size %d,%d noenhanced font 'sans,11' background rgb 'white'\n"
		"set output '%s.svg'\nreplot\nunset output\n\n",
		w, h, name);
	snprintf(f, sizeof(f), "%s.png", name);
	json_array_append_new(g->files, json_string(f));
	snprintf(f, sizeof(f), "%s.svg", name);
	json_array_append_new(g->files, json_string(f));
	g->count++;
}

static const struct {
	const char *mode, *colour;
} mode_colours[] = {
	{ "native", "#4d4d4d" }, { "shadow", "#d62728" }, { "ept", "#1f77b4" },
	{ "npt", "#2ca02c" }, { "tdp", "#9467bd" }, { "stage2", "#17becf" },
};

const char *vb_fig_mode_colour(const char *mode)
{
	for (size_t i = 0; i < sizeof(mode_colours) / sizeof(mode_colours[0]); i++)
		if (mode && !strcmp(mode, mode_colours[i].mode))
			return mode_colours[i].colour;
	return "#ff7f0e";
}

long vb_fig_mode_rgb(const char *mode)
{
	return strtol(vb_fig_mode_colour(mode) + 1, NULL, 16);
}

double vb_fig_yaxis(FILE *gp, double lo, double hi)
{
	if (lo > 0 && hi / lo > 10) {
		fprintf(gp, "set logscale y\nset yrange [%.6g:%.6g]\nset format y '%%.0s%%c'\n",
			lo / 2, hi * 2);
		return lo / 1.6;
	}
	fprintf(gp, "set yrange [0:%.6g]\nset format y '%%g'\n", hi > 0 ? hi * 1.15 : 1);
	return hi > 0 ? hi * 0.03 : 0.03;
}

void vb_fig_bars(FILE *gp, const char *dat, const char *value_fmt, double mark_y)
{
	fprintf(gp, "plot '%s' using 0:2:5:xtic(1) with boxes lc rgb variable notitle, \\\n"
		"    '' using 0:2:3:4 with yerrorbars lc rgb 'black' lw 1.5 pt 7 ps 0.4 "
		"notitle", dat);
	if (value_fmt)
		fprintf(gp, ", \\\n    '' using 0:4:(gprintf('%s', $2)) with labels offset 0,0.8 "
			"notitle", value_fmt);
	if (isfinite(mark_y))
		fprintf(gp, ", \\\n    '' using 0:(%.6g):6 with labels rotate by 90 left "
			"tc rgb '#666666' notitle", mark_y);
	fputc('\n', gp);
}
