/* sluice-sink.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sluice-sink.h"

G_DEFINE_INTERFACE (SluiceSink, sluice_sink, G_TYPE_OBJECT)

static void
sluice_sink_default_init (SluiceSinkInterface *iface)
{
}

void
sluice_sink_prepare (SluiceSink  *self,
                     SoupMessage *message)
{
  SluiceSinkInterface *iface = SLUICE_SINK_GET_IFACE (self);

  if (iface->prepare != NULL)
    iface->prepare (self, message);
}

gboolean
sluice_sink_begin (SluiceSink   *self,
                   SoupMessage  *message,
                   gboolean     *want_body,
                   GError      **error)
{
  *want_body = TRUE;
  return SLUICE_SINK_GET_IFACE (self)->begin (self, message, want_body, error);
}

gboolean
sluice_sink_write (SluiceSink    *self,
                   const guint8  *data,
                   gsize          length,
                   GError       **error)
{
  return SLUICE_SINK_GET_IFACE (self)->write (self, data, length, error);
}

gboolean
sluice_sink_finish (SluiceSink  *self,
                    GError     **error)
{
  return SLUICE_SINK_GET_IFACE (self)->finish (self, error);
}

void
sluice_sink_abort (SluiceSink *self,
                   gboolean    discard)
{
  SLUICE_SINK_GET_IFACE (self)->abort (self, discard);
}
