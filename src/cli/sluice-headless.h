/* sluice-headless.h: `sluice --headless`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Returns the process exit status: 0 all done, 1 any failed or cancelled,
 * 2 usage error or no valid URL. */
int sluice_headless_run (int    argc,
                         char **argv);

G_END_DECLS
