/* history_plot.h: `vbench history --plot`: the series of a history as one
 * gnuplot figure. */
#ifndef VB_HISTORY_PLOT_H
#define VB_HISTORY_PLOT_H

#include <stddef.h>
#include <jansson.h>

/*
 * A PNG at png of series (from vb_history_series): x is the run index
 * (oldest first), one line per series with its 95% CI band, change points
 * marked. Written as every figure is (vb_plot_fresh): the data and script in
 * a fresh folder next to png, removed after; png is renamed into place, and
 * refused when it is a symbolic link. Needs gnuplot. 0; -1 with err set for
 * what was asked (no series, mixed units, an unusable name); -2 with err set
 * when the host refuses (the folder, a link at png, gnuplot).
 */
int vb_history_plot(json_t *series, const char *png, char *err, size_t errlen);

#endif
