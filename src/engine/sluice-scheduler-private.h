/* sluice-scheduler-private.h: what tasks call back into
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sluice-scheduler.h"
#include "sluice-task-private.h"

G_BEGIN_DECLS

void _sluice_scheduler_task_state_changed (SluiceScheduler *self,
                                           SluiceTask      *task,
                                           SluiceTaskState  old_state);
void _sluice_scheduler_cancel_task        (SluiceScheduler *self,
                                           SluiceTask      *task);
void _sluice_scheduler_retry_task         (SluiceScheduler *self,
                                           SluiceTask      *task);

G_END_DECLS
