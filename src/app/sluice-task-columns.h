/* sluice-task-columns.h: the cells of the task table, bound to task properties
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  SLUICE_COLUMN_STATE,
  SLUICE_COLUMN_NAME,
  SLUICE_COLUMN_PROGRESS,
  SLUICE_COLUMN_SPEED,
  SLUICE_COLUMN_ELAPSED,
  SLUICE_COLUMN_RESULT,
  SLUICE_COLUMN_ACTIONS,
} SluiceColumn;

#define SLUICE_TYPE_TASK_COLUMNS (sluice_task_columns_get_type ())

G_DECLARE_FINAL_TYPE (SluiceTaskColumns, sluice_task_columns, SLUICE, TASK_COLUMNS, GObject)

SluiceTaskColumns  *sluice_task_columns_new            (void);
/* A factory for one column; its cells follow their task's notify signals,
 * and elapsed times and retry countdowns tick once a second. */
GtkListItemFactory *sluice_task_columns_create_factory (SluiceTaskColumns *self,
                                                        SluiceColumn       column);
/* A sorter for one column on keys read when sorting starts: a live column
 * is never re-sorted while its values change. */
GtkSorter          *sluice_task_columns_create_sorter  (SluiceTaskColumns *self,
                                                        SluiceColumn       column);
/* The name a row's button goes by: its tooltip and its accessible label
 * ("Cancel report.pdf"). */
const char         *sluice_task_columns_get_button_label (GtkWidget     *button);

G_END_DECLS
