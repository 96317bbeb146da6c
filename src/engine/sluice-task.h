/* sluice-task.h: one URL to fetch, and everything the user sees of it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "sluice-error.h"

G_BEGIN_DECLS

typedef enum {
  SLUICE_TASK_KIND_DOWNLOAD, /*< nick=download >*/
  SLUICE_TASK_KIND_SCRAPE,   /*< nick=scrape >*/
} SluiceTaskKind;

typedef enum {
  SLUICE_TASK_STATE_QUEUED,        /*< nick=queued >*/
  SLUICE_TASK_STATE_CONNECTING,    /*< nick=connecting >*/
  SLUICE_TASK_STATE_RUNNING,       /*< nick=running >*/
  SLUICE_TASK_STATE_WAITING_RETRY, /*< nick=waiting-retry >*/
  SLUICE_TASK_STATE_DONE,          /*< nick=done >*/
  SLUICE_TASK_STATE_FAILED,        /*< nick=failed >*/
  SLUICE_TASK_STATE_CANCELLED,     /*< nick=cancelled >*/
} SluiceTaskState;

#define SLUICE_TYPE_TASK (sluice_task_get_type ())

G_DECLARE_FINAL_TYPE (SluiceTask, sluice_task, SLUICE, TASK, GObject)

const char          *sluice_task_get_uri            (SluiceTask *self);
const char          *sluice_task_get_shown_uri      (SluiceTask *self);
const char          *sluice_task_get_host           (SluiceTask *self);
SluiceTaskKind       sluice_task_get_kind           (SluiceTask *self);
SluiceTaskState      sluice_task_get_state          (SluiceTask *self);
gboolean             sluice_task_is_finished        (SluiceTask *self);
gboolean             sluice_task_is_active          (SluiceTask *self);
gboolean             sluice_task_get_held_by_host   (SluiceTask *self);
gint64               sluice_task_get_bytes_received (SluiceTask *self);
gint64               sluice_task_get_bytes_total    (SluiceTask *self);
double               sluice_task_get_fraction       (SluiceTask *self);
double               sluice_task_get_speed          (SluiceTask *self);
gint64               sluice_task_get_created        (SluiceTask *self);
gint64               sluice_task_get_started        (SluiceTask *self);
gint64               sluice_task_get_finished       (SluiceTask *self);
gint64               sluice_task_get_created_wall   (SluiceTask *self);
gint64               sluice_task_get_started_wall   (SluiceTask *self);
gint64               sluice_task_get_finished_wall  (SluiceTask *self);
double               sluice_task_get_elapsed        (SluiceTask *self);
guint                sluice_task_get_attempt        (SluiceTask *self);
gint64               sluice_task_get_retry_at       (SluiceTask *self);
guint                sluice_task_get_http_status    (SluiceTask *self);
const char          *sluice_task_get_final_uri      (SluiceTask *self);
const char          *sluice_task_get_content_type   (SluiceTask *self);
SluiceError          sluice_task_get_error_kind     (SluiceTask *self);
const char          *sluice_task_get_error_message  (SluiceTask *self);
const char          *sluice_task_get_path           (SluiceTask *self);
const char          *sluice_task_get_sha256         (SluiceTask *self);
const char          *sluice_task_get_title          (SluiceTask *self);
const char * const  *sluice_task_get_headings       (SluiceTask *self);
guint                sluice_task_get_link_count     (SluiceTask *self);
const char          *sluice_task_get_description    (SluiceTask *self);
const char          *sluice_task_get_display_name   (SluiceTask *self);

void                 sluice_task_cancel             (SluiceTask *self);
gboolean             sluice_task_retry              (SluiceTask *self);

const char          *sluice_task_state_to_nick      (SluiceTaskState state);
const char          *sluice_task_kind_to_nick       (SluiceTaskKind  kind);

G_END_DECLS
