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
/* A task's bytes-received changed by delta (its notified value). */
void _sluice_scheduler_task_bytes_changed (SluiceScheduler *self,
                                           gint64           delta);
void _sluice_scheduler_cancel_task        (SluiceScheduler *self,
                                           SluiceTask      *task);
void _sluice_scheduler_retry_task         (SluiceScheduler *self,
                                           SluiceTask      *task);

/* For SluiceSession. */

/* Called synchronously before a download's file changes on disk, so a
 * session can write down where the file is going before it goes there. */
typedef void (*SluiceFileHook) (SluiceTask *task,
                                gpointer    user_data);

void        _sluice_scheduler_set_file_hook     (SluiceScheduler *self,
                                                 SluiceFileHook   hook,
                                                 gpointer         user_data);
void        _sluice_scheduler_file_changing     (SluiceScheduler *self,
                                                 SluiceTask      *task);
/* The final paths claimed by unfinished downloads (see sluice-download.h). */
GHashTable *_sluice_scheduler_get_reserved_names (SluiceScheduler *self);
/* Appends tasks made with _sluice_task_new (NULL, …) and restored with
 * _sluice_task_restore(), in one items-changed.  Queued ones are queued
 * (a download's sink may already be set: it resumes); finished ones keep
 * their state and results and emit no task-finished. */
void        _sluice_scheduler_restore_tasks     (SluiceScheduler *self,
                                                 GPtrArray       *tasks);

G_END_DECLS
