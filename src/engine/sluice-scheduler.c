/* sluice-scheduler.c
 *
 * The semaphore: at most max-concurrent transfers, at most max-per-host per
 * host.  Queued tasks wait in one FIFO per host; the next task to start is
 * the oldest head among hosts below their cap, so a busy host never blocks
 * the others.  A slot is held from the moment a transfer starts until its
 * callback has run, so the server never sees more than the limit, even
 * around cancellations.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "sluice-download.h"
#include "sluice-engine-thread.h"
#include "sluice-enums.h"
#include "sluice-rate-limiter.h"
#include "sluice-scheduler-private.h"
#include "sluice-scrape.h"
#include "sluice-sources.h"
#include "sluice-transfer.h"
#include "sluice-url-list.h"

#define DEFAULT_MAX_CONCURRENT 8
#define DEFAULT_MAX_PER_HOST   6
#define DEFAULT_TIMEOUT        30
#define DEFAULT_MAX_RETRIES    3
#define MAX_BACKOFF_SECONDS    60.0

typedef struct {
  char              *name;
  GQueue             queue;      /* SluiceTask*, unowned, by sequence */
  guint              n_running;
  SluiceRateLimiter *requests;
} Host;

struct _SluiceScheduler
{
  GObject            parent_instance;

  GPtrArray         *tasks;      /* owned, insertion order */
  GHashTable        *hosts;      /* name → Host */
  guint64            next_sequence;

  guint              max_concurrent;
  guint              max_per_host;
  guint              timeout;
  guint              max_retries;
  double             retry_delay;
  double             requests_per_second;
  guint64            max_bytes_per_second;
  int                io_priority;
  char              *download_directory;
  GHashTable        *reserved_names;
  SluiceRateLimiter *bandwidth;

  SoupSession       *session;
  guint              session_max_conns;
  guint              session_timeout;

  guint              n_running;  /* transfers in flight (the semaphore) */
  GHashTable        *running_tasks; /* SluiceTask* in state RUNNING, unowned */
  guint64            bytes_received; /* sum of the tasks' bytes-received */
  guint              n_state[SLUICE_TASK_STATE_CANCELLED + 1];
  gboolean           busy;
  guint              n_holds;    /* callers with more tasks still to add */

  guint              rate_wakeup;
  gint64             rate_wakeup_at;
  gboolean           dispatching;

  gboolean           shutting_down;

  /* Tasks waiting to retry, soonest first, behind one timer: ten thousand
   * timeout sources would make every main-loop iteration scan them all. */
  GSequence         *waiting;
  guint              retry_timer;
  gint64             retry_timer_at;
  GPtrArray         *shutdown_tasks; /* GTask* waiting for n_running == 0 */

  SluiceFileHook     file_hook;
  SluiceStateHook    state_hook;
  gpointer           hook_data;

  /* A front (sluice_scheduler_new_threaded()): its tasks mirror those of
   * a scheduler on the engine's thread, which runs them. */
  SluiceEngineThread *engine;
  GHashTable        *mirrors;    /* mirror id → SluiceTask* (ours) */
  gboolean           engine_shut_down;
  guint              engine_transfers; /* in flight there, as last heard */
  /* A back: the scheduler on an engine's thread, telling it of changes. */
  SluiceEngineThread *engine_back;
};

static void sluice_scheduler_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SluiceScheduler, sluice_scheduler, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      sluice_scheduler_list_model_iface_init))

enum {
  PROP_0,
  PROP_MAX_CONCURRENT,
  PROP_MAX_PER_HOST,
  PROP_TIMEOUT,
  PROP_MAX_RETRIES,
  PROP_RETRY_DELAY,
  PROP_REQUESTS_PER_SECOND,
  PROP_MAX_BYTES_PER_SECOND,
  PROP_DOWNLOAD_DIRECTORY,
  PROP_IO_PRIORITY,
  PROP_N_ITEMS,
  PROP_N_QUEUED,
  PROP_N_RUNNING,
  PROP_N_WAITING,
  PROP_N_DONE,
  PROP_N_FAILED,
  PROP_N_CANCELLED,
  PROP_BUSY,
  N_PROPS
};

enum {
  TASK_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void        dispatch       (SluiceScheduler *self);
static SluiceTask *append_task    (SluiceScheduler *self,
                                   const char      *uri,
                                   SluiceTaskKind   kind);
static void        announce_added (SluiceScheduler *self,
                                   guint            position,
                                   guint            added);

/* Hosts */

static void
host_free (gpointer data)
{
  Host *host = data;

  g_queue_clear (&host->queue);
  g_clear_pointer (&host->requests, sluice_rate_limiter_unref);
  g_free (host->name);
  g_free (host);
}

static Host *
ensure_host (SluiceScheduler *self,
             const char      *name)
{
  Host *host = g_hash_table_lookup (self->hosts, name);

  if (host == NULL)
    {
      host = g_new0 (Host, 1);
      host->name = g_strdup (name);
      g_queue_init (&host->queue);
      /* A burst of one: politeness means evenly spaced requests. */
      host->requests = sluice_rate_limiter_new (self->requests_per_second, 1);
      g_hash_table_insert (self->hosts, host->name, host);
    }
  return host;
}

static gint
compare_sequence (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  guint64 sa = _sluice_task_get_sequence ((SluiceTask *) a);
  guint64 sb = _sluice_task_get_sequence ((SluiceTask *) b);

  return sa < sb ? -1 : sa > sb;
}

static void
enqueue (SluiceScheduler *self,
         SluiceTask      *task)
{
  Host *host = ensure_host (self, sluice_task_get_host (task));
  GList *tail = host->queue.tail;

  /* New tasks go at the end; a retried one back into its place. */
  if (tail == NULL || compare_sequence (tail->data, task, NULL) < 0)
    g_queue_push_tail (&host->queue, task);
  else
    g_queue_insert_sorted (&host->queue, task, compare_sequence, NULL);
}

static void
dequeue (SluiceScheduler *self,
         SluiceTask      *task)
{
  Host *host = g_hash_table_lookup (self->hosts, sluice_task_get_host (task));

  if (host != NULL)
    g_queue_remove (&host->queue, task);
}

/* Counters */

static void
update_busy (SluiceScheduler *self)
{
  gboolean busy = self->n_running > 0 ||
                  self->engine_transfers > 0 ||
                  self->n_holds > 0 ||
                  self->n_state[SLUICE_TASK_STATE_QUEUED] > 0 ||
                  self->n_state[SLUICE_TASK_STATE_CONNECTING] > 0 ||
                  self->n_state[SLUICE_TASK_STATE_RUNNING] > 0 ||
                  self->n_state[SLUICE_TASK_STATE_WAITING_RETRY] > 0;

  if (busy != self->busy)
    {
      self->busy = busy;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
}

static GParamSpec *
state_pspec (SluiceTaskState state)
{
  switch (state)
    {
    case SLUICE_TASK_STATE_QUEUED: return properties[PROP_N_QUEUED];
    case SLUICE_TASK_STATE_CONNECTING:
    case SLUICE_TASK_STATE_RUNNING: return properties[PROP_N_RUNNING];
    case SLUICE_TASK_STATE_WAITING_RETRY: return properties[PROP_N_WAITING];
    case SLUICE_TASK_STATE_DONE: return properties[PROP_N_DONE];
    case SLUICE_TASK_STATE_FAILED: return properties[PROP_N_FAILED];
    case SLUICE_TASK_STATE_CANCELLED: return properties[PROP_N_CANCELLED];
    default: g_assert_not_reached ();
    }
}

void
_sluice_scheduler_task_state_changed (SluiceScheduler *self,
                                      SluiceTask      *task,
                                      SluiceTaskState  old_state)
{
  SluiceTaskState state = sluice_task_get_state (task);

  self->n_state[old_state]--;
  self->n_state[state]++;
  if (old_state == SLUICE_TASK_STATE_RUNNING)
    g_hash_table_remove (self->running_tasks, task);
  if (state == SLUICE_TASK_STATE_RUNNING)
    g_hash_table_add (self->running_tasks, task);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), state_pspec (old_state));
  g_object_notify_by_pspec (G_OBJECT (self), state_pspec (state));
  update_busy (self);
  g_object_thaw_notify (G_OBJECT (self));

  if (self->state_hook != NULL)
    self->state_hook (task, self->hook_data);
  /* Once per finish: a mirror cancelled here may hear that the engine's
   * task had failed or finished already. */
  if (sluice_task_is_finished (task) &&
      old_state != SLUICE_TASK_STATE_DONE && old_state != SLUICE_TASK_STATE_FAILED &&
      old_state != SLUICE_TASK_STATE_CANCELLED)
    g_signal_emit (self, signals[TASK_FINISHED], 0, task);
}

void
_sluice_scheduler_task_bytes_changed (SluiceScheduler *self,
                                      gint64           delta)
{
  self->bytes_received += (guint64) delta;
}

/* The session */

static SoupSession *
ensure_session (SluiceScheduler *self)
{
  g_autofree char *user_agent = NULL;

  if (self->session != NULL &&
      self->session_max_conns >= self->max_concurrent &&
      self->session_timeout == self->timeout)
    return self->session;

  /* Limits are construct-only: running transfers keep the old session
   * alive; new ones use a session sized for the new limits.  The cap per
   * host is ours, on the host a task names: libsoup's applies to the host
   * it connects to, so tasks of several hosts redirected to one would
   * queue inside it, out of our sight (and our watchdog's). */
  g_clear_object (&self->session);
  user_agent = g_strdup_printf ("Sluice/%s", PACKAGE_VERSION);
  self->session_max_conns = MAX (self->max_concurrent, self->session_max_conns);
  self->session_timeout = self->timeout;
  self->session = soup_session_new_with_options ("max-conns", self->session_max_conns,
                                                 "max-conns-per-host", self->session_max_conns,
                                                 "timeout", self->timeout,
                                                 "idle-timeout", 60,
                                                 "user-agent", user_agent,
                                                 NULL);
  return self->session;
}

/* Running tasks */

static void
complete_shutdown_if_idle (SluiceScheduler *self)
{
  /* A front is idle when its engine says so. */
  if (self->shutdown_tasks == NULL || self->n_running > 0 ||
      (self->engine != NULL && !self->engine_shut_down))
    return;

  for (guint i = 0; i < self->shutdown_tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (self->shutdown_tasks, i), TRUE);
  g_clear_pointer (&self->shutdown_tasks, g_ptr_array_unref);
}

#define RETRY_ITER_KEY "sluice-retry-iter"

static gint
compare_retry_at (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  gint64 ra = sluice_task_get_retry_at ((SluiceTask *) a);
  gint64 rb = sluice_task_get_retry_at ((SluiceTask *) b);

  if (ra != rb)
    return ra < rb ? -1 : 1;
  return compare_sequence (a, b, NULL);
}

static gboolean on_retry_timer (gpointer user_data);

static void
schedule_retry_timer (SluiceScheduler *self)
{
  GSequenceIter *first = g_sequence_get_begin_iter (self->waiting);
  gint64 at;

  if (g_sequence_iter_is_end (first))
    {
      g_clear_handle_id (&self->retry_timer, sluice_source_remove);
      return;
    }
  at = sluice_task_get_retry_at (g_sequence_get (first));
  if (self->retry_timer != 0 && self->retry_timer_at == at)
    return;
  g_clear_handle_id (&self->retry_timer, sluice_source_remove);
  self->retry_timer_at = at;
  self->retry_timer = sluice_timeout_add ((guint) CLAMP ((at - g_get_monotonic_time () + 999) / 1000, 0, G_MAXINT),
                                          on_retry_timer, self, "[sluice] retry");
}

static void
stop_waiting (SluiceScheduler *self,
              SluiceTask      *task)
{
  GSequenceIter *iter = g_object_steal_data (G_OBJECT (task), RETRY_ITER_KEY);

  if (iter != NULL)
    g_sequence_remove (iter);
}

static gboolean
on_retry_timer (gpointer user_data)
{
  SluiceScheduler *self = user_data;
  gint64 now = g_get_monotonic_time ();

  self->retry_timer = 0;
  while (!g_sequence_is_empty (self->waiting))
    {
      SluiceTask *task = g_sequence_get (g_sequence_get_begin_iter (self->waiting));

      /* A millisecond early is due: the timer's resolution. */
      if (sluice_task_get_retry_at (task) > now + 1000)
        break;
      stop_waiting (self, task);
      _sluice_task_set_state (task, SLUICE_TASK_STATE_QUEUED);
      enqueue (self, task);
    }
  dispatch (self);
  schedule_retry_timer (self);
  return G_SOURCE_REMOVE;
}

static gint64
backoff_us (SluiceScheduler *self,
            guint            attempt)
{
  double seconds = self->retry_delay * (double) (1u << MIN (attempt - 1, 16));

  seconds = MIN (seconds, MAX_BACKOFF_SECONDS);
  /* ±20 % so a batch that failed together does not retry in lockstep. */
  seconds *= g_random_double_range (0.8, 1.2);
  return (gint64) (seconds * G_USEC_PER_SEC);
}

static void
wait_for_retry (SluiceScheduler *self,
                SluiceTask      *task,
                gint64           delay_us)
{
  GSequenceIter *iter;

  _sluice_task_set_retry_at (task, g_get_monotonic_time () + delay_us);
  _sluice_task_set_state (task, SLUICE_TASK_STATE_WAITING_RETRY);
  iter = g_sequence_insert_sorted (self->waiting, task, compare_retry_at, NULL);
  g_object_set_data (G_OBJECT (task), RETRY_ITER_KEY, iter);
  schedule_retry_timer (self);
}

static void
on_transfer_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SluiceScheduler) self = user_data;
  SluiceTransfer *transfer = SLUICE_TRANSFER (source);
  SluiceTask *task = sluice_transfer_get_task (transfer);
  SluiceSink *sink = _sluice_task_get_sink (task);
  Host *host = g_hash_table_lookup (self->hosts, sluice_task_get_host (task));
  g_autoptr(GError) error = NULL;
  gboolean retryable = FALSE;
  gint64 retry_after = -1;
  gboolean current;
  gboolean ok;

  ok = sluice_transfer_run_finish (transfer, result, &retryable, &retry_after, &error);

  g_assert (self->n_running > 0 && host != NULL && host->n_running > 0);
  self->n_running--;
  host->n_running--;
  if (self->engine_back != NULL)
    _sluice_engine_thread_running_changed (self->engine_back);

  /* Let go of the attempt before the state changes: a handler of the
   * change may retry (and start a new attempt) or cancel. */
  current = _sluice_task_get_transfer (task) == transfer;
  if (current)
    {
      _sluice_task_set_transfer (task, NULL);
    }

  if (!current || sluice_task_get_state (task) == SLUICE_TASK_STATE_CANCELLED)
    {
      /* Cancelled (and perhaps retried since): this attempt's outcome no
       * longer matters, and cancel_task() already cleaned up. */
    }
  else if (ok)
    {
      /* An earlier attempt's error is history once one succeeds. */
      _sluice_task_set_error (task, SLUICE_ERROR_NONE, NULL);
      _sluice_task_set_state (task, SLUICE_TASK_STATE_DONE);
    }
  else if (retryable && sluice_task_get_attempt (task) <= self->max_retries && !self->shutting_down)
    {
      sluice_sink_abort (sink, FALSE);
      _sluice_task_set_error (task, error->code, error->message);
      wait_for_retry (self, task, retry_after >= 0 ? retry_after
                                                   : backoff_us (self, sluice_task_get_attempt (task)));
    }
  else
    {
      sluice_sink_abort (sink, TRUE);
      _sluice_task_set_error (task, error->code, error->message);
      _sluice_task_set_state (task, SLUICE_TASK_STATE_FAILED);
    }

  /* A finished task keeps its results, not its sink: no open folder, no
   * checksum state, for each of thousands of finished tasks.  (A retry
   * makes a new one.) */
  if (current && sluice_task_is_finished (task) && !self->shutting_down)
    _sluice_task_set_sink (task, NULL);

  g_object_unref (transfer);
  update_busy (self);
  dispatch (self);
  complete_shutdown_if_idle (self);
}

static void
start_task (SluiceScheduler *self,
            Host            *host,
            SluiceTask      *task)
{
  SluiceTransfer *transfer;
  SluiceSink *sink;

  self->n_running++;
  host->n_running++;
  if (self->engine_back != NULL)
    _sluice_engine_thread_running_changed (self->engine_back);

  sink = _sluice_task_get_sink (task);
  if (sink == NULL)
    {
      g_autoptr(SluiceSink) new_sink = NULL;

      if (sluice_task_get_kind (task) == SLUICE_TASK_KIND_DOWNLOAD)
        {
          const char *directory = _sluice_task_get_directory (task);

          new_sink = SLUICE_SINK (sluice_download_new (task,
                                                       directory != NULL ? directory : self->download_directory,
                                                       self->reserved_names));
        }
      else
        new_sink = SLUICE_SINK (sluice_scrape_new (task));
      _sluice_task_set_sink (task, new_sink);
      sink = new_sink;
    }

  transfer = sluice_transfer_new (ensure_session (self), task, sink,
                                  self->bandwidth, self->timeout);
  sluice_transfer_set_io_priority (transfer, self->io_priority);
  _sluice_task_set_transfer (task, transfer);

  _sluice_task_begin_attempt (task);
  _sluice_task_set_state (task, SLUICE_TASK_STATE_CONNECTING);
  sluice_transfer_run_async (transfer, NULL, on_transfer_done, g_object_ref (self));
}

static gboolean
on_rate_wakeup (gpointer user_data)
{
  SluiceScheduler *self = user_data;

  self->rate_wakeup = 0;
  dispatch (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_rate_wakeup (SluiceScheduler *self,
                      guint            delay_ms)
{
  gint64 at = g_get_monotonic_time () + (gint64) delay_ms * 1000;

  if (self->rate_wakeup != 0 && self->rate_wakeup_at <= at)
    return;
  g_clear_handle_id (&self->rate_wakeup, sluice_source_remove);
  self->rate_wakeup_at = at;
  self->rate_wakeup = sluice_timeout_add (MAX (1, delay_ms), on_rate_wakeup, self, "[sluice] request rate");
}

static void
dispatch (SluiceScheduler *self)
{
  guint rate_delay = G_MAXUINT;

  if (self->dispatching || self->shutting_down || self->engine != NULL)
    return;
  self->dispatching = TRUE;

  while (self->n_running < self->max_concurrent)
    {
      GHashTableIter iter;
      Host *host;
      Host *best = NULL;
      SluiceTask *best_task = NULL;

      g_hash_table_iter_init (&iter, self->hosts);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &host))
        {
          SluiceTask *head = g_queue_peek_head (&host->queue);
          guint delay;

          if (head == NULL || host->n_running >= self->max_per_host)
            continue;
          delay = sluice_rate_limiter_delay_ms (host->requests);
          if (delay > 0)
            {
              rate_delay = MIN (rate_delay, delay);
              continue;
            }
          if (best_task == NULL || compare_sequence (head, best_task, NULL) < 0)
            {
              best = host;
              best_task = head;
            }
        }

      if (best == NULL)
        break;

      g_queue_pop_head (&best->queue);
      sluice_rate_limiter_take (best->requests, 1);
      start_task (self, best, best_task);
    }

  if (rate_delay != G_MAXUINT)
    schedule_rate_wakeup (self, rate_delay);

  /* Each host's next task says when its host's cap is what holds it back
   * (a slot is free), and stops saying so when that is no longer true. */
  {
    gboolean slot_free = self->n_running < self->max_concurrent;
    GHashTableIter iter;
    Host *host;

    g_hash_table_iter_init (&iter, self->hosts);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &host))
      {
        SluiceTask *head = g_queue_peek_head (&host->queue);

        if (head != NULL)
          _sluice_task_set_held_by_host (head, slot_free && host->n_running >= self->max_per_host);
      }
  }

  self->dispatching = FALSE;
}

/* Cancel and retry */

static void
cancel_task (SluiceScheduler *self,
             SluiceTask      *task,
             gboolean         discard,
             const char      *message)
{
  SluiceSink *sink = _sluice_task_get_sink (task);

  switch (sluice_task_get_state (task))
    {
    case SLUICE_TASK_STATE_QUEUED:
      dequeue (self, task);
      break;
    case SLUICE_TASK_STATE_WAITING_RETRY:
      stop_waiting (self, task);
      schedule_retry_timer (self);
      break;
    case SLUICE_TASK_STATE_CONNECTING:
    case SLUICE_TASK_STATE_RUNNING:
      /* The transfer stops touching the sink at once; its slot is given
       * back when its callback runs. */
      if (_sluice_task_get_transfer (task) != NULL)
        sluice_transfer_cancel (_sluice_task_get_transfer (task));
      /* The attempt is orphaned: whatever it reports later is ignored,
       * even if the task is retried before then. */
      _sluice_task_set_transfer (task, NULL);
      break;
    case SLUICE_TASK_STATE_DONE:
    case SLUICE_TASK_STATE_FAILED:
    case SLUICE_TASK_STATE_CANCELLED:
    default:
      return;
    }

  if (sink != NULL)
    sluice_sink_abort (sink, discard);
  _sluice_task_set_error (task, SLUICE_ERROR_CANCELLED, message);
  _sluice_task_set_state (task, SLUICE_TASK_STATE_CANCELLED);
}

/* Mirrors: commands run on the engine's thread */

/* Runs a command on the task a mirror id names.  The front changed its
 * own task at once: it hears back even if nothing changed here (the task
 * was done by then). */
static void
on_task_named (SluiceScheduler *back,
               gpointer         mirror_id,
               gboolean         retry)
{
  SluiceTask *task = _sluice_engine_thread_lookup (back->engine_back, GPOINTER_TO_UINT (mirror_id));

  if (task == NULL)
    return;
  if (retry)
    sluice_task_retry (task);
  else
    sluice_task_cancel (task);
  _sluice_engine_thread_task_changed (back->engine_back, task);
}

static void
back_cancel (SluiceScheduler *back,
             gpointer         data)
{
  on_task_named (back, data, FALSE);
}

static void
back_retry (SluiceScheduler *back,
            gpointer         data)
{
  on_task_named (back, data, TRUE);
}

static void
post_to_task (SluiceScheduler  *self,
              SluiceTask       *task,
              SluiceEngineFunc  func)
{
  guint64 serial = _sluice_engine_thread_post (self->engine, func,
                                               GUINT_TO_POINTER (_sluice_task_get_mirror_id (task)), NULL);

  _sluice_task_set_mirror_serial (task, serial);
}

/* A mirror's command is posted (and its serial noted) before the mirror
 * changes itself: a handler of the change sees nothing older after it. */
void
_sluice_scheduler_cancel_task (SluiceScheduler *self,
                               SluiceTask      *task)
{
  if (self->engine != NULL)
    post_to_task (self, task, back_cancel);
  cancel_task (self, task, TRUE, _("Cancelled"));
  dispatch (self);
}

void
_sluice_scheduler_retry_task (SluiceScheduler *self,
                              SluiceTask      *task)
{
  if (self->shutting_down)
    return;
  if (self->engine != NULL)
    post_to_task (self, task, back_retry);
  _sluice_task_clear_results (task);
  _sluice_task_set_state (task, SLUICE_TASK_STATE_QUEUED);
  if (self->engine == NULL)
    enqueue (self, task);
  dispatch (self);
}

/* For SluiceSession */

void
_sluice_scheduler_set_hooks (SluiceScheduler *self,
                             SluiceFileHook   file_changing,
                             SluiceStateHook  state_changed,
                             gpointer         user_data)
{
  g_return_if_fail (SLUICE_IS_SCHEDULER (self));
  /* One session per scheduler. */
  g_return_if_fail (file_changing == NULL || self->file_hook == NULL);

  self->file_hook = file_changing;
  self->state_hook = state_changed;
  self->hook_data = user_data;
}

void
_sluice_scheduler_file_changing (SluiceScheduler *self,
                                 SluiceTask      *task)
{
  if (self->file_hook != NULL)
    self->file_hook (task, self->hook_data);
}

GHashTable *
_sluice_scheduler_get_reserved_names (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), NULL);
  return self->reserved_names;
}

void
_sluice_scheduler_restore_tasks (SluiceScheduler *self,
                                 GPtrArray       *tasks)
{
  guint position;

  g_return_if_fail (SLUICE_IS_SCHEDULER (self));
  g_return_if_fail (tasks != NULL);

  if (self->shutting_down || tasks->len == 0)
    return;
  /* Nothing can be in flight in a task that was never started here. */
  for (guint i = 0; i < tasks->len; i++)
    {
      SluiceTask *task = g_ptr_array_index (tasks, i);

      g_return_if_fail (sluice_task_get_state (task) == SLUICE_TASK_STATE_QUEUED ||
                        sluice_task_is_finished (task));
    }

  position = self->tasks->len;
  for (guint i = 0; i < tasks->len; i++)
    {
      SluiceTask *task = g_ptr_array_index (tasks, i);
      SluiceTaskState state = sluice_task_get_state (task);

      _sluice_task_attach (task, self, self->next_sequence++);
      g_ptr_array_add (self->tasks, g_object_ref (task));
      self->n_state[state]++;
      self->bytes_received += (guint64) sluice_task_get_bytes_received (task);
      if (state == SLUICE_TASK_STATE_QUEUED)
        enqueue (self, task);
    }

  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, tasks->len);
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  for (SluiceTaskState state = SLUICE_TASK_STATE_QUEUED; state <= SLUICE_TASK_STATE_CANCELLED; state++)
    g_object_notify_by_pspec (G_OBJECT (self), state_pspec (state));
  update_busy (self);
  g_object_thaw_notify (G_OBJECT (self));
  if (self->engine_back != NULL)
    _sluice_engine_thread_tasks_added (self->engine_back, tasks);
  dispatch (self);
}

/* Mirrors: the front's side */

void
_sluice_scheduler_task_changed (SluiceScheduler *self,
                                SluiceTask      *task)
{
  if (self->engine_back != NULL)
    _sluice_engine_thread_task_changed (self->engine_back, task);
}

void
_sluice_scheduler_set_engine (SluiceScheduler    *self,
                              SluiceEngineThread *engine)
{
  self->engine_back = engine;
}

static void
do_nothing (SluiceScheduler *back,
            gpointer         data)
{
}

void
_sluice_scheduler_sync (SluiceScheduler *self)
{
  if (self->engine != NULL)
    _sluice_engine_thread_call (self->engine, do_nothing, NULL);
}

SluiceEngineThread *
_sluice_scheduler_get_engine (SluiceScheduler *self)
{
  return self->engine;
}

guint
_sluice_scheduler_get_n_transfers (SluiceScheduler *self)
{
  return self->n_running;
}

void
_sluice_scheduler_apply_mirror (SluiceScheduler *self,
                                guint64          commands_done,
                                guint64          batch,
                                guint            n_transfers,
                                GPtrArray       *added,
                                GPtrArray       *changed)
{
  g_object_freeze_notify (G_OBJECT (self));
  self->engine_transfers = n_transfers;

  /* Tasks the engine made itself (a restored session) join at the end. */
  if (added->len > 0)
    {
      guint position = self->tasks->len;

      for (guint i = 0; i < added->len; i++)
        {
          SluiceTaskSnapshot *snapshot = g_ptr_array_index (added, i);
          SluiceTask *task = _sluice_task_new_mirror (self, snapshot, self->next_sequence++);

          g_ptr_array_add (self->tasks, task);
          g_hash_table_insert (self->mirrors, GUINT_TO_POINTER (_sluice_task_get_mirror_id (task)), task);
          self->n_state[sluice_task_get_state (task)]++;
          _sluice_task_apply_snapshot (task, snapshot);
          _sluice_task_set_mirror_batch (task, batch);
        }
      g_list_model_items_changed (G_LIST_MODEL (self), position, 0, added->len);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
      for (SluiceTaskState state = SLUICE_TASK_STATE_QUEUED; state <= SLUICE_TASK_STATE_CANCELLED; state++)
        g_object_notify_by_pspec (G_OBJECT (self), state_pspec (state));
    }

  for (guint i = 0; i < changed->len; i++)
    {
      SluiceTaskSnapshot *snapshot = g_ptr_array_index (changed, i);
      SluiceTask *task = g_hash_table_lookup (self->mirrors,
                                              GUINT_TO_POINTER (_sluice_task_snapshot_get_mirror_id (snapshot)));

      /* Gone, changed here by a command the engine had not run yet, or
       * (batches delivered from within a handler of an earlier one) shown
       * as something newer already. */
      if (task == NULL || _sluice_task_get_mirror_serial (task) > commands_done ||
          _sluice_task_get_mirror_batch (task) >= batch)
        continue;
      _sluice_task_set_mirror_batch (task, batch);
      _sluice_task_apply_snapshot (task, snapshot);
    }
  update_busy (self);

  g_object_thaw_notify (G_OBJECT (self));
}

typedef struct {
  guint           id;
  char           *uri;
  SluiceTaskKind  kind;
  char           *directory;
} AddedTask;

static void
added_task_clear (gpointer data)
{
  AddedTask *added = data;

  g_free (added->uri);
  g_free (added->directory);
}

static void
back_add (SluiceScheduler *back,
          gpointer         data)
{
  GArray *tasks = data;
  guint position = back->tasks->len;
  guint n = 0;

  for (guint i = 0; i < tasks->len; i++)
    {
      AddedTask *added = &g_array_index (tasks, AddedTask, i);
      SluiceTask *task = append_task (back, added->uri, added->kind);

      /* The front took it from the same parser: it cannot fail here. */
      if (task == NULL)
        {
          g_critical ("A task mirrored from the window has an unusable URL: %s", added->uri);
          continue;
        }
      if (added->directory != NULL)
        _sluice_task_set_directory (task, added->directory);
      _sluice_task_set_mirror_id (task, added->id);
      _sluice_engine_thread_remember (back->engine_back, added->id, task);
      n++;
    }
  announce_added (back, position, n);
}

/* The front's tasks from position on go to the engine. */
static void
post_added (SluiceScheduler *self,
            guint            position)
{
  GArray *tasks;

  if (self->engine == NULL || position >= self->tasks->len)
    return;
  tasks = g_array_sized_new (FALSE, TRUE, sizeof (AddedTask), self->tasks->len - position);
  g_array_set_clear_func (tasks, added_task_clear);
  for (guint i = position; i < self->tasks->len; i++)
    {
      SluiceTask *task = g_ptr_array_index (self->tasks, i);
      AddedTask added = {
        .id = _sluice_task_get_mirror_id (task),
        .uri = g_strdup (sluice_task_get_uri (task)),
        .kind = sluice_task_get_kind (task),
        .directory = g_strdup (_sluice_task_get_directory (task)),
      };

      g_array_append_val (tasks, added);
    }
  _sluice_engine_thread_post (self->engine, back_add, tasks, (GDestroyNotify) g_array_unref);
}

/* GListModel */

static GType
sluice_scheduler_get_item_type (GListModel *model)
{
  return SLUICE_TYPE_TASK;
}

static guint
sluice_scheduler_get_n_items (GListModel *model)
{
  return SLUICE_SCHEDULER (model)->tasks->len;
}

static gpointer
sluice_scheduler_get_item (GListModel *model,
                           guint       position)
{
  SluiceScheduler *self = SLUICE_SCHEDULER (model);

  if (position >= self->tasks->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->tasks, position));
}

static void
sluice_scheduler_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = sluice_scheduler_get_item_type;
  iface->get_n_items = sluice_scheduler_get_n_items;
  iface->get_item = sluice_scheduler_get_item;
}

/* GObject */

static void
sluice_scheduler_dispose (GObject *object)
{
  SluiceScheduler *self = (SluiceScheduler *) object;

  /* Transfers hold a reference to us, so nothing runs by now; tasks may
   * outlive the scheduler in a view, so detach them. */
  for (guint i = 0; i < self->tasks->len; i++)
    {
      SluiceTask *task = g_ptr_array_index (self->tasks, i);

      stop_waiting (self, task);
      if (sluice_task_get_state (task) == SLUICE_TASK_STATE_WAITING_RETRY &&
          _sluice_task_get_sink (task) != NULL)
        sluice_sink_abort (_sluice_task_get_sink (task), TRUE);
      _sluice_task_detach (task);
    }
  g_ptr_array_set_size (self->tasks, 0);
  g_hash_table_remove_all (self->running_tasks);
  self->bytes_received = 0;
  g_hash_table_remove_all (self->hosts);
  g_clear_handle_id (&self->rate_wakeup, sluice_source_remove);
  g_clear_handle_id (&self->retry_timer, sluice_source_remove);
  g_clear_object (&self->session);
  if (self->engine != NULL)
    {
      _sluice_engine_thread_detach_front (self->engine);
      g_clear_pointer (&self->engine, _sluice_engine_thread_unref);
    }
  if (self->mirrors != NULL)
    g_hash_table_remove_all (self->mirrors);

  G_OBJECT_CLASS (sluice_scheduler_parent_class)->dispose (object);
}

static void
sluice_scheduler_finalize (GObject *object)
{
  SluiceScheduler *self = (SluiceScheduler *) object;

  g_clear_pointer (&self->tasks, g_ptr_array_unref);
  g_clear_pointer (&self->waiting, g_sequence_free);
  g_clear_pointer (&self->hosts, g_hash_table_unref);
  g_clear_pointer (&self->running_tasks, g_hash_table_unref);
  g_clear_pointer (&self->mirrors, g_hash_table_unref);
  g_clear_pointer (&self->reserved_names, g_hash_table_unref);
  g_clear_pointer (&self->bandwidth, sluice_rate_limiter_unref);
  g_clear_pointer (&self->download_directory, g_free);

  G_OBJECT_CLASS (sluice_scheduler_parent_class)->finalize (object);
}

static void
sluice_scheduler_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SluiceScheduler *self = SLUICE_SCHEDULER (object);

  switch (prop_id)
    {
    case PROP_MAX_CONCURRENT: g_value_set_uint (value, self->max_concurrent); break;
    case PROP_MAX_PER_HOST: g_value_set_uint (value, self->max_per_host); break;
    case PROP_TIMEOUT: g_value_set_uint (value, self->timeout); break;
    case PROP_MAX_RETRIES: g_value_set_uint (value, self->max_retries); break;
    case PROP_RETRY_DELAY: g_value_set_double (value, self->retry_delay); break;
    case PROP_REQUESTS_PER_SECOND: g_value_set_double (value, self->requests_per_second); break;
    case PROP_MAX_BYTES_PER_SECOND: g_value_set_uint64 (value, self->max_bytes_per_second); break;
    case PROP_DOWNLOAD_DIRECTORY: g_value_set_string (value, self->download_directory); break;
    case PROP_IO_PRIORITY: g_value_set_int (value, self->io_priority); break;
    case PROP_N_ITEMS: g_value_set_uint (value, self->tasks->len); break;
    case PROP_N_QUEUED: g_value_set_uint (value, sluice_scheduler_get_n_queued (self)); break;
    case PROP_N_RUNNING: g_value_set_uint (value, sluice_scheduler_get_n_running (self)); break;
    case PROP_N_WAITING: g_value_set_uint (value, sluice_scheduler_get_n_waiting (self)); break;
    case PROP_N_DONE: g_value_set_uint (value, sluice_scheduler_get_n_done (self)); break;
    case PROP_N_FAILED: g_value_set_uint (value, sluice_scheduler_get_n_failed (self)); break;
    case PROP_N_CANCELLED: g_value_set_uint (value, sluice_scheduler_get_n_cancelled (self)); break;
    case PROP_BUSY: g_value_set_boolean (value, self->busy); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_scheduler_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SluiceScheduler *self = SLUICE_SCHEDULER (object);

  switch (prop_id)
    {
    case PROP_MAX_CONCURRENT: sluice_scheduler_set_max_concurrent (self, g_value_get_uint (value)); break;
    case PROP_MAX_PER_HOST: sluice_scheduler_set_max_per_host (self, g_value_get_uint (value)); break;
    case PROP_TIMEOUT: sluice_scheduler_set_timeout (self, g_value_get_uint (value)); break;
    case PROP_MAX_RETRIES: sluice_scheduler_set_max_retries (self, g_value_get_uint (value)); break;
    case PROP_RETRY_DELAY: sluice_scheduler_set_retry_delay (self, g_value_get_double (value)); break;
    case PROP_REQUESTS_PER_SECOND: sluice_scheduler_set_requests_per_second (self, g_value_get_double (value)); break;
    case PROP_MAX_BYTES_PER_SECOND: sluice_scheduler_set_max_bytes_per_second (self, g_value_get_uint64 (value)); break;
    case PROP_DOWNLOAD_DIRECTORY: sluice_scheduler_set_download_directory (self, g_value_get_string (value)); break;
    case PROP_IO_PRIORITY: self->io_priority = g_value_get_int (value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

typedef struct {
  GParamSpec *pspec;
  GValue      value;
} Setting;

static void
setting_free (Setting *setting)
{
  g_value_unset (&setting->value);
  g_free (setting);
}

static void
back_set (SluiceScheduler *back,
          gpointer         data)
{
  Setting *setting = data;

  g_object_set_property (G_OBJECT (back), setting->pspec->name, &setting->value);
}

/* A front passes its settings on to its engine as they change (the
 * engine's main context has nothing else to run: io-priority stays). */
static void
sluice_scheduler_dispatch_properties_changed (GObject     *object,
                                              guint        n_pspecs,
                                              GParamSpec **pspecs)
{
  SluiceScheduler *self = (SluiceScheduler *) object;

  G_OBJECT_CLASS (sluice_scheduler_parent_class)->dispatch_properties_changed (object, n_pspecs, pspecs);
  if (self->engine == NULL)
    return;
  for (guint i = 0; i < n_pspecs; i++)
    {
      Setting *setting;

      if (!(pspecs[i]->flags & G_PARAM_WRITABLE) || pspecs[i] == properties[PROP_IO_PRIORITY])
        continue;
      setting = g_new0 (Setting, 1);
      setting->pspec = pspecs[i];
      g_value_init (&setting->value, pspecs[i]->value_type);
      g_object_get_property (object, pspecs[i]->name, &setting->value);
      _sluice_engine_thread_post (self->engine, back_set, setting, (GDestroyNotify) setting_free);
    }
}

#define RW (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)
#define RO (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

static void
sluice_scheduler_class_init (SluiceSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sluice_scheduler_dispose;
  object_class->finalize = sluice_scheduler_finalize;
  object_class->get_property = sluice_scheduler_get_property;
  object_class->set_property = sluice_scheduler_set_property;
  object_class->dispatch_properties_changed = sluice_scheduler_dispatch_properties_changed;

  properties[PROP_MAX_CONCURRENT] =
    g_param_spec_uint ("max-concurrent", NULL, NULL, 1, 1024, DEFAULT_MAX_CONCURRENT, RW);
  properties[PROP_MAX_PER_HOST] =
    g_param_spec_uint ("max-per-host", NULL, NULL, 1, 1024, DEFAULT_MAX_PER_HOST, RW);
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, 3600, DEFAULT_TIMEOUT, RW);
  properties[PROP_MAX_RETRIES] =
    g_param_spec_uint ("max-retries", NULL, NULL, 0, 100, DEFAULT_MAX_RETRIES, RW);
  properties[PROP_RETRY_DELAY] =
    g_param_spec_double ("retry-delay", NULL, NULL, 0, MAX_BACKOFF_SECONDS, 1.0, RW);
  properties[PROP_REQUESTS_PER_SECOND] =
    g_param_spec_double ("requests-per-second", NULL, NULL, 0, 10000, 0, RW);
  properties[PROP_MAX_BYTES_PER_SECOND] =
    g_param_spec_uint64 ("max-bytes-per-second", NULL, NULL, 0, G_MAXUINT64, 0, RW);
  properties[PROP_DOWNLOAD_DIRECTORY] =
    g_param_spec_string ("download-directory", NULL, NULL, NULL, RW);
  /* A window sets this below GTK's redraw priority, so painting is never
   * starved by a loopback-fast batch; headless runs keep the default. */
  properties[PROP_IO_PRIORITY] =
    g_param_spec_int ("io-priority", NULL, NULL, G_MININT, G_MAXINT, G_PRIORITY_DEFAULT,
                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_N_QUEUED] = g_param_spec_uint ("n-queued", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_N_RUNNING] = g_param_spec_uint ("n-running", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_N_WAITING] = g_param_spec_uint ("n-waiting", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_N_DONE] = g_param_spec_uint ("n-done", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_N_FAILED] = g_param_spec_uint ("n-failed", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_N_CANCELLED] = g_param_spec_uint ("n-cancelled", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, RO);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SluiceScheduler::task-finished:
   *
   * A task reached done, failed or cancelled.
   */
  signals[TASK_FINISHED] =
    g_signal_new ("task-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SLUICE_TYPE_TASK);
}

static void
sluice_scheduler_init (SluiceScheduler *self)
{
  self->tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->waiting = g_sequence_new (NULL);
  self->running_tasks = g_hash_table_new (NULL, NULL);
  self->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, host_free);
  self->reserved_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->max_concurrent = DEFAULT_MAX_CONCURRENT;
  self->max_per_host = DEFAULT_MAX_PER_HOST;
  self->timeout = DEFAULT_TIMEOUT;
  self->max_retries = DEFAULT_MAX_RETRIES;
  self->retry_delay = 1.0;
  self->io_priority = G_PRIORITY_DEFAULT;
  self->bandwidth = sluice_rate_limiter_new (0, 1);
  self->download_directory = g_strdup (g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD));
  if (self->download_directory == NULL)
    self->download_directory = g_strdup (g_get_home_dir ());
}

SluiceScheduler *
sluice_scheduler_new (void)
{
  return g_object_new (SLUICE_TYPE_SCHEDULER, NULL);
}

/**
 * sluice_scheduler_new_threaded:
 *
 * A scheduler whose transfers, disk writes and session run on a thread of
 * their own, so that a window painting on this one neither slows them nor
 * is slowed by them.  Its tasks mirror the engine's: they change a few
 * times a frame, on this thread's main context, and what is done to them
 * here (cancel, retry) shows at once.
 */
SluiceScheduler *
sluice_scheduler_new_threaded (void)
{
  SluiceScheduler *self = g_object_new (SLUICE_TYPE_SCHEDULER, NULL);

  self->mirrors = g_hash_table_new (NULL, NULL);
  self->engine = _sluice_engine_thread_new (self);
  return self;
}

/* Adding and removing */

/* An http or https URL as tasks hold it, or NULL. */
static GUri *
parse_web_uri (const char *uri)
{
  g_autoptr(GUri) guri = g_uri_parse (uri, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
  const char *scheme;

  if (guri == NULL)
    return NULL;
  scheme = g_uri_get_scheme (guri);
  if ((g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      g_uri_get_host (guri) == NULL || *g_uri_get_host (guri) == '\0')
    return NULL;
  return g_steal_pointer (&guri);
}

static char *
task_key (const char     *uri,
          SluiceTaskKind  kind)
{
  return g_strdup_printf ("%d %s", kind, uri);
}

static SluiceTask *
append_task (SluiceScheduler *self,
             const char      *uri,
             SluiceTaskKind   kind)
{
  g_autoptr(GUri) guri = parse_web_uri (uri);
  SluiceTask *task;

  if (guri == NULL)
    return NULL;

  task = _sluice_task_new (self, guri, kind, self->next_sequence++);
  g_ptr_array_add (self->tasks, task);
  self->n_state[SLUICE_TASK_STATE_QUEUED]++;
  if (self->engine != NULL)
    {
      /* The engine's copy runs it. */
      guint id = _sluice_engine_thread_next_id (self->engine);

      _sluice_task_drop_guri (task);
      _sluice_task_set_mirror_id (task, id);
      g_hash_table_insert (self->mirrors, GUINT_TO_POINTER (id), task);
    }
  else
    enqueue (self, task);
  return task;
}

static void
announce_added (SluiceScheduler *self,
                guint            position,
                guint            added)
{
  if (added == 0)
    return;
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, added);
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_QUEUED]);
  update_busy (self);
  g_object_thaw_notify (G_OBJECT (self));
  dispatch (self);
}

SluiceTask *
sluice_scheduler_add (SluiceScheduler *self,
                      const char      *uri,
                      SluiceTaskKind   kind)
{
  guint position;
  SluiceTask *task;

  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  position = self->tasks->len;
  task = append_task (self, uri, kind);
  /* The engine starts before views here hear of it. */
  post_added (self, position);
  announce_added (self, position, task != NULL ? 1 : 0);
  return task;
}

guint
sluice_scheduler_add_many (SluiceScheduler    *self,
                           const char * const *uris,
                           SluiceTaskKind      kind)
{
  return sluice_scheduler_add_many_full (self, uris, kind, NULL);
}

/**
 * sluice_scheduler_add_many_full:
 * @directory: (nullable): where these downloads go, instead of
 *   #SluiceScheduler:download-directory
 */
guint
sluice_scheduler_add_many_full (SluiceScheduler    *self,
                                const char * const *uris,
                                SluiceTaskKind      kind,
                                const char         *directory)
{
  guint position;
  guint added = 0;

  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  g_return_val_if_fail (uris != NULL, 0);

  position = self->tasks->len;
  for (guint i = 0; uris[i] != NULL; i++)
    {
      SluiceTask *task = append_task (self, uris[i], kind);

      if (task == NULL)
        continue;
      if (directory != NULL)
        _sluice_task_set_directory (task, directory);
      added++;
    }
  post_added (self, position);
  announce_added (self, position, added);
  return added;
}

/* Failed or cancelled: over, without its result. */
static gboolean
is_over_unfinished (SluiceTask *task)
{
  SluiceTaskState state = sluice_task_get_state (task);

  return state == SLUICE_TASK_STATE_FAILED || state == SLUICE_TASK_STATE_CANCELLED;
}

guint
sluice_scheduler_add_many_unique (SluiceScheduler    *self,
                                  const char * const *uris,
                                  SluiceTaskKind      kind,
                                  const char         *directory)
{
  g_autoptr(GHashTable) by_uri = NULL;
  g_autoptr(GHashTable) by_shown_uri = NULL;
  g_autoptr(GPtrArray) fresh = NULL;
  guint retried = 0;

  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  g_return_val_if_fail (uris != NULL, 0);

  /* A task restored from a session has only its shown URL (no password):
   * it matches a given URL by that. */
  by_uri = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  by_shown_uri = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < self->tasks->len; i++)
    {
      SluiceTask *task = g_ptr_array_index (self->tasks, i);

      g_hash_table_insert (by_uri, task_key (sluice_task_get_uri (task), sluice_task_get_kind (task)), task);
      g_hash_table_insert (by_shown_uri, task_key (sluice_task_get_shown_uri (task), sluice_task_get_kind (task)), task);
    }

  fresh = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; uris[i] != NULL; i++)
    {
      g_autoptr(GUri) guri = parse_web_uri (uris[i]);
      g_autofree char *normalised = NULL;
      g_autofree char *shown = NULL;
      g_autofree char *key = NULL;
      g_autofree char *shown_key = NULL;
      SluiceTask *task;

      if (guri == NULL)
        continue;
      /* The same string a task made from it would hold. */
      normalised = sluice_uri_to_string (guri);
      shown = sluice_url_redact (normalised);
      key = task_key (normalised, kind);
      shown_key = task_key (shown, kind);

      /* Asked for again after it failed or was cancelled: try again. */
      /* (A NULL task is one of uris, added already.) */
      if (g_hash_table_lookup_extended (by_uri, key, NULL, (gpointer *) &task))
        {
          if (task != NULL && is_over_unfinished (task))
            {
              sluice_task_retry (task);
              retried++;
            }
          continue;
        }
      /* A restored task without its password cannot be tried again: only
       * one that is done or still to come stands for the URL. */
      if (g_hash_table_lookup_extended (by_shown_uri, shown_key, NULL, (gpointer *) &task) &&
          (task == NULL || !is_over_unfinished (task)))
        continue;

      g_hash_table_insert (by_uri, g_steal_pointer (&key), NULL);
      g_hash_table_insert (by_shown_uri, g_steal_pointer (&shown_key), NULL);
      g_ptr_array_add (fresh, g_steal_pointer (&normalised));
    }
  g_ptr_array_add (fresh, NULL);

  return retried + sluice_scheduler_add_many_full (self, (const char * const *) fresh->pdata, kind, directory);
}

/* Finished tasks to remove: all of them, or those a front removed. */
static gboolean
is_removable (SluiceTask *task,
              GHashTable *mirror_ids)
{
  return sluice_task_is_finished (task) &&
         (mirror_ids == NULL ||
          g_hash_table_contains (mirror_ids, GUINT_TO_POINTER (_sluice_task_get_mirror_id (task))));
}

static void
back_remove (SluiceScheduler *back,
             gpointer         data);

static guint
remove_finished (SluiceScheduler *self,
                 GHashTable      *mirror_ids)
{
  g_autoptr(GHashTable) removed_ids = NULL;
  guint removed = 0;

  if (self->engine != NULL)
    removed_ids = g_hash_table_new (NULL, NULL);

  /* From the end, one items-changed per run of finished tasks. */
  for (guint i = self->tasks->len; i > 0; )
    {
      guint end = i;

      while (i > 0 && is_removable (g_ptr_array_index (self->tasks, i - 1), mirror_ids))
        i--;
      if (i < end)
        {
          for (guint j = i; j < end; j++)
            {
              SluiceTask *task = g_ptr_array_index (self->tasks, j);
              guint mirror_id = _sluice_task_get_mirror_id (task);

              self->n_state[sluice_task_get_state (task)]--;
              self->bytes_received -= (guint64) sluice_task_get_bytes_received (task);
              _sluice_task_detach (task);
              if (self->engine != NULL)
                {
                  g_hash_table_remove (self->mirrors, GUINT_TO_POINTER (mirror_id));
                  g_hash_table_add (removed_ids, GUINT_TO_POINTER (mirror_id));
                }
              else if (self->engine_back != NULL && mirror_id != 0)
                _sluice_engine_thread_forget (self->engine_back, mirror_id);
            }
          g_ptr_array_remove_range (self->tasks, i, end - i);
          g_list_model_items_changed (G_LIST_MODEL (self), i, end - i, 0);
          removed += end - i;
        }
      else
        i--;
    }

  if (removed > 0)
    {
      g_object_freeze_notify (G_OBJECT (self));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_DONE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FAILED]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CANCELLED]);
      g_object_thaw_notify (G_OBJECT (self));
    }
  if (removed_ids != NULL && removed > 0)
    _sluice_engine_thread_post (self->engine, back_remove, g_steal_pointer (&removed_ids),
                                (GDestroyNotify) g_hash_table_unref);
  return removed;
}

static void
back_remove (SluiceScheduler *back,
             gpointer         data)
{
  remove_finished (back, data);
}

guint
sluice_scheduler_remove_finished (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  return remove_finished (self, NULL);
}

/* Every mirrored task hears back after a command that touched them all. */
static void
mark_all_changed (SluiceScheduler *back)
{
  for (guint i = 0; i < back->tasks->len; i++)
    {
      SluiceTask *task = g_ptr_array_index (back->tasks, i);

      if (_sluice_task_get_mirror_id (task) != 0)
        _sluice_engine_thread_task_changed (back->engine_back, task);
    }
}

/* A front's unfinished tasks, about to be changed by a command for all of
 * them, wait for the engine to have run it. */
static void
post_to_unfinished (SluiceScheduler  *self,
                    SluiceEngineFunc  func,
                    gpointer          data,
                    GDestroyNotify    free_data)
{
  guint64 serial = _sluice_engine_thread_post (self->engine, func, data, free_data);

  for (guint i = 0; i < self->tasks->len; i++)
    {
      SluiceTask *task = g_ptr_array_index (self->tasks, i);

      if (!sluice_task_is_finished (task))
        _sluice_task_set_mirror_serial (task, serial);
    }
}

typedef struct {
  GTask *task;   /* the front's, or NULL: touched on the front's thread only */
  guint  n_cancelled;
} CancelAllCount;

static void
cancel_all_count_free (CancelAllCount *count)
{
  g_clear_object (&count->task);
  g_free (count);
}

static guint
cancel_all_counted (SluiceScheduler *self)
{
  guint before = self->n_state[SLUICE_TASK_STATE_CANCELLED];

  sluice_scheduler_cancel_all (self);
  return self->n_state[SLUICE_TASK_STATE_CANCELLED] - before;
}

static void
front_cancel_all_counted (gpointer data,
                          gpointer user_data)
{
  CancelAllCount *count = data;

  g_task_return_int (count->task, count->n_cancelled);
}

static void
back_cancel_all_counted (SluiceScheduler *back,
                         gpointer         data)
{
  CancelAllCount *count = data;
  CancelAllCount *answer;
  guint n_cancelled = cancel_all_counted (back);

  mark_all_changed (back);
  if (count->task == NULL)
    return;
  answer = g_new0 (CancelAllCount, 1);
  answer->task = g_steal_pointer (&count->task);
  answer->n_cancelled = n_cancelled;
  _sluice_engine_thread_post_to_front (back->engine_back, front_cancel_all_counted, answer,
                                       (GDestroyNotify) cancel_all_count_free);
}

/* A front's engine cancels its tasks too, and answers task (if not NULL)
 * with how many it stopped. */
static void
post_cancel_all (SluiceScheduler *self,
                 GTask           *task)
{
  CancelAllCount *count = g_new0 (CancelAllCount, 1);

  count->task = task;
  post_to_unfinished (self, back_cancel_all_counted, count, (GDestroyNotify) cancel_all_count_free);
}

static void
cancel_every_task (SluiceScheduler *self)
{
  g_object_freeze_notify (G_OBJECT (self));
  /* Queued ones first so no slot freed by a cancel starts another task. */
  self->dispatching = TRUE;
  for (guint i = 0; i < self->tasks->len; i++)
    cancel_task (self, g_ptr_array_index (self->tasks, i), TRUE, _("Cancelled"));
  self->dispatching = FALSE;
  g_object_thaw_notify (G_OBJECT (self));
}

void
sluice_scheduler_cancel_all (SluiceScheduler *self)
{
  g_return_if_fail (SLUICE_IS_SCHEDULER (self));

  if (self->engine != NULL)
    post_cancel_all (self, NULL);
  cancel_every_task (self);
}

void
sluice_scheduler_cancel_all_async (SluiceScheduler     *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SLUICE_IS_SCHEDULER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sluice_scheduler_cancel_all_async);
  if (self->engine == NULL)
    {
      g_task_return_int (task, cancel_all_counted (self));
      return;
    }
  /* Shown at once here; counted when the engine has done it. */
  post_cancel_all (self, g_steal_pointer (&task));
  cancel_every_task (self);
}

guint
sluice_scheduler_cancel_all_finish (SluiceScheduler  *self,
                                    GAsyncResult     *result,
                                    GError          **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  n = g_task_propagate_int (G_TASK (result), error);
  return n > 0 ? (guint) n : 0;
}

guint
sluice_scheduler_retry_failed (SluiceScheduler *self)
{
  guint retried = 0;

  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);

  self->dispatching = TRUE;
  for (guint i = 0; i < self->tasks->len; i++)
    {
      SluiceTask *task = g_ptr_array_index (self->tasks, i);

      if (sluice_task_get_state (task) == SLUICE_TASK_STATE_FAILED)
        {
          _sluice_scheduler_retry_task (self, task);
          retried++;
        }
    }
  self->dispatching = FALSE;
  dispatch (self);
  return retried;
}

static void
front_shut_down (gpointer data,
                 gpointer user_data)
{
  SluiceScheduler *front = user_data;

  front->engine_shut_down = TRUE;
  complete_shutdown_if_idle (front);
}

static void
on_back_shut_down (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  SluiceScheduler *back = SLUICE_SCHEDULER (source);

  sluice_scheduler_shutdown_finish (back, result, NULL);
  if (back->engine_back != NULL)
    _sluice_engine_thread_post_to_front (back->engine_back, front_shut_down, NULL, NULL);
}

static void
back_shutdown (SluiceScheduler *back,
               gpointer         data)
{
  mark_all_changed (back);
  sluice_scheduler_shutdown_async (back, NULL, on_back_shut_down, NULL);
}

void
sluice_scheduler_shutdown_async (SluiceScheduler     *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SLUICE_IS_SCHEDULER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sluice_scheduler_shutdown_async);

  if (self->engine != NULL)
    post_to_unfinished (self, back_shutdown, NULL, NULL);
  self->shutting_down = TRUE;
  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = 0; i < self->tasks->len; i++)
    {
      SluiceTask *t = g_ptr_array_index (self->tasks, i);

      if (sluice_task_is_finished (t))
        continue;
      /* Keep partial files (running downloads' and those waiting to
       * retry): a later session resumes them. */
      _sluice_task_set_interrupted (t, TRUE);
      cancel_task (self, t, FALSE, _("Stopped when Sluice quit"));
    }
  g_object_thaw_notify (G_OBJECT (self));

  if (self->shutdown_tasks == NULL)
    self->shutdown_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->shutdown_tasks, g_steal_pointer (&task));
  complete_shutdown_if_idle (self);
}

gboolean
sluice_scheduler_shutdown_finish (SluiceScheduler  *self,
                                  GAsyncResult     *result,
                                  GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Properties */

guint
sluice_scheduler_get_max_concurrent (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  return self->max_concurrent;
}

void
sluice_scheduler_set_max_concurrent (SluiceScheduler *self,
                                     guint            max_concurrent)
{
  g_return_if_fail (SLUICE_IS_SCHEDULER (self));
  max_concurrent = CLAMP (max_concurrent, 1, 1024);
  if (self->max_concurrent == max_concurrent)
    return;
  /* Raising starts queued tasks now; lowering lets running ones finish. */
  self->max_concurrent = max_concurrent;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_CONCURRENT]);
  dispatch (self);
}

guint
sluice_scheduler_get_max_per_host (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  return self->max_per_host;
}

void
sluice_scheduler_set_max_per_host (SluiceScheduler *self,
                                   guint            max_per_host)
{
  g_return_if_fail (SLUICE_IS_SCHEDULER (self));
  max_per_host = CLAMP (max_per_host, 1, 1024);
  if (self->max_per_host == max_per_host)
    return;
  self->max_per_host = max_per_host;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_PER_HOST]);
  dispatch (self);
}

guint
sluice_scheduler_get_timeout (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  return self->timeout;
}

void
sluice_scheduler_set_timeout (SluiceScheduler *self,
                              guint            seconds)
{
  g_return_if_fail (SLUICE_IS_SCHEDULER (self));
  seconds = CLAMP (seconds, 1, 3600);
  if (self->timeout == seconds)
    return;
  self->timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

guint
sluice_scheduler_get_max_retries (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  return self->max_retries;
}

void
sluice_scheduler_set_max_retries (SluiceScheduler *self,
                                  guint            max_retries)
{
  g_return_if_fail (SLUICE_IS_SCHEDULER (self));
  if (self->max_retries == max_retries)
    return;
  self->max_retries = max_retries;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_RETRIES]);
}

double
sluice_scheduler_get_retry_delay (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  return self->retry_delay;
}

/* The first backoff; each further retry doubles it, up to 60 s. */
void
sluice_scheduler_set_retry_delay (SluiceScheduler *self,
                                  double           seconds)
{
  g_return_if_fail (SLUICE_IS_SCHEDULER (self));
  seconds = CLAMP (seconds, 0, MAX_BACKOFF_SECONDS);
  if (self->retry_delay == seconds)
    return;
  self->retry_delay = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_DELAY]);
}

double
sluice_scheduler_get_requests_per_second (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  return self->requests_per_second;
}

void
sluice_scheduler_set_requests_per_second (SluiceScheduler *self,
                                          double           rate)
{
  GHashTableIter iter;
  Host *host;

  g_return_if_fail (SLUICE_IS_SCHEDULER (self));
  rate = MAX (rate, 0);
  if (self->requests_per_second == rate)
    return;
  self->requests_per_second = rate;
  g_hash_table_iter_init (&iter, self->hosts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &host))
    sluice_rate_limiter_set_rate (host->requests, rate, 1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUESTS_PER_SECOND]);
  dispatch (self);
}

guint64
sluice_scheduler_get_max_bytes_per_second (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  return self->max_bytes_per_second;
}

void
sluice_scheduler_set_max_bytes_per_second (SluiceScheduler *self,
                                           guint64          rate)
{
  g_return_if_fail (SLUICE_IS_SCHEDULER (self));
  if (self->max_bytes_per_second == rate)
    return;
  self->max_bytes_per_second = rate;
  /* A tenth of a second of burst keeps the flow smooth. */
  sluice_rate_limiter_set_rate (self->bandwidth, (double) rate, MAX (1.0, (double) rate / 10));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_BYTES_PER_SECOND]);
}

const char *
sluice_scheduler_get_download_directory (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), NULL);
  return self->download_directory;
}

/* Applies to downloads that have not picked their file yet. */
void
sluice_scheduler_set_download_directory (SluiceScheduler *self,
                                         const char      *directory)
{
  g_return_if_fail (SLUICE_IS_SCHEDULER (self));
  if (directory == NULL || g_strcmp0 (self->download_directory, directory) == 0)
    return;
  g_free (self->download_directory);
  self->download_directory = g_strdup (directory);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_DIRECTORY]);
}

guint
sluice_scheduler_get_n_queued (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  return self->n_state[SLUICE_TASK_STATE_QUEUED];
}

guint
sluice_scheduler_get_n_running (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  return self->n_state[SLUICE_TASK_STATE_CONNECTING] + self->n_state[SLUICE_TASK_STATE_RUNNING];
}

guint
sluice_scheduler_get_n_waiting (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  return self->n_state[SLUICE_TASK_STATE_WAITING_RETRY];
}

guint
sluice_scheduler_get_n_done (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  return self->n_state[SLUICE_TASK_STATE_DONE];
}

guint
sluice_scheduler_get_n_failed (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  return self->n_state[SLUICE_TASK_STATE_FAILED];
}

guint
sluice_scheduler_get_n_cancelled (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  return self->n_state[SLUICE_TASK_STATE_CANCELLED];
}

gboolean
sluice_scheduler_get_busy (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), FALSE);
  return self->busy;
}

guint64
sluice_scheduler_get_bytes_received (SluiceScheduler *self)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  return self->bytes_received;
}

/* Summed when asked: a handful of running tasks, not the whole list. */
double
sluice_scheduler_get_speed (SluiceScheduler *self)
{
  GHashTableIter iter;
  gpointer task;
  double speed = 0;

  g_return_val_if_fail (SLUICE_IS_SCHEDULER (self), 0);
  g_hash_table_iter_init (&iter, self->running_tasks);
  while (g_hash_table_iter_next (&iter, &task, NULL))
    speed += sluice_task_get_speed (task);
  return speed;
}

/* A caller adding a long list a slice at a time holds the batch open, so
 * that its first tasks finishing before the next slice do not end it. */
void
sluice_scheduler_hold (SluiceScheduler *self)
{
  g_return_if_fail (SLUICE_IS_SCHEDULER (self));
  self->n_holds++;
  update_busy (self);
}

void
sluice_scheduler_release (SluiceScheduler *self)
{
  g_return_if_fail (SLUICE_IS_SCHEDULER (self));
  g_return_if_fail (self->n_holds > 0);
  self->n_holds--;
  update_busy (self);
}
