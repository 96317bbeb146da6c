/* sluice-throughput-graph.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sluice-throughput-graph.h"

#define N_SAMPLES 60

struct _SluiceThroughputGraph
{
  GtkWidget parent_instance;

  double    samples[N_SAMPLES];
  guint     next;
  guint     count;
};

G_DEFINE_FINAL_TYPE (SluiceThroughputGraph, sluice_throughput_graph, GTK_TYPE_WIDGET)

static void
sluice_throughput_graph_snapshot (GtkWidget   *widget,
                                  GtkSnapshot *snapshot)
{
  SluiceThroughputGraph *self = SLUICE_THROUGHPUT_GRAPH (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  float bar_width = (float) width / N_SAMPLES;
  double peak = 1;
  GdkRGBA color;

  /* The widget's CSS colour (the accent colour, from style.css).
   * gtk_widget_get_color() would be the way from GTK 4.10 on. */
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  for (guint i = 0; i < self->count; i++)
    peak = MAX (peak, self->samples[i]);

  for (guint i = 0; i < self->count; i++)
    {
      /* Oldest on the left, newest on the right. */
      guint index = (self->next + N_SAMPLES - self->count + i) % N_SAMPLES;
      float bar_height = (float) (self->samples[index] / peak * (height - 1));
      float x = (N_SAMPLES - self->count + i) * bar_width;

      if (bar_height < 1)
        continue;
      gtk_snapshot_append_color (snapshot, &color,
                                 &GRAPHENE_RECT_INIT (x, height - bar_height,
                                                      MAX (1, bar_width - 1), bar_height));
    }
}

static void
sluice_throughput_graph_measure (GtkWidget      *widget,
                                 GtkOrientation  orientation,
                                 int             for_size,
                                 int            *minimum,
                                 int            *natural,
                                 int            *minimum_baseline,
                                 int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = 2 * N_SAMPLES;
  else
    *minimum = *natural = 28;
}

static void
sluice_throughput_graph_class_init (SluiceThroughputGraphClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = sluice_throughput_graph_snapshot;
  widget_class->measure = sluice_throughput_graph_measure;
  gtk_widget_class_set_css_name (widget_class, "throughput-graph");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
sluice_throughput_graph_init (SluiceThroughputGraph *self)
{
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), _("Total speed over the last minute"));
}

GtkWidget *
sluice_throughput_graph_new (void)
{
  return g_object_new (SLUICE_TYPE_THROUGHPUT_GRAPH, NULL);
}

void
sluice_throughput_graph_add_sample (SluiceThroughputGraph *self,
                                    double                 bytes_per_second)
{
  g_return_if_fail (SLUICE_IS_THROUGHPUT_GRAPH (self));

  self->samples[self->next] = MAX (0, bytes_per_second);
  self->next = (self->next + 1) % N_SAMPLES;
  self->count = MIN (self->count + 1, N_SAMPLES);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* How many samples it shows (one a second, up to a minute's). */
guint
sluice_throughput_graph_get_n_samples (SluiceThroughputGraph *self)
{
  g_return_val_if_fail (SLUICE_IS_THROUGHPUT_GRAPH (self), 0);
  return self->count;
}

void
sluice_throughput_graph_clear (SluiceThroughputGraph *self)
{
  g_return_if_fail (SLUICE_IS_THROUGHPUT_GRAPH (self));

  self->count = 0;
  self->next = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
