/* plot.h: gnuplot figures from a run: latency vs footprint per bench with a
 * footprint sweep, and a bar chart with CI error bars per bench and params. */
#ifndef VB_PLOT_H
#define VB_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define VB_PLOT_SCRIPT "plots.gp"

/*
 * Write the .dat files and the gnuplot script VB_PLOT_SCRIPT into dir.
 * Appends to files (an array) the names, relative to dir, of everything
 * written and of every .png the script will produce. Returns the number of
 * figures (0 when the run has no ok rows: then no script is written), or -1
 * with err set.
 */
int vb_plot_write(json_t *run, const char *dir, json_t *files, char *err, size_t errlen);

/* Is gnuplot in PATH? */
bool vb_gnuplot_found(void);

/* Run `gnuplot <script>` in dir (argv, no shell). 0 when it exited 0. */
int vb_plot_render(const char *dir, const char *script, char *err, size_t errlen);

#endif
