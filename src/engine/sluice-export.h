/* sluice-export.h: a task as a record (JSON object, CSV row)
 *
 * The same fields serve `sluice --headless` and exports from the window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sluice-task.h"

G_BEGIN_DECLS

/* VALUE as a JSON string, quoted and escaped (invalid UTF-8 made valid):
 * for the writers that build JSON text directly. */
void                sluice_export_append_json_string (GString    *out,
                                                      const char *value);

/* Every field, in order; a kind's record leaves out the other kind's. */
const char * const *sluice_export_get_fields   (void);

/* url, kind, state, http_status, final_url, bytes, elapsed_s, attempts,
 * error_kind, error, then path, sha256 (downloads) or title, h1, links,
 * description (scrapes), and content_type.  Passwords in URLs are hidden. */
JsonObject         *sluice_export_task_to_json (SluiceTask  *task);
/* One line of JSON, no newline. */
char               *sluice_export_task_to_jsonl (SluiceTask *task);

/* The CSV header line and one row per task (RFC 4180 quoting, "\r\n"). */
char               *sluice_export_csv_header   (void);
char               *sluice_export_task_to_csv  (SluiceTask  *task);

G_END_DECLS
