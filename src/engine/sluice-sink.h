/* sluice-sink.h: where a transfer's body goes (a file, or an HTML parser)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define SLUICE_TYPE_SINK (sluice_sink_get_type ())

G_DECLARE_INTERFACE (SluiceSink, sluice_sink, SLUICE, SINK, GObject)

struct _SluiceSinkInterface
{
  GTypeInterface parent_iface;

  /* Before sending: add headers (Range), switch features off. */
  void     (*prepare) (SluiceSink   *self,
                       SoupMessage  *message);
  /* After a 2xx status.  *want_body = FALSE ends the transfer as done. */
  gboolean (*begin)   (SluiceSink   *self,
                       SoupMessage  *message,
                       gboolean     *want_body,
                       GError      **error);
  gboolean (*write)   (SluiceSink   *self,
                       const guint8 *data,
                       gsize         length,
                       GError      **error);
  /* The whole body arrived: publish the result. */
  gboolean (*finish)  (SluiceSink   *self,
                       GError      **error);
  /* The attempt ended early.  discard: the task is over (cancelled or
   * failed), so remove anything partial; otherwise keep it for a resume. */
  void     (*abort)   (SluiceSink   *self,
                       gboolean      discard);
};

void     sluice_sink_prepare (SluiceSink   *self,
                              SoupMessage  *message);
gboolean sluice_sink_begin   (SluiceSink   *self,
                              SoupMessage  *message,
                              gboolean     *want_body,
                              GError      **error);
gboolean sluice_sink_write   (SluiceSink   *self,
                              const guint8 *data,
                              gsize         length,
                              GError      **error);
gboolean sluice_sink_finish  (SluiceSink   *self,
                              GError      **error);
void     sluice_sink_abort   (SluiceSink   *self,
                              gboolean      discard);

G_END_DECLS
