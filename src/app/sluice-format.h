/* sluice-format.h: a task's state and numbers in words
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "sluice-task.h"

G_BEGIN_DECLS

/* What a person calls the task: its page title or file name once known,
 * else the last part of its URL, else its host. */
char       *sluice_format_name         (SluiceTask *task);
const char *sluice_format_state_icon   (SluiceTask *task);
const char *sluice_format_state_label  (SluiceTask *task);
const char *sluice_format_error_kind   (SluiceError kind);
/* "3.1 MB of 10 MB", "3.1 MB", or "" */
char       *sluice_format_progress     (SluiceTask *task);
/* "1.2 MB/s" while running, else "" */
char       *sluice_format_speed        (double      bytes_per_second);
/* "0:07", "12:03", "1:02:03" */
char       *sluice_format_duration     (double      seconds);
/* What the result column says now: a size, a title and counts, a reason,
 * "Retrying in 4 s", "Waiting for example.com" … */
char       *sluice_format_result       (SluiceTask *task);
char       *sluice_format_scrape_counts (SluiceTask *task);
/* How a batch ended: "All 12 tasks done", "10 done · 2 cancelled" … */
char       *sluice_format_batch_outcome (guint      n_done,
                                         guint      n_failed,
                                         guint      n_cancelled);

G_END_DECLS
