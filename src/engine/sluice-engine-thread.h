/* sluice-engine-thread.h: a scheduler on a thread of its own, mirrored
 *
 * The window's scheduler (the front) runs no transfer: a scheduler on the
 * engine's thread (the back) does, with its own main context, libsoup
 * session and session file.  The front's tasks mirror the back's: the
 * back's changes reach them as snapshots a few times a frame, and what is
 * done to the front (add, cancel, retry, remove, settings) reaches the back
 * as commands, in order.  The front changes itself at once for what the
 * user does (a cancelled row says so before the engine has heard), and
 * ignores snapshots taken before the engine ran that command.
 *
 * Private to the engine: SluiceScheduler and SluiceSession use it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sluice-scheduler-private.h"

G_BEGIN_DECLS


/* Runs on the engine's thread with the back scheduler. */
typedef void (*SluiceEngineFunc) (SluiceScheduler *back,
                                  gpointer         data);

/* Starts the thread and its scheduler, with front's settings. */
SluiceEngineThread *_sluice_engine_thread_new        (SluiceScheduler    *front);
SluiceEngineThread *_sluice_engine_thread_ref        (SluiceEngineThread *self);
/* The last reference stops the thread (after every command posted). */
void                _sluice_engine_thread_unref      (SluiceEngineThread *self);
/* The front is going: nothing more is delivered to it. */
void                _sluice_engine_thread_detach_front (SluiceEngineThread *self);

/* A new id for a mirrored task. */
guint               _sluice_engine_thread_next_id    (SluiceEngineThread *self);

/* Runs func on the engine's thread after every command posted before;
 * returns the command's serial (1, 2, …). */
guint64             _sluice_engine_thread_post       (SluiceEngineThread *self,
                                                      SluiceEngineFunc    func,
                                                      gpointer            data,
                                                      GDestroyNotify      free_data);
/* The same, waiting for it; on return the front shows what the back did. */
void                _sluice_engine_thread_call       (SluiceEngineThread *self,
                                                      SluiceEngineFunc    func,
                                                      gpointer            data);
/* On the engine's thread: runs func with data on the front's thread, in
 * order with the snapshots. */
void                _sluice_engine_thread_post_to_front (SluiceEngineThread *self,
                                                      GFunc               func,
                                                      gpointer            data,
                                                      GDestroyNotify      free_data);

/* On the engine's thread, from the back scheduler: */
/* a mirrored back task changed. */
void                _sluice_engine_thread_task_changed (SluiceEngineThread *self,
                                                      SluiceTask         *back_task);
/* the back's transfers in flight changed (the front is busy while any
 * winds down). */
void                _sluice_engine_thread_running_changed (SluiceEngineThread *self);
/* the back made tasks itself (a session restored them): mirror them. */
void                _sluice_engine_thread_tasks_added (SluiceEngineThread *self,
                                                      GPtrArray          *back_tasks);
/* the back task with this id, or NULL. */
SluiceTask         *_sluice_engine_thread_lookup     (SluiceEngineThread *self,
                                                      guint               mirror_id);
/* knows a back task by its id (made for the front's). */
void                _sluice_engine_thread_remember   (SluiceEngineThread *self,
                                                      guint               mirror_id,
                                                      SluiceTask         *back_task);
/* forgets a back task (removed). */
void                _sluice_engine_thread_forget     (SluiceEngineThread *self,
                                                      guint               mirror_id);

G_END_DECLS
