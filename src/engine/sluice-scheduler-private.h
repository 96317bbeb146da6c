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

/* Called after a task's state changed (a session saves soon after). */
typedef void (*SluiceStateHook) (SluiceTask *task,
                                 gpointer    user_data);

/* The session's hooks (NULL, NULL, NULL: none). */
void        _sluice_scheduler_set_hooks         (SluiceScheduler *self,
                                                 SluiceFileHook   file_changing,
                                                 SluiceStateHook  state_changed,
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

/* Mirrors (sluice-engine-thread.c). */
typedef struct _SluiceEngineThread SluiceEngineThread;

/* A back's task changed (from its dispatch_properties_changed). */
void                _sluice_scheduler_task_changed  (SluiceScheduler    *self,
                                                     SluiceTask         *task);
/* Makes a scheduler the back of an engine (NULL: no more). */
void                _sluice_scheduler_set_engine    (SluiceScheduler    *self,
                                                     SluiceEngineThread *engine);
/* A front's engine, or NULL. */
SluiceEngineThread *_sluice_scheduler_get_engine    (SluiceScheduler    *self);
/* On a front: waits until the engine has run every command given so far
 * and the tasks here show what it did (for tests). */
void                _sluice_scheduler_sync          (SluiceScheduler    *self);
/* On a front: what the engine sent, snapshots taken after it had run
 * commands_done commands. */
void                _sluice_scheduler_apply_mirror  (SluiceScheduler    *self,
                                                     guint64             commands_done,
                                                     guint64             batch,
                                                     guint               n_transfers,
                                                     GPtrArray          *added,
                                                     GPtrArray          *changed);
/* On a back: its transfers in flight (the semaphore's count). */
guint               _sluice_scheduler_get_n_transfers (SluiceScheduler  *self);

G_END_DECLS
