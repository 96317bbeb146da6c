/* sluice-task.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sluice-enums.h"
#include "sluice-scheduler-private.h"
#include "sluice-sources.h"
#include "sluice-task-private.h"
#include "sluice-url-list.h"

/* Progress notifications are coalesced onto one timer per running task. */
#define PROGRESS_INTERVAL_MS 100
/* Speed is averaged over this window. */
#define SPEED_WINDOW_US (2 * G_USEC_PER_SEC)
#define N_SPEED_SAMPLES 32

typedef struct {
  gint64 time;
  gint64 bytes;
} SpeedSample;

struct _SluiceTask
{
  GObject          parent_instance;

  /* Unowned: the scheduler owns its tasks and detaches them when it goes. */
  SluiceScheduler *scheduler;

  GUri            *guri;
  char            *uri;
  char            *shown_uri;  /* uri without its password; NULL: it has none */
  char            *host;
  SluiceTaskKind   kind;
  SluiceTaskState  state;
  guint64          sequence;
  gboolean         held_by_host;
  gboolean         interrupted;
  char            *directory;

  gint64           bytes_received;
  gint64           bytes_total;
  double           speed;

  gint64           created;
  gint64           started;
  gint64           finished;
  gint64           created_wall;
  gint64           started_wall;
  gint64           finished_wall;

  guint            attempt;
  gint64           retry_at;
  guint            http_status;
  char            *final_uri;
  char            *content_type;
  SluiceError      error_kind;
  char            *error_message;

  char            *path;
  char            *sha256;
  char            *title;
  char           **headings;
  guint            link_count;
  char            *description;

  /* Coalesced progress. */
  guint            progress_source;
  gboolean         progress_dirty;
  gint64           notified_bytes_received;
  gint64           notified_bytes_total;
  /* Only while bytes flow: a finished task of 10,000 carries no ring. */
  SpeedSample     *samples;           /* N_SPEED_SAMPLES, or NULL */
  guint            n_samples;
  guint            first_sample;

  /* Scheduler bookkeeping. */
  gpointer         transfer;
  gpointer         sink;

  /* A task mirrored across threads (sluice-engine-thread.c): the id ties
   * the engine's task to the window's; the serial is the last command the
   * window's task changed itself for ahead of the engine's word. */
  guint            mirror_id;
  guint64          mirror_serial;
  guint64          mirror_batch;   /* of the last snapshot applied */
};

G_DEFINE_FINAL_TYPE (SluiceTask, sluice_task, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URI,
  PROP_HOST,
  PROP_KIND,
  PROP_STATE,
  PROP_HELD_BY_HOST,
  PROP_BYTES_RECEIVED,
  PROP_BYTES_TOTAL,
  PROP_FRACTION,
  PROP_SPEED,
  PROP_CREATED,
  PROP_STARTED,
  PROP_FINISHED,
  PROP_CREATED_WALL,
  PROP_STARTED_WALL,
  PROP_FINISHED_WALL,
  PROP_ELAPSED,
  PROP_ATTEMPT,
  PROP_RETRY_AT,
  PROP_HTTP_STATUS,
  PROP_FINAL_URI,
  PROP_CONTENT_TYPE,
  PROP_ERROR_KIND,
  PROP_ERROR_MESSAGE,
  PROP_PATH,
  PROP_SHA256,
  PROP_TITLE,
  PROP_HEADINGS,
  PROP_LINK_COUNT,
  PROP_DESCRIPTION,
  PROP_DISPLAY_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sluice_task_finalize (GObject *object)
{
  SluiceTask *self = (SluiceTask *) object;

  g_clear_handle_id (&self->progress_source, sluice_source_remove);
  g_clear_pointer (&self->samples, g_free);
  g_clear_pointer (&self->guri, g_uri_unref);
  g_clear_pointer (&self->uri, g_free);
  g_clear_pointer (&self->shown_uri, g_free);
  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->directory, g_free);
  g_clear_pointer (&self->final_uri, g_free);
  g_clear_pointer (&self->content_type, g_free);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->sha256, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->headings, g_strfreev);
  g_clear_pointer (&self->description, g_free);
  g_clear_object ((GObject **) &self->sink);

  G_OBJECT_CLASS (sluice_task_parent_class)->finalize (object);
}

/* An engine's task tells its scheduler that it changed, however many
 * properties at once: a mirror of it elsewhere copies it later. */
static void
sluice_task_dispatch_properties_changed (GObject     *object,
                                         guint        n_pspecs,
                                         GParamSpec **pspecs)
{
  SluiceTask *self = (SluiceTask *) object;

  G_OBJECT_CLASS (sluice_task_parent_class)->dispatch_properties_changed (object, n_pspecs, pspecs);
  if (self->mirror_id != 0 && self->scheduler != NULL)
    _sluice_scheduler_task_changed (self->scheduler, self);
}

static void
sluice_task_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SluiceTask *self = SLUICE_TASK (object);

  switch (prop_id)
    {
    case PROP_URI: g_value_set_string (value, self->uri); break;
    case PROP_HOST: g_value_set_string (value, self->host); break;
    case PROP_KIND: g_value_set_enum (value, self->kind); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_HELD_BY_HOST: g_value_set_boolean (value, self->held_by_host); break;
    case PROP_BYTES_RECEIVED: g_value_set_int64 (value, self->notified_bytes_received); break;
    case PROP_BYTES_TOTAL: g_value_set_int64 (value, self->notified_bytes_total); break;
    case PROP_FRACTION: g_value_set_double (value, sluice_task_get_fraction (self)); break;
    case PROP_SPEED: g_value_set_double (value, self->speed); break;
    case PROP_CREATED: g_value_set_int64 (value, self->created); break;
    case PROP_STARTED: g_value_set_int64 (value, self->started); break;
    case PROP_FINISHED: g_value_set_int64 (value, self->finished); break;
    case PROP_CREATED_WALL: g_value_set_int64 (value, self->created_wall); break;
    case PROP_STARTED_WALL: g_value_set_int64 (value, self->started_wall); break;
    case PROP_FINISHED_WALL: g_value_set_int64 (value, self->finished_wall); break;
    case PROP_ELAPSED: g_value_set_double (value, sluice_task_get_elapsed (self)); break;
    case PROP_ATTEMPT: g_value_set_uint (value, self->attempt); break;
    case PROP_RETRY_AT: g_value_set_int64 (value, self->retry_at); break;
    case PROP_HTTP_STATUS: g_value_set_uint (value, self->http_status); break;
    case PROP_FINAL_URI: g_value_set_string (value, self->final_uri); break;
    case PROP_CONTENT_TYPE: g_value_set_string (value, self->content_type); break;
    case PROP_ERROR_KIND: g_value_set_enum (value, self->error_kind); break;
    case PROP_ERROR_MESSAGE: g_value_set_string (value, self->error_message); break;
    case PROP_PATH: g_value_set_string (value, self->path); break;
    case PROP_SHA256: g_value_set_string (value, self->sha256); break;
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    case PROP_HEADINGS: g_value_set_boxed (value, sluice_task_get_headings (self)); break;
    case PROP_LINK_COUNT: g_value_set_uint (value, self->link_count); break;
    case PROP_DESCRIPTION: g_value_set_string (value, self->description); break;
    case PROP_DISPLAY_NAME: g_value_set_string (value, sluice_task_get_display_name (self)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RO (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

static void
sluice_task_class_init (SluiceTaskClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sluice_task_finalize;
  object_class->get_property = sluice_task_get_property;
  object_class->dispatch_properties_changed = sluice_task_dispatch_properties_changed;

  properties[PROP_URI] = g_param_spec_string ("uri", NULL, NULL, NULL, RO);
  properties[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, NULL, RO);
  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, SLUICE_TYPE_TASK_KIND,
                                             SLUICE_TASK_KIND_DOWNLOAD, RO);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, SLUICE_TYPE_TASK_STATE,
                                              SLUICE_TASK_STATE_QUEUED, RO);
  properties[PROP_HELD_BY_HOST] = g_param_spec_boolean ("held-by-host", NULL, NULL, FALSE, RO);
  properties[PROP_BYTES_RECEIVED] = g_param_spec_int64 ("bytes-received", NULL, NULL,
                                                        0, G_MAXINT64, 0, RO);
  properties[PROP_BYTES_TOTAL] = g_param_spec_int64 ("bytes-total", NULL, NULL,
                                                     -1, G_MAXINT64, -1, RO);
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, -1, 1, -1, RO);
  properties[PROP_SPEED] = g_param_spec_double ("speed", NULL, NULL, 0, G_MAXDOUBLE, 0, RO);
  properties[PROP_CREATED] = g_param_spec_int64 ("created", NULL, NULL, 0, G_MAXINT64, 0, RO);
  properties[PROP_STARTED] = g_param_spec_int64 ("started", NULL, NULL, 0, G_MAXINT64, 0, RO);
  properties[PROP_FINISHED] = g_param_spec_int64 ("finished", NULL, NULL, 0, G_MAXINT64, 0, RO);
  properties[PROP_CREATED_WALL] = g_param_spec_int64 ("created-wall", NULL, NULL, 0, G_MAXINT64, 0, RO);
  properties[PROP_STARTED_WALL] = g_param_spec_int64 ("started-wall", NULL, NULL, 0, G_MAXINT64, 0, RO);
  properties[PROP_FINISHED_WALL] = g_param_spec_int64 ("finished-wall", NULL, NULL, 0, G_MAXINT64, 0, RO);
  properties[PROP_ELAPSED] = g_param_spec_double ("elapsed", NULL, NULL, 0, G_MAXDOUBLE, 0, RO);
  properties[PROP_ATTEMPT] = g_param_spec_uint ("attempt", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_RETRY_AT] = g_param_spec_int64 ("retry-at", NULL, NULL, 0, G_MAXINT64, 0, RO);
  properties[PROP_HTTP_STATUS] = g_param_spec_uint ("http-status", NULL, NULL, 0, 999, 0, RO);
  properties[PROP_FINAL_URI] = g_param_spec_string ("final-uri", NULL, NULL, NULL, RO);
  properties[PROP_CONTENT_TYPE] = g_param_spec_string ("content-type", NULL, NULL, NULL, RO);
  properties[PROP_ERROR_KIND] = g_param_spec_enum ("error-kind", NULL, NULL, SLUICE_TYPE_ERROR,
                                                   SLUICE_ERROR_NONE, RO);
  properties[PROP_ERROR_MESSAGE] = g_param_spec_string ("error-message", NULL, NULL, NULL, RO);
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, RO);
  properties[PROP_SHA256] = g_param_spec_string ("sha256", NULL, NULL, NULL, RO);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, RO);
  properties[PROP_HEADINGS] = g_param_spec_boxed ("headings", NULL, NULL, G_TYPE_STRV, RO);
  properties[PROP_LINK_COUNT] = g_param_spec_uint ("link-count", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, RO);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, RO);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sluice_task_init (SluiceTask *self)
{
  self->bytes_total = -1;
  self->notified_bytes_total = -1;
}

SluiceTask *
_sluice_task_new (SluiceScheduler *scheduler,
                  GUri            *uri,
                  SluiceTaskKind   kind,
                  guint64          sequence)
{
  SluiceTask *self = g_object_new (SLUICE_TYPE_TASK, NULL);
  const char *host = g_uri_get_host (uri);

  self->scheduler = scheduler;
  self->guri = g_uri_ref (uri);
  self->uri = sluice_uri_to_string (uri);
  /* Redacted once here: the URL is shown, searched, exported and saved. */
  self->shown_uri = sluice_url_redact (self->uri);
  if (g_str_equal (self->shown_uri, self->uri))
    g_clear_pointer (&self->shown_uri, g_free);
  self->host = g_ascii_strdown (host != NULL ? host : "", -1);
  self->kind = kind;
  self->sequence = sequence;
  self->created = g_get_monotonic_time ();
  self->created_wall = g_get_real_time ();

  return self;
}

GUri *
_sluice_task_get_guri (SluiceTask *self)
{
  return self->guri;
}

void
_sluice_task_drop_guri (SluiceTask *self)
{
  g_clear_pointer (&self->guri, g_uri_unref);
}

guint64
_sluice_task_get_sequence (SluiceTask *self)
{
  return self->sequence;
}

void
_sluice_task_detach (SluiceTask *self)
{
  self->scheduler = NULL;
}

void
_sluice_task_attach (SluiceTask      *self,
                     SluiceScheduler *scheduler,
                     guint64          sequence)
{
  g_return_if_fail (self->scheduler == NULL);

  self->scheduler = scheduler;
  self->sequence = sequence;
}

const char *
_sluice_task_get_directory (SluiceTask *self)
{
  return self->directory;
}

void
_sluice_task_set_directory (SluiceTask *self,
                            const char *directory)
{
  g_free (self->directory);
  self->directory = g_strdup (directory);
}

gboolean
_sluice_task_get_interrupted (SluiceTask *self)
{
  return self->interrupted;
}

void
_sluice_task_set_interrupted (SluiceTask *self,
                              gboolean    interrupted)
{
  self->interrupted = !!interrupted;
}

/* Monotonic time for a wall-clock time, kept positive so that "0 means
 * never" still holds for times from before the last boot. */
static gint64
wall_to_monotonic (gint64 wall,
                   gint64 now_wall,
                   gint64 now_mono)
{
  return MAX (1, now_mono - MAX (0, now_wall - wall));
}

void
_sluice_task_restore (SluiceTask      *self,
                      SluiceTaskState  state,
                      guint            attempt,
                      gint64           created_wall,
                      gint64           started_wall,
                      gint64           finished_wall,
                      gint64           bytes_received,
                      gint64           bytes_total)
{
  gint64 now_wall = g_get_real_time ();
  gint64 now_mono = g_get_monotonic_time ();

  g_return_if_fail (self->scheduler == NULL);

  self->state = state;
  self->attempt = attempt;
  if (created_wall > 0)
    {
      self->created_wall = created_wall;
      self->created = wall_to_monotonic (created_wall, now_wall, now_mono);
    }
  self->started_wall = started_wall > 0 ? started_wall : 0;
  self->finished_wall = finished_wall > 0 && started_wall > 0 ? finished_wall : 0;
  self->started = 0;
  self->finished = 0;
  if (self->finished_wall > 0)
    {
      /* Elapsed is what matters: keep the difference exact. */
      gint64 elapsed = MAX (0, self->finished_wall - self->started_wall);

      self->finished = wall_to_monotonic (self->finished_wall, now_wall, now_mono);
      self->started = self->finished - elapsed;
      if (self->started < 1)
        {
          self->started = 1;
          self->finished = 1 + elapsed;
        }
    }
  else if (self->started_wall > 0)
    self->started = wall_to_monotonic (self->started_wall, now_wall, now_mono);

  self->bytes_received = self->notified_bytes_received = MAX (0, bytes_received);
  self->bytes_total = self->notified_bytes_total = MAX (-1, bytes_total);
}

void
_sluice_task_file_changing (SluiceTask *self)
{
  if (self->scheduler != NULL)
    _sluice_scheduler_file_changing (self->scheduler, self);
}

gpointer
_sluice_task_get_transfer (SluiceTask *self)
{
  return self->transfer;
}

void
_sluice_task_set_transfer (SluiceTask *self,
                           gpointer    transfer)
{
  self->transfer = transfer;
}

gpointer
_sluice_task_get_sink (SluiceTask *self)
{
  return self->sink;
}

void
_sluice_task_set_sink (SluiceTask *self,
                       gpointer    sink)
{
  if (sink != NULL)
    g_object_ref (sink);
  g_clear_object ((GObject **) &self->sink);
  self->sink = sink;
}

/* Progress */

static double
compute_speed (SluiceTask *self,
               gint64      now)
{
  guint last;
  SpeedSample *newest;
  SpeedSample *oldest = NULL;

  if (self->samples == NULL || self->n_samples == 0)
    return 0;
  last = (self->first_sample + self->n_samples - 1) % N_SPEED_SAMPLES;
  newest = &self->samples[last];

  /* The oldest sample still inside the window. */
  for (guint i = 0; i < self->n_samples; i++)
    {
      SpeedSample *s = &self->samples[(self->first_sample + i) % N_SPEED_SAMPLES];

      if (now - s->time <= SPEED_WINDOW_US)
        {
          oldest = s;
          break;
        }
    }

  if (oldest == NULL || oldest == newest || newest->time <= oldest->time)
    return 0;

  return (double) (newest->bytes - oldest->bytes) * G_USEC_PER_SEC / (double) (now - oldest->time);
}

static void
push_speed_sample (SluiceTask *self,
                   gint64      now)
{
  guint slot;

  if (self->samples == NULL)
    self->samples = g_new (SpeedSample, N_SPEED_SAMPLES);
  if (self->n_samples == N_SPEED_SAMPLES)
    {
      self->first_sample = (self->first_sample + 1) % N_SPEED_SAMPLES;
      self->n_samples--;
    }
  slot = (self->first_sample + self->n_samples) % N_SPEED_SAMPLES;
  self->samples[slot].time = now;
  self->samples[slot].bytes = self->bytes_received;
  self->n_samples++;
}

/* Emits what changed since the last flush, at most once per interval. */
static void
flush_progress (SluiceTask *self)
{
  gint64 now = g_get_monotonic_time ();
  gboolean bytes_changed = self->notified_bytes_received != self->bytes_received;
  gboolean total_changed = self->notified_bytes_total != self->bytes_total;
  double speed;

  push_speed_sample (self, now);
  speed = self->state == SLUICE_TASK_STATE_RUNNING ? compute_speed (self, now) : 0;

  g_object_freeze_notify (G_OBJECT (self));
  if (bytes_changed && self->scheduler != NULL)
    _sluice_scheduler_task_bytes_changed (self->scheduler, self->bytes_received - self->notified_bytes_received);
  self->notified_bytes_received = self->bytes_received;
  self->notified_bytes_total = self->bytes_total;
  if (bytes_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_RECEIVED]);
  if (total_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_TOTAL]);
  if (bytes_changed || total_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
  if (speed != self->speed)
    {
      self->speed = speed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
    }
  if (self->state == SLUICE_TASK_STATE_RUNNING)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELAPSED]);
  self->progress_dirty = FALSE;
  g_object_thaw_notify (G_OBJECT (self));
}

static gboolean
progress_tick (gpointer user_data)
{
  SluiceTask *self = user_data;
  gboolean was_dirty = self->progress_dirty;

  flush_progress (self);

  /* Keep ticking while bytes flow or the speed still decays to zero. */
  if (was_dirty || self->speed > 0)
    return G_SOURCE_CONTINUE;

  self->progress_source = 0;
  return G_SOURCE_REMOVE;
}

static void
schedule_progress (SluiceTask *self)
{
  self->progress_dirty = TRUE;
  if (self->progress_source == 0)
    {
      self->progress_source = sluice_timeout_add (PROGRESS_INTERVAL_MS, progress_tick, self,
                                                  "[sluice] task progress");
    }
}

void
_sluice_task_set_progress (SluiceTask *self,
                           gint64      bytes_received,
                           gint64      bytes_total)
{
  if (self->bytes_received == bytes_received && self->bytes_total == bytes_total)
    return;

  self->bytes_received = bytes_received;
  self->bytes_total = bytes_total;
  schedule_progress (self);
}

void
_sluice_task_add_bytes (SluiceTask *self,
                        gsize       n_bytes)
{
  if (n_bytes == 0)
    return;

  self->bytes_received += n_bytes;
  if (!self->progress_dirty || self->progress_source == 0)
    schedule_progress (self);
}

/* State */

static void
stop_progress (SluiceTask *self)
{
  g_clear_handle_id (&self->progress_source, sluice_source_remove);
  g_clear_pointer (&self->samples, g_free);
  self->n_samples = 0;
  self->first_sample = 0;
}

void
_sluice_task_set_state (SluiceTask      *self,
                        SluiceTaskState  state)
{
  SluiceTaskState old_state = self->state;
  gint64 now;

  if (old_state == state)
    return;

  now = g_get_monotonic_time ();

  g_object_freeze_notify (G_OBJECT (self));
  self->state = state;

  if (state == SLUICE_TASK_STATE_RUNNING && self->n_samples == 0)
    push_speed_sample (self, now);

  if (state == SLUICE_TASK_STATE_CONNECTING && self->started == 0)
    {
      self->started = now;
      self->started_wall = g_get_real_time ();
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STARTED]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STARTED_WALL]);
    }

  if (sluice_task_is_finished (self))
    {
      self->finished = now;
      self->finished_wall = g_get_real_time ();
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISHED]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISHED_WALL]);
    }
  else if (self->finished != 0)
    {
      /* Retried: it is not finished any more. */
      self->finished = 0;
      self->finished_wall = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISHED]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISHED_WALL]);
    }

  if (state != SLUICE_TASK_STATE_RUNNING)
    {
      /* Whatever arrived before the change is shown with it, then silence. */
      flush_progress (self);
      stop_progress (self);
    }

  if (state != SLUICE_TASK_STATE_WAITING_RETRY && self->retry_at != 0)
    {
      self->retry_at = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_AT]);
    }
  if (state != SLUICE_TASK_STATE_QUEUED && self->held_by_host)
    {
      self->held_by_host = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HELD_BY_HOST]);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELAPSED]);

  /* The scheduler counts the change before anyone hears of it: a notify
   * handler may change the state again (cancel, retry). */
  if (self->scheduler != NULL)
    _sluice_scheduler_task_state_changed (self->scheduler, self, old_state);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_sluice_task_set_held_by_host (SluiceTask *self,
                               gboolean    held)
{
  held = !!held;
  if (self->held_by_host == held)
    return;
  self->held_by_host = held;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HELD_BY_HOST]);
}

void
_sluice_task_begin_attempt (SluiceTask *self)
{
  self->attempt++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ATTEMPT]);
}

void
_sluice_task_set_retry_at (SluiceTask *self,
                           gint64      retry_at)
{
  if (self->retry_at == retry_at)
    return;
  self->retry_at = retry_at;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_AT]);
}

static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

void
_sluice_task_set_response (SluiceTask *self,
                           guint       http_status,
                           const char *final_uri,
                           const char *content_type)
{
  /* Kept without a password: it is shown, exported and saved as it is. */
  g_autofree char *shown_final_uri = final_uri != NULL ? sluice_url_redact (final_uri) : NULL;

  g_object_freeze_notify (G_OBJECT (self));
  if (self->http_status != http_status)
    {
      self->http_status = http_status;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HTTP_STATUS]);
    }
  if (set_string (&self->final_uri, shown_final_uri))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINAL_URI]);
  if (set_string (&self->content_type, content_type))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTENT_TYPE]);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_sluice_task_set_error (SluiceTask  *self,
                        SluiceError  kind,
                        const char  *message)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->error_kind != kind)
    {
      self->error_kind = kind;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_KIND]);
    }
  if (set_string (&self->error_message, message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_sluice_task_clear_results (SluiceTask *self)
{
  g_object_freeze_notify (G_OBJECT (self));
  _sluice_task_set_error (self, SLUICE_ERROR_NONE, NULL);
  _sluice_task_set_response (self, 0, NULL, NULL);
  _sluice_task_set_download_result (self, NULL, NULL);
  _sluice_task_set_scrape_result (self, NULL, NULL, 0, NULL);
  _sluice_task_set_progress (self, 0, -1);
  flush_progress (self);
  stop_progress (self);
  /* A retry by hand gets the full number of automatic retries again. */
  if (self->attempt != 0)
    {
      self->attempt = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ATTEMPT]);
    }
  if (self->started != 0)
    {
      self->started = 0;
      self->started_wall = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STARTED]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STARTED_WALL]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
_sluice_task_set_path (SluiceTask *self,
                       const char *path)
{
  if (set_string (&self->path, path))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
    }
}

void
_sluice_task_set_download_result (SluiceTask *self,
                                  const char *path,
                                  const char *sha256)
{
  g_object_freeze_notify (G_OBJECT (self));
  _sluice_task_set_path (self, path);
  if (set_string (&self->sha256, sha256))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHA256]);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_sluice_task_set_scrape_result (SluiceTask         *self,
                                const char         *title,
                                const char * const *headings,
                                guint               link_count,
                                const char         *description)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (set_string (&self->title, title))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
    }
  if (!(self->headings == NULL && headings == NULL) &&
      (self->headings == NULL || headings == NULL ||
       !g_strv_equal ((const char * const *) self->headings, headings)))
    {
      g_strfreev (self->headings);
      self->headings = g_strdupv ((char **) headings);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEADINGS]);
    }
  if (self->link_count != link_count)
    {
      self->link_count = link_count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LINK_COUNT]);
    }
  if (set_string (&self->description, description))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Mirrors */

guint
_sluice_task_get_mirror_id (SluiceTask *self)
{
  return self->mirror_id;
}

void
_sluice_task_set_mirror_id (SluiceTask *self,
                            guint       mirror_id)
{
  self->mirror_id = mirror_id;
}

guint64
_sluice_task_get_mirror_serial (SluiceTask *self)
{
  return self->mirror_serial;
}

void
_sluice_task_set_mirror_serial (SluiceTask *self,
                                guint64     serial)
{
  self->mirror_serial = serial;
}

guint64
_sluice_task_get_mirror_batch (SluiceTask *self)
{
  return self->mirror_batch;
}

void
_sluice_task_set_mirror_batch (SluiceTask *self,
                               guint64     batch)
{
  self->mirror_batch = batch;
}

struct _SluiceTaskSnapshot
{
  guint            mirror_id;
  char            *uri;
  char            *shown_uri;
  char            *host;
  SluiceTaskKind   kind;
  char            *directory;
  SluiceTaskState  state;
  gboolean         held_by_host;
  gboolean         interrupted;
  gint64           bytes_received;
  gint64           bytes_total;
  double           speed;
  gint64           created;
  gint64           started;
  gint64           finished;
  gint64           created_wall;
  gint64           started_wall;
  gint64           finished_wall;
  guint            attempt;
  gint64           retry_at;
  guint            http_status;
  char            *final_uri;
  char            *content_type;
  SluiceError      error_kind;
  char            *error_message;
  char            *path;
  char            *sha256;
  char            *title;
  char           **headings;
  guint            link_count;
  char            *description;
};

/* What the task has published (progress as last notified), copied on the
 * task's own thread. */
SluiceTaskSnapshot *
_sluice_task_snapshot (SluiceTask *self)
{
  SluiceTaskSnapshot *s = g_new0 (SluiceTaskSnapshot, 1);

  s->mirror_id = self->mirror_id;
  s->uri = g_strdup (self->uri);
  s->shown_uri = g_strdup (self->shown_uri);
  s->host = g_strdup (self->host);
  s->kind = self->kind;
  s->directory = g_strdup (self->directory);
  s->state = self->state;
  s->held_by_host = self->held_by_host;
  s->interrupted = self->interrupted;
  s->bytes_received = self->notified_bytes_received;
  s->bytes_total = self->notified_bytes_total;
  s->speed = self->speed;
  s->created = self->created;
  s->started = self->started;
  s->finished = self->finished;
  s->created_wall = self->created_wall;
  s->started_wall = self->started_wall;
  s->finished_wall = self->finished_wall;
  s->attempt = self->attempt;
  s->retry_at = self->retry_at;
  s->http_status = self->http_status;
  s->final_uri = g_strdup (self->final_uri);
  s->content_type = g_strdup (self->content_type);
  s->error_kind = self->error_kind;
  s->error_message = g_strdup (self->error_message);
  s->path = g_strdup (self->path);
  s->sha256 = g_strdup (self->sha256);
  s->title = g_strdup (self->title);
  s->headings = g_strdupv (self->headings);
  s->link_count = self->link_count;
  s->description = g_strdup (self->description);
  return s;
}

void
_sluice_task_snapshot_free (SluiceTaskSnapshot *s)
{
  g_free (s->uri);
  g_free (s->shown_uri);
  g_free (s->host);
  g_free (s->directory);
  g_free (s->final_uri);
  g_free (s->content_type);
  g_free (s->error_message);
  g_free (s->path);
  g_free (s->sha256);
  g_free (s->title);
  g_strfreev (s->headings);
  g_free (s->description);
  g_free (s);
}

guint
_sluice_task_snapshot_get_mirror_id (const SluiceTaskSnapshot *snapshot)
{
  return snapshot->mirror_id;
}

/* A mirror of a task the engine made itself (restored from a session). */
SluiceTask *
_sluice_task_new_mirror (SluiceScheduler          *scheduler,
                         const SluiceTaskSnapshot *snapshot,
                         guint64                   sequence)
{
  SluiceTask *self = g_object_new (SLUICE_TYPE_TASK, NULL);

  self->scheduler = scheduler;
  self->sequence = sequence;
  self->mirror_id = snapshot->mirror_id;
  self->uri = g_strdup (snapshot->uri);
  self->shown_uri = g_strdup (snapshot->shown_uri);
  self->host = g_strdup (snapshot->host);
  self->kind = snapshot->kind;
  self->directory = g_strdup (snapshot->directory);
  /* As the engine's: the state a scheduler counts the task in at first. */
  self->state = snapshot->state;
  self->created = snapshot->created;
  self->created_wall = snapshot->created_wall;
  return self;
}

#define APPLY_VALUE(field, prop)                                          \
  G_STMT_START {                                                          \
    if (self->field != s->field)                                          \
      {                                                                   \
        self->field = s->field;                                           \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);     \
      }                                                                   \
  } G_STMT_END

#define APPLY_STRING(field, prop)                                         \
  G_STMT_START {                                                          \
    if (set_string (&self->field, s->field))                              \
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);       \
  } G_STMT_END

/* Makes a mirror show what the engine's task showed, notifying what
 * changed; a new state is counted by the scheduler as
 * _sluice_task_set_state() has it. */
void
_sluice_task_apply_snapshot (SluiceTask               *self,
                             const SluiceTaskSnapshot *s)
{
  SluiceTaskState old_state = self->state;
  gboolean timing_changed = self->started != s->started || self->finished != s->finished;
  gboolean bytes_changed = self->notified_bytes_received != s->bytes_received;
  gboolean total_changed = self->notified_bytes_total != s->bytes_total;

  g_object_freeze_notify (G_OBJECT (self));

  set_string (&self->directory, s->directory);
  self->interrupted = s->interrupted;
  APPLY_VALUE (held_by_host, PROP_HELD_BY_HOST);

  if (bytes_changed && self->scheduler != NULL)
    _sluice_scheduler_task_bytes_changed (self->scheduler, s->bytes_received - self->notified_bytes_received);
  self->bytes_received = self->notified_bytes_received = s->bytes_received;
  self->bytes_total = self->notified_bytes_total = s->bytes_total;
  if (bytes_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_RECEIVED]);
  if (total_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_TOTAL]);
  if (bytes_changed || total_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
  APPLY_VALUE (speed, PROP_SPEED);

  APPLY_VALUE (created, PROP_CREATED);
  APPLY_VALUE (created_wall, PROP_CREATED_WALL);
  APPLY_VALUE (started, PROP_STARTED);
  APPLY_VALUE (started_wall, PROP_STARTED_WALL);
  APPLY_VALUE (finished, PROP_FINISHED);
  APPLY_VALUE (finished_wall, PROP_FINISHED_WALL);
  APPLY_VALUE (attempt, PROP_ATTEMPT);
  APPLY_VALUE (retry_at, PROP_RETRY_AT);
  APPLY_VALUE (http_status, PROP_HTTP_STATUS);
  APPLY_STRING (final_uri, PROP_FINAL_URI);
  APPLY_STRING (content_type, PROP_CONTENT_TYPE);
  APPLY_VALUE (error_kind, PROP_ERROR_KIND);
  APPLY_STRING (error_message, PROP_ERROR_MESSAGE);
  _sluice_task_set_download_result (self, s->path, s->sha256);
  _sluice_task_set_scrape_result (self, s->title, (const char * const *) s->headings,
                                  s->link_count, s->description);

  if (timing_changed || old_state != s->state ||
      (bytes_changed && s->state == SLUICE_TASK_STATE_RUNNING))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELAPSED]);
  if (old_state != s->state)
    {
      self->state = s->state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
      if (self->scheduler != NULL)
        _sluice_scheduler_task_state_changed (self->scheduler, self, old_state);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

#undef APPLY_VALUE
#undef APPLY_STRING

/* Public API */

const char *
sluice_task_get_uri (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), NULL);
  return self->uri;
}

/**
 * sluice_task_get_shown_uri:
 *
 * The URL as people see it: any password it carries replaced by "***".
 * What the window shows and searches, and what exports and sessions keep.
 */
const char *
sluice_task_get_shown_uri (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), NULL);
  return self->shown_uri != NULL ? self->shown_uri : self->uri;
}

const char *
sluice_task_get_host (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), NULL);
  return self->host;
}

SluiceTaskKind
sluice_task_get_kind (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), 0);
  return self->kind;
}

SluiceTaskState
sluice_task_get_state (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), 0);
  return self->state;
}

gboolean
sluice_task_is_finished (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), FALSE);
  return self->state == SLUICE_TASK_STATE_DONE ||
         self->state == SLUICE_TASK_STATE_FAILED ||
         self->state == SLUICE_TASK_STATE_CANCELLED;
}

/* Holds a slot of the semaphore or is about to. */
gboolean
sluice_task_is_active (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), FALSE);
  return self->state == SLUICE_TASK_STATE_CONNECTING ||
         self->state == SLUICE_TASK_STATE_RUNNING;
}

gboolean
sluice_task_get_held_by_host (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), FALSE);
  return self->held_by_host;
}

gint64
sluice_task_get_bytes_received (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), 0);
  return self->notified_bytes_received;
}

gint64
sluice_task_get_bytes_total (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), -1);
  return self->notified_bytes_total;
}

double
sluice_task_get_fraction (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), -1);
  if (self->notified_bytes_total < 0)
    return -1;
  if (self->notified_bytes_total == 0)
    return self->state == SLUICE_TASK_STATE_DONE ? 1.0 : 0.0;
  return CLAMP ((double) self->notified_bytes_received / (double) self->notified_bytes_total, 0.0, 1.0);
}

double
sluice_task_get_speed (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), 0);
  return self->speed;
}

gint64
sluice_task_get_created (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), 0);
  return self->created;
}

gint64
sluice_task_get_started (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), 0);
  return self->started;
}

gint64
sluice_task_get_finished (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), 0);
  return self->finished;
}

gint64
sluice_task_get_created_wall (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), 0);
  return self->created_wall;
}

gint64
sluice_task_get_started_wall (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), 0);
  return self->started_wall;
}

gint64
sluice_task_get_finished_wall (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), 0);
  return self->finished_wall;
}

/* Seconds from the first connection to the end (or to now while running). */
double
sluice_task_get_elapsed (SluiceTask *self)
{
  gint64 end;

  g_return_val_if_fail (SLUICE_IS_TASK (self), 0);

  if (self->started == 0)
    return 0;
  end = self->finished != 0 ? self->finished : g_get_monotonic_time ();
  return (double) MAX (0, end - self->started) / G_USEC_PER_SEC;
}

guint
sluice_task_get_attempt (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), 0);
  return self->attempt;
}

gint64
sluice_task_get_retry_at (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), 0);
  return self->retry_at;
}

guint
sluice_task_get_http_status (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), 0);
  return self->http_status;
}

const char *
sluice_task_get_final_uri (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), NULL);
  return self->final_uri;
}

const char *
sluice_task_get_content_type (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), NULL);
  return self->content_type;
}

SluiceError
sluice_task_get_error_kind (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), SLUICE_ERROR_NONE);
  return self->error_kind;
}

const char *
sluice_task_get_error_message (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), NULL);
  return self->error_message;
}

const char *
sluice_task_get_path (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), NULL);
  return self->path;
}

const char *
sluice_task_get_sha256 (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), NULL);
  return self->sha256;
}

const char *
sluice_task_get_title (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), NULL);
  return self->title;
}

const char * const *
sluice_task_get_headings (SluiceTask *self)
{
  static const char * const empty[] = { NULL };

  g_return_val_if_fail (SLUICE_IS_TASK (self), empty);
  return self->headings != NULL ? (const char * const *) self->headings : empty;
}

guint
sluice_task_get_link_count (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), 0);
  return self->link_count;
}

const char *
sluice_task_get_description (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), NULL);
  return self->description;
}

/* What a person calls the task: the page title or file name once known. */
const char *
sluice_task_get_display_name (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), NULL);

  if (self->title != NULL && *self->title != '\0')
    return self->title;
  if (self->path != NULL)
    {
      const char *slash = strrchr (self->path, '/');
      return slash != NULL ? slash + 1 : self->path;
    }
  return sluice_task_get_shown_uri (self);
}

/**
 * sluice_task_cancel:
 *
 * Stops the task at once, whatever it is doing; a download's partial file
 * is deleted.  Does nothing to a finished task.
 */
void
sluice_task_cancel (SluiceTask *self)
{
  g_return_if_fail (SLUICE_IS_TASK (self));

  if (sluice_task_is_finished (self) || self->scheduler == NULL)
    return;
  _sluice_scheduler_cancel_task (self->scheduler, self);
}

/**
 * sluice_task_retry:
 *
 * Queues a failed or cancelled task again.  Returns %FALSE if the task is
 * in any other state.
 */
gboolean
sluice_task_retry (SluiceTask *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK (self), FALSE);

  if ((self->state != SLUICE_TASK_STATE_FAILED &&
       self->state != SLUICE_TASK_STATE_CANCELLED) ||
      self->scheduler == NULL)
    return FALSE;
  _sluice_scheduler_retry_task (self->scheduler, self);
  return TRUE;
}

const char *
sluice_task_state_to_nick (SluiceTaskState state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (SLUICE_TYPE_TASK_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  return value != NULL ? value->value_nick : "unknown";
}

const char *
sluice_task_kind_to_nick (SluiceTaskKind kind)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (SLUICE_TYPE_TASK_KIND);
  GEnumValue *value = g_enum_get_value (klass, kind);

  return value != NULL ? value->value_nick : "unknown";
}
