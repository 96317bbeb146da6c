/* sluice-task-private.h: what the scheduler and transfers may change
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sluice-task.h"

G_BEGIN_DECLS

typedef struct _SluiceScheduler SluiceScheduler;

SluiceTask *_sluice_task_new               (SluiceScheduler *scheduler,
                                            GUri            *uri,
                                            SluiceTaskKind   kind,
                                            guint64          sequence);
GUri       *_sluice_task_get_guri          (SluiceTask      *self);
/* A mirror runs nowhere: it need not keep its parsed URL. */
void        _sluice_task_drop_guri         (SluiceTask      *self);
guint64     _sluice_task_get_sequence      (SluiceTask      *self);
void        _sluice_task_detach            (SluiceTask      *self);
/* Gives a task made with a NULL scheduler (a restored one) its owner. */
void        _sluice_task_attach            (SluiceTask      *self,
                                            SluiceScheduler *scheduler,
                                            guint64          sequence);

/* Where this download goes instead of the scheduler's folder, or NULL. */
const char *_sluice_task_get_directory     (SluiceTask      *self);
void        _sluice_task_set_directory     (SluiceTask      *self,
                                            const char      *directory);

/* Stopped by a shutdown rather than by the user: a session saves it as
 * queued, so it resumes next time. */
gboolean    _sluice_task_get_interrupted   (SluiceTask      *self);
void        _sluice_task_set_interrupted   (SluiceTask      *self,
                                            gboolean         interrupted);

/* A session restoring a task before it joins a scheduler: sets state,
 * timings (wall clock, µs; 0 = never) and counters as they were, with no
 * side effects.  Results are set with the setters below. */
void        _sluice_task_restore           (SluiceTask      *self,
                                            SluiceTaskState  state,
                                            guint            attempt,
                                            gint64           created_wall,
                                            gint64           started_wall,
                                            gint64           finished_wall,
                                            gint64           bytes_received,
                                            gint64           bytes_total);

/* The download's file is about to change on disk (a name reserved, a
 * complete body renamed): tells the scheduler's file hook, synchronously. */
void        _sluice_task_file_changing     (SluiceTask      *self);

/* Scheduler-owned bookkeeping that rides along with the task. */
gpointer    _sluice_task_get_transfer      (SluiceTask      *self);
void        _sluice_task_set_transfer      (SluiceTask      *self,
                                            gpointer         transfer);
gpointer    _sluice_task_get_sink          (SluiceTask      *self);
void        _sluice_task_set_sink          (SluiceTask      *self,
                                            gpointer         sink);

/* State changes notify at once (flushing pending progress first). */
void        _sluice_task_set_state         (SluiceTask      *self,
                                            SluiceTaskState  state);
void        _sluice_task_set_held_by_host  (SluiceTask      *self,
                                            gboolean         held);
void        _sluice_task_begin_attempt     (SluiceTask      *self);
void        _sluice_task_set_retry_at      (SluiceTask      *self,
                                            gint64           retry_at);
void        _sluice_task_set_response      (SluiceTask      *self,
                                            guint            http_status,
                                            const char      *final_uri,
                                            const char      *content_type);
void        _sluice_task_set_error         (SluiceTask      *self,
                                            SluiceError      kind,
                                            const char      *message);
void        _sluice_task_clear_results     (SluiceTask      *self);
void        _sluice_task_set_download_result (SluiceTask    *self,
                                            const char      *path,
                                            const char      *sha256);
void        _sluice_task_set_path          (SluiceTask      *self,
                                            const char      *path);
void        _sluice_task_set_scrape_result (SluiceTask      *self,
                                            const char      *title,
                                            const char * const *headings,
                                            guint            link_count,
                                            const char      *description);

/* Progress is coalesced: at most ~10 notifications a second per task. */
void        _sluice_task_set_progress      (SluiceTask      *self,
                                            gint64           bytes_received,
                                            gint64           bytes_total);
void        _sluice_task_add_bytes         (SluiceTask      *self,
                                            gsize            n_bytes);

/* Mirrors (sluice-engine-thread.c): a task of a scheduler on the engine's
 * thread and the one that shows it here share an id (0: not mirrored).
 * The serial is the last command a mirror changed itself for, ahead of
 * the engine's word on it. */
guint       _sluice_task_get_mirror_id     (SluiceTask      *self);
void        _sluice_task_set_mirror_id     (SluiceTask      *self,
                                            guint            mirror_id);
guint64     _sluice_task_get_mirror_serial (SluiceTask      *self);
void        _sluice_task_set_mirror_serial (SluiceTask      *self,
                                            guint64          serial);
/* The engine's batch the mirror last took a snapshot from. */
guint64     _sluice_task_get_mirror_batch  (SluiceTask      *self);
void        _sluice_task_set_mirror_batch  (SluiceTask      *self,
                                            guint64          batch);

/* Everything a task shows, copied on its own thread. */
typedef struct _SluiceTaskSnapshot SluiceTaskSnapshot;

SluiceTaskSnapshot *_sluice_task_snapshot            (SluiceTask               *self);
void                _sluice_task_snapshot_free       (SluiceTaskSnapshot       *snapshot);
guint               _sluice_task_snapshot_get_mirror_id (const SluiceTaskSnapshot *snapshot);
SluiceTask         *_sluice_task_new_mirror          (SluiceScheduler          *scheduler,
                                                      const SluiceTaskSnapshot *snapshot,
                                                      guint64                   sequence);
void                _sluice_task_apply_snapshot      (SluiceTask               *self,
                                                      const SluiceTaskSnapshot *snapshot);

G_END_DECLS
