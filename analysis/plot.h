/* plot.h: gnuplot figures from a run, as PNG and SVG: mode ratios, page-mix
 * heatmaps, footprint sweeps, bars with CI error bars, and a compare chart. */
#ifndef VB_PLOT_H
#define VB_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define VB_PLOT_SCRIPT "plots.gp"
#define VB_PLOT_FP_MAX 64	/* footprints of one sweep */

/*
 * Write the .dat files and the gnuplot script VB_PLOT_SCRIPT into dir:
 * the mode-ratio charts, the page-mix heatmaps, the compare chart (when
 * compare, a vb_compare_runs() report, is given), a footprint sweep per bench
 * and a bar chart per bench and params. Each figure is rendered as <name>.png
 * and <name>.svg. Appends to files (an array) the names, relative to dir, of
 * everything written and of every figure the script will produce. Returns
 * the number of figures (0 when the run has no ok rows: then no script is
 * written), or -1 with err set.
 */
int vb_plot_write(json_t *run, json_t *compare, const char *dir, json_t *files, char *err,
		  size_t errlen);

/*
 * What `vbench plot` does: write the script and data, render them with
 * gnuplot when render is set, and put every file into out. The work happens
 * in a fresh folder inside out, and each file is renamed into place, so a
 * symbolic link in out is refused (one line in err) and never followed,
 * not even by gnuplot. Returns the number of figures, 0 when the run has
 * no ok rows, -1 with err set. files gets the names written into out.
 */
int vb_plot_make(json_t *run, json_t *compare, const char *out, bool render, json_t *files,
		 char *err, size_t errlen);

/* Writes a script and its data into the folder work, appending to files the
 * names that are to end up in out (a file it does not list is scratch, removed
 * with the folder): the number of figures, 0 for none, -1 with err. */
typedef int (*vb_plot_writer)(void *arg, const char *work, json_t *files, char *err, size_t errlen);

/* The way vb_plot_make works, for any writer: write in a fresh folder inside
 * out, refuse a link at any name listed in files, render script there with
 * gnuplot when render is set, rename every listed file into out, and remove
 * the folder with whatever else it holds (after a failed render, its run.log
 * stays for the message). Returns write's count, or -1 with err. */
int vb_plot_fresh(const char *out, vb_plot_writer write, void *arg, const char *script, bool render,
		  json_t *files, char *err, size_t errlen);

/* Text from a run made safe for a gnuplot string or data label: letters,
 * digits and " .,:;=+-_/%*!" pass, anything else becomes '_'. */
void vb_plot_label(const char *in, char *out, size_t len);

/* Is gnuplot in PATH? */
bool vb_gnuplot_found(void);

/* Run `gnuplot <script>` in dir (argv, no shell). 0 when it exited 0. */
int vb_plot_render(const char *dir, const char *script, char *err, size_t errlen);

#endif
