/* sluice-throughput-graph.h: a small live bar graph of the batch's speed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SLUICE_TYPE_THROUGHPUT_GRAPH (sluice_throughput_graph_get_type ())

G_DECLARE_FINAL_TYPE (SluiceThroughputGraph, sluice_throughput_graph, SLUICE, THROUGHPUT_GRAPH, GtkWidget)

GtkWidget *sluice_throughput_graph_new        (void);
/* Appends one sample (bytes per second); the oldest falls off. */
void       sluice_throughput_graph_add_sample (SluiceThroughputGraph *self,
                                               double                 bytes_per_second);
void       sluice_throughput_graph_clear      (SluiceThroughputGraph *self);
guint      sluice_throughput_graph_get_n_samples (SluiceThroughputGraph *self);

G_END_DECLS
