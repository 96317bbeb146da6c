/* sluice-task-details.h: everything known about one task, copyable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sluice-task.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_TASK_DETAILS (sluice_task_details_get_type ())

G_DECLARE_FINAL_TYPE (SluiceTaskDetails, sluice_task_details, SLUICE, TASK_DETAILS, AdwBin)

GtkWidget  *sluice_task_details_new      (void);
SluiceTask *sluice_task_details_get_task (SluiceTaskDetails *self);
void        sluice_task_details_set_task (SluiceTaskDetails *self,
                                          SluiceTask        *task);

G_END_DECLS
