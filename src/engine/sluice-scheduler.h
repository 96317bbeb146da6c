/* sluice-scheduler.h: runs tasks at most N at a time (and M per host)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "sluice-task.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_SCHEDULER (sluice_scheduler_get_type ())

G_DECLARE_FINAL_TYPE (SluiceScheduler, sluice_scheduler, SLUICE, SCHEDULER, GObject)

SluiceScheduler *sluice_scheduler_new                  (void);
SluiceScheduler *sluice_scheduler_new_threaded        (void);

/* Adds one task per URL (each must be a valid http or https URL) in one
 * items-changed.  Returns the first new task (transfer none), or NULL. */
SluiceTask      *sluice_scheduler_add                  (SluiceScheduler     *self,
                                                        const char          *uri,
                                                        SluiceTaskKind       kind);
guint            sluice_scheduler_add_many             (SluiceScheduler     *self,
                                                        const char * const  *uris,
                                                        SluiceTaskKind       kind);
guint            sluice_scheduler_add_many_full        (SluiceScheduler     *self,
                                                        const char * const  *uris,
                                                        SluiceTaskKind       kind,
                                                        const char          *directory);
/* The same, but skips any URL that already has a task of this kind (same
 * URL once normalised, or the same shown URL for a task restored without
 * its password), and duplicates within uris; a task that failed or was
 * cancelled is retried instead.  Returns how many were added or retried. */
guint            sluice_scheduler_add_many_unique      (SluiceScheduler     *self,
                                                        const char * const  *uris,
                                                        SluiceTaskKind       kind,
                                                        const char          *directory);
guint            sluice_scheduler_remove_finished      (SluiceScheduler     *self);
void             sluice_scheduler_cancel_all           (SluiceScheduler     *self);
/* The same, and how many tasks it stopped: on a threaded scheduler, once
 * its engine has said (a task that had finished there meanwhile is not
 * counted, and shows as it ended). */
void             sluice_scheduler_cancel_all_async     (SluiceScheduler     *self,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
guint            sluice_scheduler_cancel_all_finish    (SluiceScheduler     *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);
guint            sluice_scheduler_retry_failed         (SluiceScheduler     *self);

/* Cancels everything; finishes once every file is closed.  Partial files of
 * running downloads are kept so a later session can resume them. */
void             sluice_scheduler_shutdown_async       (SluiceScheduler     *self,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gboolean         sluice_scheduler_shutdown_finish      (SluiceScheduler     *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

guint            sluice_scheduler_get_max_concurrent   (SluiceScheduler     *self);
void             sluice_scheduler_set_max_concurrent   (SluiceScheduler     *self,
                                                        guint                max_concurrent);
guint            sluice_scheduler_get_max_per_host     (SluiceScheduler     *self);
void             sluice_scheduler_set_max_per_host     (SluiceScheduler     *self,
                                                        guint                max_per_host);
guint            sluice_scheduler_get_timeout          (SluiceScheduler     *self);
void             sluice_scheduler_set_timeout          (SluiceScheduler     *self,
                                                        guint                seconds);
guint            sluice_scheduler_get_max_retries      (SluiceScheduler     *self);
void             sluice_scheduler_set_max_retries      (SluiceScheduler     *self,
                                                        guint                max_retries);
double           sluice_scheduler_get_retry_delay      (SluiceScheduler     *self);
void             sluice_scheduler_set_retry_delay      (SluiceScheduler     *self,
                                                        double               seconds);
double           sluice_scheduler_get_requests_per_second (SluiceScheduler  *self);
void             sluice_scheduler_set_requests_per_second (SluiceScheduler  *self,
                                                        double               rate);
guint64          sluice_scheduler_get_max_bytes_per_second (SluiceScheduler *self);
void             sluice_scheduler_set_max_bytes_per_second (SluiceScheduler *self,
                                                        guint64              rate);
const char      *sluice_scheduler_get_download_directory (SluiceScheduler   *self);
void             sluice_scheduler_set_download_directory (SluiceScheduler   *self,
                                                        const char          *directory);

guint            sluice_scheduler_get_n_queued         (SluiceScheduler     *self);
guint            sluice_scheduler_get_n_running        (SluiceScheduler     *self);
guint            sluice_scheduler_get_n_waiting        (SluiceScheduler     *self);
guint            sluice_scheduler_get_n_done           (SluiceScheduler     *self);
guint            sluice_scheduler_get_n_failed         (SluiceScheduler     *self);
guint            sluice_scheduler_get_n_cancelled      (SluiceScheduler     *self);
/* TRUE while any task is unfinished, any transfer is still winding down,
 * or a caller holds the batch open (more tasks are on their way). */
gboolean         sluice_scheduler_get_busy             (SluiceScheduler     *self);
/* Totals over the list as its tasks' properties say, kept as they change
 * (no notify: a view polls them): bytes received by every task, and the
 * speed of those running. */
guint64          sluice_scheduler_get_bytes_received   (SluiceScheduler     *self);
double           sluice_scheduler_get_speed            (SluiceScheduler     *self);
void             sluice_scheduler_hold                 (SluiceScheduler     *self);
void             sluice_scheduler_release              (SluiceScheduler     *self);

G_END_DECLS
