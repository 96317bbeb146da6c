/* sluice-sources.h: the engine's timers and idles
 *
 * They go on the main context that is thread-default where they are added,
 * as libsoup's own I/O does, so the engine can run on a thread with its own
 * loop: g_timeout_add() would put them on the global default context, and
 * g_source_remove() looks only there.  An engine object is used from the
 * thread it was made on, so it removes its sources from that context too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

guint sluice_timeout_add    (guint          interval_ms,
                             GSourceFunc    function,
                             gpointer       data,
                             const char    *name);
guint sluice_idle_add       (int            priority,
                             GSourceFunc    function,
                             gpointer       data,
                             GDestroyNotify notify,
                             const char    *name);
/* Like g_source_remove(), on the thread-default context. */
void  sluice_source_remove  (guint          id);

G_END_DECLS
