/* sluice-transfer.c
 *
 * Sends with soup_session_send_async() and reads the body with a pollable
 * non-blocking loop into our own large buffer: libsoup's splice helpers copy
 * 8 KiB at a time.  A watchdog fails the attempt when nothing arrives for
 * the timeout, whatever phase it is in, so a transfer never hangs.  While
 * the response headers come in (which libsoup does not report byte by
 * byte), libsoup's own I/O timeout on the connection catches silence, and
 * the watchdog only a server that dribbles them for many timeouts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sluice-error.h"
#include "sluice-sources.h"
#include "sluice-task-private.h"
#include "sluice-transfer.h"
#include "sluice-url-list.h"

/* Reads per main-loop dispatch before yielding to other sources. */
#define READS_PER_DISPATCH 4
/* Once the request is sent, libsoup's own I/O timeout fails a silent
 * server; the watchdog then only stops one that dribbles its headers for
 * this many timeouts. */
#define HEADER_WAIT_TIMEOUTS 10
#define MAX_RETRY_AFTER_US (600 * G_USEC_PER_SEC)
/* Characters of a server's reason phrase shown in an error message. */
#define PHRASE_MAX_CHARS 64

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
  gboolean           awaiting_headers;  /* the request is sent */

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
  gboolean           waiting_for_data;  /* a read_async is pending */
  GError            *deferred_error;    /* completion waiting for it */

  gboolean           retryable;
  gint64             retry_after_us;
  GTlsCertificateFlags certificate_errors;  /* why the server's was refused */
};

G_DEFINE_FINAL_TYPE (SluiceTransfer, sluice_transfer, G_TYPE_OBJECT)

/* Read buffers are reused: a fresh 256 KiB malloc is a fresh mmap, and
 * faulting its pages in again cost ~6 % of a batch of small files. */
#define MAX_SPARE_BUFFERS 64

G_LOCK_DEFINE_STATIC (spare_buffers);
static guint8 *spare_buffers[MAX_SPARE_BUFFERS];
static guint n_spare_buffers;

static guint8 *
buffer_acquire (void)
{
  guint8 *buffer = NULL;

  G_LOCK (spare_buffers);
  if (n_spare_buffers > 0)
    buffer = spare_buffers[--n_spare_buffers];
  G_UNLOCK (spare_buffers);
  return buffer != NULL ? buffer : g_malloc (SLUICE_TRANSFER_BUFFER_SIZE);
}

static void
buffer_release (guint8 *buffer)
{
  G_LOCK (spare_buffers);
  if (n_spare_buffers < MAX_SPARE_BUFFERS)
    {
      spare_buffers[n_spare_buffers++] = buffer;
      buffer = NULL;
    }
  G_UNLOCK (spare_buffers);
  g_free (buffer);
}

static void start_reading (SluiceTransfer *self);
static void fail_from_status (SluiceTransfer *self,
                              guint           status);

static void
sluice_transfer_dispose (GObject *object)
{
  SluiceTransfer *self = (SluiceTransfer *) object;

  g_clear_handle_id (&self->watchdog, sluice_source_remove);
  g_clear_handle_id (&self->bandwidth_wait, sluice_source_remove);
  g_clear_handle_id (&self->cancel_idle, sluice_source_remove);
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
  g_clear_pointer (&self->buffer, buffer_release);
  g_clear_error (&self->deferred_error);

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
  g_clear_handle_id (&self->watchdog, sluice_source_remove);
  g_clear_handle_id (&self->bandwidth_wait, sluice_source_remove);
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
  /* A pending read may still fill the buffer: it goes with the transfer. */
  if (!self->waiting_for_data)
    g_clear_pointer (&self->buffer, buffer_release);
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
  g_clear_handle_id (&self->cancel_idle, sluice_source_remove);

  /* A read still pending (now cancelled) holds on to us and the stream:
   * report once it has let go, so the caller gets everything back. */
  if (self->waiting_for_data)
    {
      self->deferred_error = error;
      return;
    }

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

/* Why a certificate was refused, in words; fallback when no reason is
 * known.  (GIO may not set every flag that applies: the first found.) */
static const char *
certificate_problem (GTlsCertificateFlags errors,
                     const char          *fallback)
{
  if (errors & G_TLS_CERTIFICATE_EXPIRED)
    return _("its certificate has expired");
  if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return _("its certificate is not valid yet");
  if (errors & G_TLS_CERTIFICATE_REVOKED)
    return _("its certificate was revoked");
  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return _("its certificate is for another name");
  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return _("its certificate is not signed by an authority this system trusts");
  if (errors & G_TLS_CERTIFICATE_INSECURE)
    return _("its certificate uses an insecure algorithm");
  return fallback;
}

/* Turns what GIO and libsoup report into words and an error kind. */
static void
fail_from_error (SluiceTransfer *self,
                 const GError   *error)
{
  if (self->timed_out && self->awaiting_headers)
    fail (self, TRUE, SLUICE_ERROR_TIMEOUT, _("The server “%s” took too long to answer"), host_of (self));
  else if (self->timed_out || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      /* Ours or libsoup's: both mean no byte for the whole timeout. */
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
  else if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) ||
           g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_CERTIFICATE_REQUIRED))
    fail (self, FALSE, SLUICE_ERROR_TLS, _("The secure connection to “%s” could not be trusted: %s"),
          host_of (self), certificate_problem (self->certificate_errors, error->message));
  else if (error->domain == G_TLS_ERROR)
    /* A handshake cut short (a reset, a close): the network, not trust. */
    fail (self, TRUE, SLUICE_ERROR_NETWORK, _("The secure connection to “%s” failed: %s"),
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

/* The server's reason phrase is any bytes it likes: shown only as valid
 * UTF-8, without control, bidi or other format characters, and short;
 * libsoup's phrase when nothing is left. */
static char *
clean_phrase (const char *phrase,
              guint       status)
{
  g_autofree char *valid = g_utf8_make_valid (phrase != NULL ? phrase : "", -1);
  g_autoptr(GString) out = g_string_new (NULL);
  guint n_chars = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
          g_unichar_type (c) == G_UNICODE_FORMAT)
        continue;
      if (n_chars++ == PHRASE_MAX_CHARS)
        {
          g_string_append (out, "…");
          break;
        }
      g_string_append_unichar (out, c);
    }
  g_strstrip (out->str);
  if (out->str[0] == '\0')
    return g_strdup (soup_status_get_phrase (status));
  return g_strdup (out->str);
}

static void
fail_from_status (SluiceTransfer *self,
                  guint           status)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (self->message);
  g_autofree char *phrase = clean_phrase (soup_message_get_reason_phrase (self->message), status);

  self->retry_after_us = sluice_parse_retry_after (soup_message_headers_get_one (headers, "Retry-After"));

  if (SOUP_STATUS_IS_REDIRECTION (status))
    {
      const char *location = soup_message_headers_get_one (headers, "Location");
      g_autoptr(GUri) target = location != NULL
        ? g_uri_parse_relative (soup_message_get_uri (self->message), location, G_URI_FLAGS_NONE, NULL)
        : NULL;

      /* libsoup follows 301, 302, 303, 307 and 308 to web addresses; the
       * rest (300, 304, 305, …) only name a place to look. */
      if (target != NULL && g_ascii_strcasecmp (g_uri_get_scheme (target), "http") != 0 &&
          g_ascii_strcasecmp (g_uri_get_scheme (target), "https") != 0)
        fail (self, FALSE, SLUICE_ERROR_INVALID,
              _("The server redirected to a non-web address (%s:)"), g_uri_get_scheme (target));
      else if (target != NULL)
        fail (self, FALSE, SLUICE_ERROR_INVALID, _("The server answered %u %s"), status, phrase);
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

static gboolean on_readable (gpointer user_data);

/* What one read gave: bytes go to the sink; an error or the end of the
 * body completes the attempt.  Returns whether to read on. */
static gboolean
take_read (SluiceTransfer *self,
           gssize          n,
           const GError   *error)
{
  g_autoptr(GError) write_error = NULL;

  if (n < 0)
    {
      fail_from_error (self, error);
      return FALSE;
    }
  if (n == 0)
    {
      finish_body (self);
      return FALSE;
    }

  self->last_activity = g_get_monotonic_time ();
  self->received += n;
  if (!sluice_sink_write (self->sink, self->buffer, n, &write_error))
    {
      fail_from_error (self, write_error);
      return FALSE;
    }
  _sluice_task_add_bytes (self->task, n);
  /* A handler of the task's notifications may have cancelled it. */
  return self->phase == PHASE_READING;
}

static void
on_data_arrived (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SluiceTransfer) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  self->waiting_for_data = FALSE;
  if (self->phase == PHASE_DONE && self->gtask != NULL)
    {
      g_autoptr(GTask) gtask = g_steal_pointer (&self->gtask);
      GError *deferred = g_steal_pointer (&self->deferred_error);

      if (deferred != NULL)
        g_task_return_error (gtask, deferred);
      else
        g_task_return_boolean (gtask, TRUE);
      return;
    }
  if (self->phase == PHASE_READING && take_read (self, n, error))
    start_reading (self);
}

static void
wait_for_data (SluiceTransfer *self,
               gsize           want)
{
  self->waiting_for_data = TRUE;
  g_input_stream_read_async (self->stream, self->buffer, want, self->io_priority,
                             self->cancellable, on_data_arrived, g_object_ref (self));
}

static gboolean
on_readable (gpointer user_data)
{
  SluiceTransfer *self = user_data;
  /* Kept alive across the sink's callbacks (one may drop the last ref). */
  g_autoptr(GObject) hold G_GNUC_UNUSED = g_object_ref (G_OBJECT (self));

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
              self->bandwidth_wait = sluice_timeout_add (MAX (1, sluice_rate_limiter_delay_ms (self->bandwidth)),
                                                         resume_after_bandwidth_wait, self,
                                                         "[sluice] speed limit");
              return G_SOURCE_REMOVE;
            }
        }

      n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (self->stream),
                                                    self->buffer, want, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          /* Nothing buffered: let libsoup wait for the socket.  (Its
           * pollable body source stays ready while it holds a partial
           * frame, which spun a core on a trickling server.) */
          g_source_destroy (self->read_source);
          g_clear_pointer (&self->read_source, g_source_unref);
          wait_for_data (self, want);
          return G_SOURCE_REMOVE;
        }
      if (!take_read (self, n, error))
        return G_SOURCE_REMOVE;
    }

  return self->phase == PHASE_READING ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Data flows: read on from an idle source at the I/O priority, a few
 * large non-blocking reads per dispatch, so other sources get their turn. */
static void
start_reading (SluiceTransfer *self)
{
  g_assert (self->read_source == NULL);

  self->read_source = g_idle_source_new ();
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
  SoupMessageHeaders *headers;
  gboolean want_body = TRUE;
  g_autofree char *final_uri_string = NULL;
  guint status;

  self->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  g_signal_handlers_disconnect_by_data (self->message, self);
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
  self->awaiting_headers = FALSE;
  status = soup_message_get_status (self->message);
  headers = soup_message_get_response_headers (self->message);
  /* The task keeps it without a password (see sluice_url_redact ()). */
  final_uri_string = sluice_uri_to_string (soup_message_get_uri (self->message));
  _sluice_task_set_response (self->task, status, final_uri_string,
                             soup_message_headers_get_one (headers, "Content-Type"));

  /* A 416 to a resume is the sink's to judge (the file may be whole). */
  if (!SOUP_STATUS_IS_SUCCESSFUL (status) &&
      !(status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE &&
        soup_message_headers_get_one (soup_message_get_request_headers (self->message), "Range") != NULL))
    {
      fail_from_status (self, status);
      return;
    }

  if (!sluice_sink_begin (self->sink, self->message, &want_body, &error))
    {
      fail_from_error (self, error);
      return;
    }
  /* A handler of the task's notifications (a new path, say) may have
   * cancelled it meanwhile, and the sink has let go of its file. */
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
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
   * undecoded.  A 204 or 205 has no body, whatever it says. */
  if (status != SOUP_STATUS_NO_CONTENT && status != SOUP_STATUS_RESET_CONTENT &&
      soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
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
  self->buffer = buffer_acquire ();
  _sluice_task_set_state (self->task, SLUICE_TASK_STATE_RUNNING);
  /* The same for the state change: on_cancelled () took it from here. */
  if (self->phase != PHASE_READING)
    return;
  start_reading (self);
}

/* Cancellation and the watchdog */

static gboolean
complete_cancelled (gpointer user_data)
{
  SluiceTransfer *self = user_data;
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));

  self->cancel_idle = 0;
  /* The watchdog cancels too: that is a timeout, in SLUICE_ERROR words. */
  fail_from_error (self, error);
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
  g_clear_handle_id (&self->bandwidth_wait, sluice_source_remove);
  self->phase = PHASE_CANCELLING;
  if (self->cancel_idle == 0)
    self->cancel_idle = sluice_idle_add (G_PRIORITY_HIGH, complete_cancelled,
                                         g_object_ref (self), g_object_unref, "[sluice] cancel");
}

static void
on_outer_cancelled (GCancellable *outer,
                    gpointer      user_data)
{
  SluiceTransfer *self = user_data;

  g_cancellable_cancel (self->cancellable);
}

/* Resolving, connecting, the TLS handshake and writing the request are
 * progress too. */
static void
on_network_event (SoupMessage        *message,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  gpointer            user_data)
{
  SluiceTransfer *self = user_data;

  self->last_activity = g_get_monotonic_time ();
}

static void
on_request_sent (SoupMessage *message,
                 gpointer     user_data)
{
  SluiceTransfer *self = user_data;

  /* The response headers may arrive a byte at a time, which libsoup does
   * not report; its I/O timeout fails a wait with nothing arriving. */
  self->last_activity = g_get_monotonic_time ();
  self->awaiting_headers = TRUE;
}

/* Refused all the same; noted so that the failure can say why. */
static gboolean
on_accept_certificate (SoupMessage          *message,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  SluiceTransfer *self = user_data;

  self->certificate_errors = errors;
  return FALSE;
}

static gboolean
watchdog_check (gpointer user_data)
{
  SluiceTransfer *self = user_data;
  gint64 idle_us = g_get_monotonic_time () - self->last_activity;
  gint64 timeout_us = (gint64) self->timeout_seconds * G_USEC_PER_SEC;

  if (self->phase == PHASE_SENDING && self->awaiting_headers)
    timeout_us *= HEADER_WAIT_TIMEOUTS;

  /* A transfer held back by the speed limit is not stalled. */
  if (idle_us < timeout_us || self->bandwidth_wait != 0)
    {
      self->watchdog = sluice_timeout_add (MAX (1, (timeout_us - MAX (idle_us, 0)) / 1000 + 1),
                                           watchdog_check, self, "[sluice] watchdog");
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
  g_signal_connect (self->message, "network-event", G_CALLBACK (on_network_event), self);
  g_signal_connect (self->message, "wrote-body", G_CALLBACK (on_request_sent), self);
  g_signal_connect (self->message, "accept-certificate", G_CALLBACK (on_accept_certificate), self);
  sluice_sink_prepare (self->sink, self->message);

  self->phase = PHASE_SENDING;
  self->last_activity = g_get_monotonic_time ();
  self->watchdog = sluice_timeout_add ((guint) self->timeout_seconds * 1000 + 1, watchdog_check, self,
                                       "[sluice] watchdog");

  soup_session_send_async (self->session, self->message, self->io_priority,
                           self->cancellable, on_sent, g_object_ref (self));
}

void
sluice_transfer_cancel (SluiceTransfer *self)
{
  g_return_if_fail (SLUICE_IS_TRANSFER (self));
  g_return_if_fail (self->cancellable != NULL);
  g_cancellable_cancel (self->cancellable);
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
