/* figure.h: what the figure writers of plot.c and plotratio.c share: one
 * gnuplot script, data files written safely, each figure as PNG and SVG, one
 * colour per mode, and a log y axis where values span more than a decade. */
#ifndef VB_FIGURE_H
#define VB_FIGURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#include "lib/atomicfile.h"

struct vb_fig {
	FILE *gp;		/* the script */
	int dir;		/* the folder everything is written into */
	json_t *files;		/* names written (and to be rendered), relative to dir */
	json_t *used;		/* figure names taken, to keep them unique */
	int count;		/* figures so far */
	char *err;
	size_t errlen;
};

/* A data file of the figure: open through a temporary name (commit with
 * vb_fig_data_close). NULL with g->err set. */
FILE *vb_fig_data(struct vb_fig *g, struct vb_atomic *a, const char *name);
int vb_fig_data_close(struct vb_fig *g, struct vb_atomic *a);

/* A unique figure name "<prefix>-<part>-<part>..." of the safe alphabet, into
 * buf (no extension). parts end with NULL; empty parts are left out. */
void vb_fig_name(struct vb_fig *g, char *buf, size_t len, const char *prefix, ...);

/* The PNG terminal of w x h (pngcairo where gnuplot has it) writing file. */
void vb_fig_png(FILE *gp, const char *file, int w, int h);
/* Start a figure: a fresh gnuplot state, PNG terminal of w x h, output name.png. */
void vb_fig_begin(struct vb_fig *g, const char *name, int w, int h);
/* After its plot command: the same figure again as name.svg; both files are listed. */
void vb_fig_end(struct vb_fig *g, const char *name, int w, int h);

/* The colour of a mode, the same in every figure ("#rrggbb"). */
const char *vb_fig_mode_colour(const char *mode);
/* The same as a number for `lc rgb variable`. */
long vb_fig_mode_rgb(const char *mode);

/* y axis for values in [lo, hi] (> 0): log scale when hi / lo > 10, else
 * linear from 0. Returns the y value where markers at the bottom go. */
double vb_fig_yaxis(FILE *gp, double lo, double hi);

/* The plot command of a bar chart from dat (label, value, low, high, rgb
 * [, mark]): bars coloured per row, CI error bars, each value printed with
 * value_fmt (NULL: not printed), and column 6 printed at y = mark_y (NAN:
 * no marks). */
void vb_fig_bars(FILE *gp, const char *dat, const char *value_fmt, double mark_y);

/* The longest word of a figure file name. */
#define NAME_MAX_LEN 96

/* A word of the run made safe for a file name: letters, digits, ".", "_", "-"
 * (no leading "."), anything else "_". */
void vb_fig_file_word(const char *in, char *out, size_t len);

/* Text of the run made safe for gnuplot (see vb_plot_label). */
void vb_fig_label(const char *in, char *out, size_t len);

/* The heatmaps, mode-ratio charts and compare chart (plotratio.c). Each
 * returns the number of figures written, or -1 with g->err set. */
int vb_fig_heatmaps(struct vb_fig *g, json_t *results);
int vb_fig_ratio_charts(struct vb_fig *g, json_t *view);
int vb_fig_compare_chart(struct vb_fig *g, json_t *compare);

#endif
