/* sluice-sources.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sluice-sources.h"

static guint
attach (GSource    *source,
        const char *name)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  guint id;

  /* Names are static strings: they show in profilers and debuggers. */
  g_source_set_static_name (source, name);
  id = g_source_attach (source, context);
  g_source_unref (source);
  return id;
}

guint
sluice_timeout_add (guint        interval_ms,
                    GSourceFunc  function,
                    gpointer     data,
                    const char  *name)
{
  GSource *source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, function, data, NULL);
  return attach (source, name);
}

guint
sluice_idle_add (int            priority,
                 GSourceFunc    function,
                 gpointer       data,
                 GDestroyNotify notify,
                 const char    *name)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, priority);
  g_source_set_callback (source, function, data, notify);
  return attach (source, name);
}

void
sluice_source_remove (guint id)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  GSource *source = g_main_context_find_source_by_id (context, id);

  /* As g_source_remove(): removing what is gone is the caller's bug. */
  g_return_if_fail (source != NULL);
  g_source_destroy (source);
}
