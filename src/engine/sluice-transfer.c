/* sluice-transfer.c
 *
 * Sends with soup_session_send_async() and reads the body with a pollable
 * non-blocking loop into our own large buffer: libsoup's splice helpers copy
 * 8 KiB at a time.  A watchdog fails the attempt when nothing arrives for
 * the timeout, whatever phase it is in, so a transfer never hangs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sluice-error.h"
#include "sluice-task-private.h"
#include "sluice-transfer.h"

/* Reads per main-loop dispatch before yielding to other sources. */
#define READS_PER_DISPATCH 4
#define MAX_RETRY_AFTER_US (600 * G_USEC_PER_SEC)

typedef enum {
  PHASE_IDLE,
  PHASE_SENDING,
  PHASE_READING,
  PHASE_CANCELLING,
  PHASE_DONE,
} Phase;

struct _SluiceTransfer
{
  GObject            parent_instance;

  SoupSession       *session;
  SluiceTask        *task;
  SluiceSink        *sink;
  SluiceRateLimiter *bandwidth;
  guint              timeout_seconds;
  int                io_priority;

  Phase              phase;
  GTask             *gtask;
  GCancellable      *cancellable;       /* ours: outer cancel and watchdog */
  GCancellable      *outer_cancellable;
  gulong             outer_cancelled_id;
  gulong             cancelled_id;
  gboolean           timed_out;

  SoupMessage       *message;
  GInputStream      *stream;
  GSource           *read_source;
  guint              bandwidth_wait;
  guint              watchdog;
  guint              cancel_idle;
  gint64             last_activity;
  guint8            *buffer;
  gint64             expected;          /* body bytes announced, or -1 */
  gint64             received;          /* body bytes of this response */

  gboolean           retryable;
  gint64             retry_after_us;
};

G_DEFINE_FINAL_TYPE (SluiceTransfer, sluice_transfer, G_TYPE_OBJECT)

static void start_reading (SluiceTransfer *self);
static void fail_from_status (SluiceTransfer *self,
                              guint           status);

static void
sluice_transfer_dispose (GObject *object)
{
  SluiceTransfer *self = (SluiceTransfer *) object;

  g_clear_handle_id (&self->watchdog, g_source_remove);
  g_clear_handle_id (&self->bandwidth_wait, g_source_remove);
  g_clear_handle_id (&self->cancel_idle, g_source_remove);
  if (self->read_source != NULL)
    {
      g_source_destroy (self->read_source);
      g_clear_pointer (&self->read_source, g_source_unref);
    }
  g_clear_signal_handler (&self->outer_cancelled_id, self->outer_cancellable);
  g_clear_signal_handler (&self->cancelled_id, self->cancellable);

  G_OBJECT_CLASS (sluice_transfer_parent_class)->dispose (object);
}

static void
sluice_transfer_finalize (GObject *object)
{
  SluiceTransfer *self = (SluiceTransfer *) object;

  g_clear_object (&self->stream);
  g_clear_object (&self->message);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->outer_cancellable);
  g_clear_object (&self->session);
  g_clear_object (&self->task);
  g_clear_object (&self->sink);
  g_clear_pointer (&self->bandwidth, sluice_rate_limiter_unref);
  g_clear_pointer (&self->buffer, g_free);

  G_OBJECT_CLASS (sluice_transfer_parent_class)->finalize (object);
}

static void
sluice_transfer_class_init (SluiceTransferClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sluice_transfer_dispose;
  object_class->finalize = sluice_transfer_finalize;
}

static void
sluice_transfer_init (SluiceTransfer *self)
{
  self->expected = -1;
  self->retry_after_us = -1;
  self->io_priority = G_PRIORITY_DEFAULT;
}

void
sluice_transfer_set_io_priority (SluiceTransfer *self,
                                 int             io_priority)
{
  g_return_if_fail (SLUICE_IS_TRANSFER (self));
  self->io_priority = io_priority;
}

SluiceTransfer *
sluice_transfer_new (SoupSession       *session,
                     SluiceTask        *task,
                     SluiceSink        *sink,
                     SluiceRateLimiter *bandwidth,
                     guint              timeout_seconds)
{
  SluiceTransfer *self = g_object_new (SLUICE_TYPE_TRANSFER, NULL);

  self->session = g_object_ref (session);
  self->task = g_object_ref (task);
  self->sink = g_object_ref (sink);
  self->bandwidth = bandwidth != NULL ? sluice_rate_limiter_ref (bandwidth) : NULL;
  self->timeout_seconds = MAX (timeout_seconds, 1);
  return self;
}

SluiceTask *
sluice_transfer_get_task (SluiceTransfer *self)
{
  g_return_val_if_fail (SLUICE_IS_TRANSFER (self), NULL);
  return self->task;
}

gint64
sluice_parse_retry_after (const char *value)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = NULL;
  const char *p;
  gint64 delay;

  if (value == NULL)
    return -1;
  while (g_ascii_isspace (*value))
    value++;
  if (*value == '\0')
    return -1;

  for (p = value; g_ascii_isdigit (*p); p++)
    ;
  if (p > value && (*p == '\0' || g_ascii_isspace (*p)))
    {
      guint64 seconds = 0;

      if (p - value > 6)
        return MAX_RETRY_AFTER_US;
      seconds = g_ascii_strtoull (value, NULL, 10);
      return MIN ((gint64) seconds * G_USEC_PER_SEC, MAX_RETRY_AFTER_US);
    }

  when = soup_date_time_new_from_http_string (value);
  if (when == NULL)
    return -1;
  now = g_date_time_new_now_utc ();
  delay = g_date_time_difference (when, now);
  return CLAMP (delay, 0, MAX_RETRY_AFTER_US);
}

/* Completion */

static void
stop_io (SluiceTransfer *self,
         gboolean        at_eof)
{
  g_clear_handle_id (&self->watchdog, g_source_remove);
  g_clear_handle_id (&self->bandwidth_wait, g_source_remove);
  if (self->read_source != NULL)
    {
      g_source_destroy (self->read_source);
      g_clear_pointer (&self->read_source, g_source_unref);
    }
  if (self->stream != NULL)
    {
      /* libsoup's close() reads what is left of the body, blocking; for an
       * unfinished body cancel first so it drops the connection instead. */
      if (!at_eof)
        g_cancellable_cancel (self->cancellable);
      g_input_stream_close (self->stream, self->cancellable, NULL);
      g_clear_object (&self->stream);
    }
  g_clear_pointer (&self->buffer, g_free);
}

static void
complete (SluiceTransfer *self,
          GError         *error)
{
  g_autoptr(GTask) gtask = NULL;

  if (self->phase == PHASE_DONE)
    {
      g_clear_error (&error);
      return;
    }
  self->phase = PHASE_DONE;
  stop_io (self, error == NULL);
  g_clear_handle_id (&self->cancel_idle, g_source_remove);

  gtask = g_steal_pointer (&self->gtask);
  if (error != NULL)
    g_task_return_error (gtask, error);
  else
    g_task_return_boolean (gtask, TRUE);
}

static void
fail (SluiceTransfer *self,
      gboolean        retryable,
      SluiceError     kind,
      const char     *format,
      ...) G_GNUC_PRINTF (4, 5);

static void
fail (SluiceTransfer *self,
      gboolean        retryable,
      SluiceError     kind,
      const char     *format,
      ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (SLUICE_ERROR, kind, format, args);
  va_end (args);

  self->retryable = retryable;
  complete (self, error);
}

static const char *
host_of (SluiceTransfer *self)
{
  return sluice_task_get_host (self->task);
}

/* Turns what GIO and libsoup report into words and an error kind. */
static void
fail_from_error (SluiceTransfer *self,
                 const GError   *error)
{
  if (self->timed_out)
    {
      fail (self, TRUE, SLUICE_ERROR_TIMEOUT,
            g_dngettext (GETTEXT_PACKAGE,
                         "Nothing arrived from “%s” for %u second",
                         "Nothing arrived from “%s” for %u seconds",
                         self->timeout_seconds),
            host_of (self), self->timeout_seconds);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    fail (self, FALSE, SLUICE_ERROR_CANCELLED, "%s", _("Cancelled"));
  else if (error->domain == SLUICE_ERROR)
    {
      gboolean retryable = error->code == SLUICE_ERROR_NETWORK;

      fail (self, retryable, error->code, "%s", error->message);
    }
  else if (error->domain == G_RESOLVER_ERROR ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND))
    fail (self, TRUE, SLUICE_ERROR_DNS, _("Could not find the server “%s”"), host_of (self));
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    fail (self, TRUE, SLUICE_ERROR_CONNECT, _("The server “%s” refused the connection"), host_of (self));
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    fail (self, TRUE, SLUICE_ERROR_CONNECT, _("Could not reach the server “%s”: %s"),
          host_of (self), error->message);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    fail (self, TRUE, SLUICE_ERROR_TIMEOUT, _("The server “%s” took too long to answer"), host_of (self));
  else if (error->domain == G_TLS_ERROR)
    fail (self, FALSE, SLUICE_ERROR_TLS, _("The secure connection to “%s” could not be trusted: %s"),
          host_of (self), error->message);
  else if (g_error_matches (error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_TOO_MANY_REDIRECTS))
    fail (self, FALSE, SLUICE_ERROR_INVALID, "%s", _("Too many redirects (more than 20)"));
  else if (g_error_matches (error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_REDIRECT_BAD_URI) &&
           SOUP_STATUS_IS_REDIRECTION (soup_message_get_status (self->message)))
    fail_from_status (self, soup_message_get_status (self->message));
  else if (g_error_matches (error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_REDIRECT_BAD_URI))
    fail (self, FALSE, SLUICE_ERROR_INVALID, "%s", _("The server redirected to an invalid address"));
  else if (g_error_matches (error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_REDIRECT_NO_LOCATION))
    fail (self, FALSE, SLUICE_ERROR_INVALID, "%s", _("The server redirected without saying where to"));
  else if (error->domain == SOUP_SESSION_ERROR)
    fail (self, TRUE, SLUICE_ERROR_NETWORK, _("The server sent an answer that could not be read: %s"),
          error->message);
  else
    fail (self, TRUE, SLUICE_ERROR_NETWORK, _("The connection to “%s” was lost: %s"),
          host_of (self), error->message);
}

static void
fail_from_status (SluiceTransfer *self,
                  guint           status)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (self->message);
  const char *phrase = soup_message_get_reason_phrase (self->message);

  if (phrase == NULL || *phrase == '\0')
    phrase = soup_status_get_phrase (status);
  self->retry_after_us = sluice_parse_retry_after (soup_message_headers_get_one (headers, "Retry-After"));

  if (SOUP_STATUS_IS_REDIRECTION (status))
    {
      const char *location = soup_message_headers_get_one (headers, "Location");
      g_autoptr(GUri) target = location != NULL
        ? g_uri_parse_relative (soup_message_get_uri (self->message), location, G_URI_FLAGS_NONE, NULL)
        : NULL;

      if (target != NULL)
        fail (self, FALSE, SLUICE_ERROR_INVALID,
              _("The server redirected to a non-web address (%s:)"), g_uri_get_scheme (target));
      else
        fail (self, FALSE, SLUICE_ERROR_INVALID, _("The server answered %u %s without a usable address"),
              status, phrase);
    }
  else if (status == 429 /* Too Many Requests */)
    fail (self, TRUE, SLUICE_ERROR_RATE_LIMITED, _("The server asked to slow down (%u %s)"), status, phrase);
  else if (status == SOUP_STATUS_REQUEST_TIMEOUT)
    fail (self, TRUE, SLUICE_ERROR_HTTP_CLIENT, _("The server answered %u %s"), status, phrase);
  else if (SOUP_STATUS_IS_CLIENT_ERROR (status))
    fail (self, FALSE, SLUICE_ERROR_HTTP_CLIENT, _("The server answered %u %s"), status, phrase);
  else if (status == 500 || status == 502 || status == 503 || status == 504)
    fail (self, TRUE, SLUICE_ERROR_HTTP_SERVER, _("The server answered %u %s"), status, phrase);
  else if (SOUP_STATUS_IS_SERVER_ERROR (status))
    fail (self, FALSE, SLUICE_ERROR_HTTP_SERVER, _("The server answered %u %s"), status, phrase);
  else
    fail (self, FALSE, SLUICE_ERROR_INVALID, _("Unexpected answer from the server: %u %s"), status, phrase);
}

/* Body */

static void
finish_body (SluiceTransfer *self)
{
  g_autoptr(GError) error = NULL;

  if (self->expected >= 0 && self->received < self->expected)
    {
      g_autofree char *got = g_format_size (self->received);
      g_autofree char *want = g_format_size (self->expected);

      fail (self, TRUE, SLUICE_ERROR_NETWORK,
            _("The connection closed before the whole file arrived (%s of %s)"), got, want);
      return;
    }

  if (!sluice_sink_finish (self->sink, &error))
    {
      fail_from_error (self, error);
      return;
    }
  complete (self, NULL);
}

static gboolean
resume_after_bandwidth_wait (gpointer user_data)
{
  SluiceTransfer *self = user_data;

  self->bandwidth_wait = 0;
  start_reading (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_readable (GObject  *stream,
             gpointer  user_data)
{
  SluiceTransfer *self = user_data;
  g_autoptr(GObject) hold = g_object_ref (G_OBJECT (self));

  for (guint i = 0; i < READS_PER_DISPATCH && self->phase == PHASE_READING; i++)
    {
      g_autoptr(GError) error = NULL;
      gsize want = SLUICE_TRANSFER_BUFFER_SIZE;
      gssize n;

      if (self->bandwidth != NULL && sluice_rate_limiter_is_limited (self->bandwidth))
        {
          want = sluice_rate_limiter_take (self->bandwidth, want);
          if (want == 0)
            {
              /* Over the speed limit: stop polling until tokens are back. */
              g_source_destroy (self->read_source);
              g_clear_pointer (&self->read_source, g_source_unref);
              self->bandwidth_wait = g_timeout_add (MAX (1, sluice_rate_limiter_delay_ms (self->bandwidth)),
                                                    resume_after_bandwidth_wait, self);
              return G_SOURCE_REMOVE;
            }
        }

      n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (self->stream),
                                                    self->buffer, want, NULL, &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              /* libsoup's body source can stay ready once it fired (it
               * spun a core on a trickling server): wait on a fresh one. */
              g_source_destroy (self->read_source);
              g_clear_pointer (&self->read_source, g_source_unref);
              start_reading (self);
              return G_SOURCE_REMOVE;
            }
          fail_from_error (self, error);
          return G_SOURCE_REMOVE;
        }
      if (n == 0)
        {
          finish_body (self);
          return G_SOURCE_REMOVE;
        }

      self->last_activity = g_get_monotonic_time ();
      self->received += n;
      if (!sluice_sink_write (self->sink, self->buffer, n, &error))
        {
          fail_from_error (self, error);
          return G_SOURCE_REMOVE;
        }
      _sluice_task_add_bytes (self->task, n);
    }

  return self->phase == PHASE_READING ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
start_reading (SluiceTransfer *self)
{
  g_assert (self->read_source == NULL);

  self->read_source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (self->stream), NULL);
  g_source_set_callback (self->read_source, G_SOURCE_FUNC (on_readable), self, NULL);
  g_source_set_static_name (self->read_source, "[sluice] transfer read");
  g_source_set_priority (self->read_source, self->io_priority);
  g_source_attach (self->read_source, g_main_context_get_thread_default ());
}

/* Headers */

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(SluiceTransfer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) final_uri = NULL;
  SoupMessageHeaders *headers;
  gboolean want_body = TRUE;
  g_autofree char *final_uri_string = NULL;
  guint status;

  self->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (self->phase == PHASE_DONE)
    return;
  /* Headers may have arrived just before a cancel: the sink is gone. */
  if (self->stream != NULL && g_cancellable_is_cancelled (self->cancellable))
    {
      g_clear_error (&error);
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
      fail_from_error (self, error);
      return;
    }
  if (self->stream == NULL)
    {
      fail_from_error (self, error);
      return;
    }

  self->last_activity = g_get_monotonic_time ();
  status = soup_message_get_status (self->message);
  headers = soup_message_get_response_headers (self->message);
  final_uri_string = g_uri_to_string_partial (soup_message_get_uri (self->message), G_URI_HIDE_PASSWORD);
  _sluice_task_set_response (self->task, status, final_uri_string,
                             soup_message_headers_get_one (headers, "Content-Type"));

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      fail_from_status (self, status);
      return;
    }

  if (!sluice_sink_begin (self->sink, self->message, &want_body, &error))
    {
      fail_from_error (self, error);
      return;
    }
  if (!want_body)
    {
      if (!sluice_sink_finish (self->sink, &error))
        fail_from_error (self, error);
      else
        complete (self, NULL);
      return;
    }

  /* Content-Length counts encoded bytes: comparable only when we read them
   * undecoded. */
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      (soup_message_is_feature_disabled (self->message, SOUP_TYPE_CONTENT_DECODER) ||
       soup_message_headers_get_one (headers, "Content-Encoding") == NULL))
    self->expected = soup_message_headers_get_content_length (headers);

  if (!G_IS_POLLABLE_INPUT_STREAM (self->stream) ||
      !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (self->stream)))
    {
      fail (self, FALSE, SLUICE_ERROR_INVALID, "%s", _("The response body cannot be streamed"));
      return;
    }

  self->phase = PHASE_READING;
  self->buffer = g_malloc (SLUICE_TRANSFER_BUFFER_SIZE);
  _sluice_task_set_state (self->task, SLUICE_TASK_STATE_RUNNING);
  start_reading (self);
}

/* Cancellation and the watchdog */

static gboolean
complete_cancelled (gpointer user_data)
{
  SluiceTransfer *self = user_data;

  self->cancel_idle = 0;
  complete (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled")));
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  SluiceTransfer *self = user_data;

  /* While sending, libsoup reports the cancellation itself.  While reading,
   * nothing else will: stop touching the sink now, report from an idle so
   * the canceller is not re-entered. */
  if (self->phase != PHASE_READING)
    return;

  if (self->read_source != NULL)
    {
      g_source_destroy (self->read_source);
      g_clear_pointer (&self->read_source, g_source_unref);
    }
  g_clear_handle_id (&self->bandwidth_wait, g_source_remove);
  self->phase = PHASE_CANCELLING;
  if (self->cancel_idle == 0)
    self->cancel_idle = g_idle_add_full (G_PRIORITY_HIGH, complete_cancelled,
                                         g_object_ref (self), g_object_unref);
}

static void
on_outer_cancelled (GCancellable *outer,
                    gpointer      user_data)
{
  SluiceTransfer *self = user_data;

  g_cancellable_cancel (self->cancellable);
}

static gboolean
watchdog_check (gpointer user_data)
{
  SluiceTransfer *self = user_data;
  gint64 idle_us = g_get_monotonic_time () - self->last_activity;
  gint64 timeout_us = (gint64) self->timeout_seconds * G_USEC_PER_SEC;

  /* A transfer held back by the speed limit is not stalled. */
  if (idle_us < timeout_us || self->bandwidth_wait != 0)
    {
      self->watchdog = g_timeout_add (MAX (1, (timeout_us - MAX (idle_us, 0)) / 1000 + 1),
                                      watchdog_check, self);
      return G_SOURCE_REMOVE;
    }

  self->watchdog = 0;
  self->timed_out = TRUE;
  g_cancellable_cancel (self->cancellable);
  return G_SOURCE_REMOVE;
}

void
sluice_transfer_run_async (SluiceTransfer      *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (SLUICE_IS_TRANSFER (self));
  g_return_if_fail (self->phase == PHASE_IDLE);

  self->gtask = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->gtask, sluice_transfer_run_async);
  g_task_set_check_cancellable (self->gtask, FALSE);

  self->cancellable = g_cancellable_new ();
  self->cancelled_id = g_signal_connect (self->cancellable, "cancelled",
                                         G_CALLBACK (on_cancelled), self);
  if (cancellable != NULL)
    {
      self->outer_cancellable = g_object_ref (cancellable);
      self->outer_cancelled_id = g_signal_connect (cancellable, "cancelled",
                                                   G_CALLBACK (on_outer_cancelled), self);
      if (g_cancellable_is_cancelled (cancellable))
        g_cancellable_cancel (self->cancellable);
    }

  self->message = soup_message_new_from_uri (SOUP_METHOD_GET, _sluice_task_get_guri (self->task));
  sluice_sink_prepare (self->sink, self->message);

  self->phase = PHASE_SENDING;
  self->last_activity = g_get_monotonic_time ();
  self->watchdog = g_timeout_add ((guint) self->timeout_seconds * 1000 + 1, watchdog_check, self);

  soup_session_send_async (self->session, self->message, self->io_priority,
                           self->cancellable, on_sent, g_object_ref (self));
}

gboolean
sluice_transfer_run_finish (SluiceTransfer  *self,
                            GAsyncResult    *result,
                            gboolean        *retryable,
                            gint64          *retry_after_us,
                            GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (retryable != NULL)
    *retryable = self->retryable;
  if (retry_after_us != NULL)
    *retry_after_us = self->retry_after_us;
  return g_task_propagate_boolean (G_TASK (result), error);
}
