/* test-utils.c: a loopback HTTP server with fault endpoints, and main-loop
 * helpers, shared by every test program.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "test-utils.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <glib/gstdio.h>

#ifndef TEST_DATA_DIR
#error "TEST_DATA_DIR must be defined by the build"
#endif

#define STREAM_CHUNK_SIZE   (64 * 1024)
#define CHUNKED_CHUNK_SIZE  (8 * 1024)
#define SLOW_TICK_MS        50
#define SLOW_DEFAULT_RATE   10000
#define RETRY_OK_SIZE       64
#define DISPOSITION_SIZE    16
#define BIND_ATTEMPTS       8
#define IN_FLIGHT_KEY       "test-server-in-flight"

struct _TestServer
{
  SoupServer   *soup;
  GMainContext *context;
  guint         port;

  GPtrArray    *requests;        /* TestRequest*, owned */
  GPtrArray    *active;          /* Tracker*, not owned: requests in flight */
  guint         peak;
  GHashTable   *prefix_peaks;    /* "/slow" → peak */
  GHashTable   *host_peaks;      /* "127.0.0.2" → peak */
  GHashTable   *retry_counts;    /* key → requests seen */
  GPtrArray    *raw_jobs;        /* RawJob*, not owned */
  GHashTable   *gzip_cache;      /* "MB/layers/type" → GBytes */
  gboolean      tls;

  /* test_server_silent_url (): accepts connections, never reads or writes */
  GSocketService *silent;
  GPtrArray    *silent_connections;  /* GSocketConnection*, owned */
  guint         silent_port;
  /* test_server_closing_url (): accepts connections and resets them */
  GSocketService *closing;
  guint         closing_port;
  guint         closing_count;
};

/* One request in flight.  It is owned by its SoupServerMessage (object
 * data) until the message finishes, or by a RawJob once the connection
 * has been stolen. */
typedef struct
{
  TestServer *server;            /* NULL once finished or server freed */
  char       *path;
  char       *prefix;
  char       *host;
  GSource    *watch;             /* notices the client closing the connection */
} Tracker;

/* A response body made of pattern bytes [next, end), appended either as
 * the previous chunk is written (wrote-chunk) or on a timer (/slow). */
typedef struct
{
  SoupServerMessage *msg;        /* not owned: the stream lives as long */
  goffset            next;
  goffset            end;
  gsize              chunk_size;
  GSource           *timer;
} PatternStream;

/* A raw response on a stolen connection (/reset, /short, /stall, /dribble,
 * /bad-chunked, /huge-headers, /content-range-wrong): written all at once
 * or one byte per dribble_ms, then the connection is closed, reset (RST)
 * or held open until the client goes. */
typedef enum
{
  RAW_END_CLOSE,
  RAW_END_RESET,
  RAW_END_HOLD,
} RawEnd;

typedef struct
{
  TestServer        *server;
  SoupServerMessage *msg;        /* owned until the connection is stolen */
  Tracker           *tracker;    /* owned once stolen */
  GIOStream         *stream;
  GSocket           *socket;
  GSource           *source;     /* the idle before stealing, or the dribble timer */
  GCancellable      *cancellable;
  GBytes            *data;
  gsize              written;
  guint              dribble_ms;
  RawEnd             end;
  gboolean           busy;       /* an async call is in flight */
  guint8             sink[512];
} RawJob;

/* Pattern data */

static inline guint64
mix64 (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return x ^ (x >> 31);
}

void
test_fill_pattern (guint8  *buffer,
                   goffset  offset,
                   gsize    length)
{
  guint64 pos;
  gsize i = 0;

  g_return_if_fail (offset >= 0);
  g_return_if_fail (buffer != NULL || length == 0);

  pos = (guint64) offset;
  while (i < length)
    {
      guint64 word = mix64 (pos / 8);
      guint k = (guint) (pos % 8);

      for (; k < 8 && i < length; k++, i++, pos++)
        buffer[i] = (guint8) (word >> (8 * k));
    }
}

char *
test_pattern_sha256 (goffset n)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (STREAM_CHUNK_SIZE);
  goffset done = 0;

  g_return_val_if_fail (n >= 0, NULL);

  while (done < n)
    {
      gsize len = (gsize) MIN ((goffset) STREAM_CHUNK_SIZE, n - done);

      test_fill_pattern (buffer, done, len);
      g_checksum_update (checksum, buffer, len);
      done += len;
    }

  return g_strdup (g_checksum_get_string (checksum));
}

gboolean
test_file_has_pattern (const char *path,
                       goffset     n)
{
  g_autofree guint8 *expected = NULL;
  g_autofree guint8 *actual = NULL;
  GStatBuf st;
  FILE *file;
  goffset done = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (n >= 0, FALSE);

  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size != n)
    return FALSE;

  file = g_fopen (path, "rb");
  if (file == NULL)
    return FALSE;

  expected = g_malloc (STREAM_CHUNK_SIZE);
  actual = g_malloc (STREAM_CHUNK_SIZE);

  while (ok && done < n)
    {
      gsize len = (gsize) MIN ((goffset) STREAM_CHUNK_SIZE, n - done);

      if (fread (actual, 1, len, file) != len)
        {
          ok = FALSE;
          break;
        }
      test_fill_pattern (expected, done, len);
      ok = memcmp (expected, actual, len) == 0;
      done += len;
    }

  /* Nothing may follow (the file could have grown since the stat). */
  if (ok && fgetc (file) != EOF)
    ok = FALSE;

  fclose (file);
  return ok;
}

/* Requests and in-flight bookkeeping */

static void
test_request_free (gpointer data)
{
  TestRequest *request = data;

  g_free (request->method);
  g_free (request->host);
  g_free (request->path);
  g_free (request->query);
  g_clear_pointer (&request->headers, soup_message_headers_unref);
  g_free (request);
}

static SoupMessageHeaders *
copy_headers (SoupMessageHeaders *headers)
{
  SoupMessageHeaders *copy = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    soup_message_headers_append (copy, name, value);

  return copy;
}

/* "/slow/100" → "/slow"; "/" → "/". */
static char *
first_segment (const char *path)
{
  const char *slash;

  if (path == NULL || path[0] != '/')
    return g_strdup ("/");

  slash = strchr (path + 1, '/');
  if (slash == NULL)
    return g_strdup (path);

  return g_strndup (path, (gsize) (slash - path));
}

static gboolean
path_has_prefix (const char *path,
                 const char *prefix)
{
  return prefix == NULL || g_str_has_prefix (path, prefix);
}

static guint
count_active (TestServer *server,
              const char *prefix,
              const char *host)
{
  guint count = 0;

  for (guint i = 0; i < server->active->len; i++)
    {
      Tracker *tracker = g_ptr_array_index (server->active, i);

      if (prefix != NULL && g_strcmp0 (tracker->prefix, prefix) != 0)
        continue;
      if (host != NULL && g_strcmp0 (tracker->host, host) != 0)
        continue;
      count++;
    }

  return count;
}

static void
bump_peak (GHashTable *peaks,
           const char *key,
           guint       value)
{
  guint old = GPOINTER_TO_UINT (g_hash_table_lookup (peaks, key));

  if (value > old)
    g_hash_table_insert (peaks, g_strdup (key), GUINT_TO_POINTER (value));
}

static void
update_peaks (TestServer *server,
              Tracker    *tracker)
{
  server->peak = MAX (server->peak, server->active->len);
  bump_peak (server->prefix_peaks, tracker->prefix,
             count_active (server, tracker->prefix, NULL));
  bump_peak (server->host_peaks, tracker->host,
             count_active (server, NULL, tracker->host));
}

static void
tracker_finish (Tracker *tracker)
{
  if (tracker->watch != NULL)
    {
      g_source_destroy (tracker->watch);
      g_clear_pointer (&tracker->watch, g_source_unref);
    }

  if (tracker->server == NULL)
    return;

  g_ptr_array_remove (tracker->server->active, tracker);
  tracker->server = NULL;
}

/* The client may go away while the response is paused or trickling, and
 * SoupServer only notices at its next write: peek at the socket, so a
 * request stops counting as in flight as soon as its client has closed.
 * (Without this, a scheduler that starts the next request the moment it
 * cancels one would seem to exceed its limit.) */
static gboolean
tracker_socket_cb (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      user_data)
{
  Tracker *tracker = user_data;
  char byte;
  gssize n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;

  if (n > 0)
    {
      /* More from the client (TLS records, a pipelined request): not a
       * close, and nothing to wait for here. */
      g_clear_pointer (&tracker->watch, g_source_unref);
      return G_SOURCE_REMOVE;
    }

  /* End of stream, or reset. */
  g_clear_pointer (&tracker->watch, g_source_unref);
  tracker_finish (tracker);
  return G_SOURCE_REMOVE;
}

static void
tracker_free (gpointer data)
{
  Tracker *tracker = data;

  tracker_finish (tracker);
  g_free (tracker->path);
  g_free (tracker->prefix);
  g_free (tracker->host);
  g_free (tracker);
}

static void
message_finished_cb (SoupServerMessage *msg,
                     gpointer           user_data)
{
  Tracker *tracker = g_object_get_data (G_OBJECT (msg), IN_FLIGHT_KEY);

  if (tracker != NULL)
    tracker_finish (tracker);
}

static void
request_read_cb (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  TestServer *server = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  TestRequest *request;
  Tracker *tracker;
  const char *path;

  path = g_uri_get_path (uri);
  if (path == NULL || *path == '\0')
    path = "/";

  request = g_new0 (TestRequest, 1);
  request->method = g_strdup (soup_server_message_get_method (msg));
  request->host = g_strdup (g_uri_get_host (uri));
  request->path = g_strdup (path);
  request->query = g_strdup (g_uri_get_query (uri));
  request->headers = copy_headers (soup_server_message_get_request_headers (msg));
  g_ptr_array_add (server->requests, request);

  tracker = g_new0 (Tracker, 1);
  tracker->server = server;
  tracker->path = g_strdup (path);
  tracker->prefix = first_segment (path);
  tracker->host = g_strdup (request->host);
  g_ptr_array_add (server->active, tracker);
  update_peaks (server, tracker);

  if (soup_server_message_get_socket (msg) != NULL)
    {
      tracker->watch = g_socket_create_source (soup_server_message_get_socket (msg),
                                               G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
      g_source_set_callback (tracker->watch, G_SOURCE_FUNC (tracker_socket_cb), tracker, NULL);
      g_source_set_static_name (tracker->watch, "[test-server] client close watch");
      g_source_attach (tracker->watch, server->context);
    }

  g_object_set_data_full (G_OBJECT (msg), IN_FLIGHT_KEY, tracker, tracker_free);
  g_signal_connect (msg, "finished", G_CALLBACK (message_finished_cb), NULL);
}

/* Small helpers for handlers */

static void
respond_text (SoupServerMessage *msg,
              guint              status,
              const char        *text)
{
  /* libsoup 3.2 has no phrase for 429 ("Unknown Error"). */
  soup_server_message_set_status (msg, status, status == 429 ? "Too Many Requests" : NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY,
                                    text, strlen (text));
}

static void
respond_bad_request (SoupServerMessage *msg,
                     const char        *why)
{
  g_autofree char *text = g_strdup_printf ("bad request: %s\n", why);

  respond_text (msg, SOUP_STATUS_BAD_REQUEST, text);
}

static void
respond_not_found (SoupServerMessage *msg)
{
  respond_text (msg, SOUP_STATUS_NOT_FOUND, "not found\n");
}

/* The text of path after "/endpoint/" (still percent-encoded), or NULL. */
static const char *
path_argument (const char *path,
               const char *endpoint)
{
  gsize len = strlen (endpoint);

  if (!g_str_has_prefix (path, endpoint) || path[len] != '/')
    return NULL;

  return path + len + 1;
}

static gboolean
parse_number (const char *text,
              guint64     max,
              guint64    *out)
{
  if (text == NULL || *text == '\0')
    return FALSE;

  return g_ascii_string_to_unsigned (text, 10, 0, max, out, NULL);
}

static gboolean
query_number (GHashTable *query,
              const char *name,
              guint64     fallback,
              guint64     max,
              guint64    *out)
{
  const char *text = query != NULL ? g_hash_table_lookup (query, name) : NULL;

  if (text == NULL)
    {
      *out = fallback;
      return TRUE;
    }

  return parse_number (text, max, out);
}

static const char *
query_string (GHashTable *query,
              const char *name)
{
  return query != NULL ? g_hash_table_lookup (query, name) : NULL;
}

/* Pattern bytes per SLOW_TICK_MS for rate bytes a second; 0 (rate 0)
 * means no trickle. */
static gsize
rate_tick (guint64 rate)
{
  return rate > 0 ? (gsize) MAX (rate * SLOW_TICK_MS / 1000, 1) : 0;
}

/* Counts one more request of key; returns how many there were so far. */
static guint
count_key_request (TestServer *server,
                   const char *key)
{
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (server->retry_counts, key)) + 1;

  g_hash_table_insert (server->retry_counts, g_strdup (key), GUINT_TO_POINTER (count));
  return count;
}

static gboolean
valid_header_value (const char *value)
{
  return value != NULL && strpbrk (value, "\r\n") == NULL;
}

/* Pattern bodies */

static void
pattern_stream_stop (PatternStream *stream)
{
  if (stream->timer != NULL)
    {
      g_source_destroy (stream->timer);
      g_clear_pointer (&stream->timer, g_source_unref);
    }
}

static void
pattern_stream_free (gpointer  data,
                     GClosure *closure)
{
  PatternStream *stream = data;

  pattern_stream_stop (stream);
  g_free (stream);
}

/* Appends the next chunk; completes the body after the last one. */
static void
pattern_stream_append (PatternStream *stream)
{
  SoupMessageBody *body = soup_server_message_get_response_body (stream->msg);
  gsize len = (gsize) MIN ((goffset) stream->chunk_size, stream->end - stream->next);

  if (len > 0)
    {
      guint8 *data = g_malloc (len);

      test_fill_pattern (data, stream->next, len);
      soup_message_body_append_take (body, data, len);
      stream->next += len;
    }

  if (stream->next >= stream->end)
    soup_message_body_complete (body);
}

static void
pattern_stream_wrote_chunk_cb (SoupServerMessage *msg,
                               gpointer           user_data)
{
  PatternStream *stream = user_data;

  if (stream->timer == NULL && stream->next < stream->end)
    pattern_stream_append (stream);
}

static void
pattern_stream_finished_cb (SoupServerMessage *msg,
                            gpointer           user_data)
{
  pattern_stream_stop (user_data);
}

static gboolean
pattern_stream_tick_cb (gpointer user_data)
{
  PatternStream *stream = user_data;

  pattern_stream_append (stream);
  soup_server_message_unpause (stream->msg);

  if (stream->next < stream->end)
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&stream->timer, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Serves pattern bytes [start, end) as the body of msg, whose status and
 * headers are set by the caller.  With tick_bytes > 0 the message is paused
 * and tick_bytes are added every SLOW_TICK_MS. */
static void
serve_pattern (TestServer        *server,
               SoupServerMessage *msg,
               goffset            start,
               goffset            end,
               gboolean           chunked,
               gsize              tick_bytes)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  PatternStream *stream;

  /* Written chunks are dropped, so huge bodies never sit in memory (and
   * SoupServer does not try to apply Range on its own). */
  soup_message_body_set_accumulate (body, FALSE);

  if (chunked)
    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  else
    soup_message_headers_set_content_length (headers, end - start);

  stream = g_new0 (PatternStream, 1);
  stream->msg = msg;
  stream->next = start;
  stream->end = end;
  stream->chunk_size = tick_bytes > 0 ? tick_bytes
                       : chunked ? CHUNKED_CHUNK_SIZE : STREAM_CHUNK_SIZE;

  g_signal_connect_data (msg, "wrote-chunk",
                         G_CALLBACK (pattern_stream_wrote_chunk_cb),
                         stream, pattern_stream_free, 0);
  g_signal_connect (msg, "finished",
                    G_CALLBACK (pattern_stream_finished_cb), stream);

  if (tick_bytes > 0 && start < end)
    {
      soup_server_message_pause (msg);
      stream->timer = g_timeout_source_new (SLOW_TICK_MS);
      g_source_set_callback (stream->timer, pattern_stream_tick_cb, stream, NULL);
      g_source_attach (stream->timer, server->context);
    }
  else
    {
      pattern_stream_append (stream);
    }
}

/* Range support for /range and /reset. */

typedef enum
{
  RANGE_NONE,
  RANGE_OK,
  RANGE_UNSATISFIABLE,
} RangeResult;

static RangeResult
parse_range (const char *header,
             goffset     total,
             goffset    *start,
             goffset    *end)
{
  g_autofree char *spec = NULL;
  char *dash;
  guint64 a, b;

  if (header == NULL)
    return RANGE_NONE;

  while (g_ascii_isspace (*header))
    header++;
  if (g_ascii_strncasecmp (header, "bytes=", 6) != 0)
    return RANGE_NONE;

  spec = g_strstrip (g_strdup (header + 6));
  /* Several ranges are allowed to be ignored; we serve the whole body. */
  if (strchr (spec, ',') != NULL)
    return RANGE_NONE;

  dash = strchr (spec, '-');
  if (dash == NULL)
    return RANGE_NONE;
  *dash = '\0';

  if (*spec == '\0')
    {
      /* bytes=-SUFFIX */
      if (!parse_number (dash + 1, G_MAXINT64, &b))
        return RANGE_NONE;
      if (b == 0 || total == 0)
        return RANGE_UNSATISFIABLE;
      *start = (goffset) b >= total ? 0 : total - (goffset) b;
      *end = total;
      return RANGE_OK;
    }

  if (!parse_number (spec, G_MAXINT64, &a))
    return RANGE_NONE;

  if (dash[1] == '\0')
    b = G_MAXINT64 - 1;
  else if (!parse_number (dash + 1, G_MAXINT64 - 1, &b) || b < a)
    return RANGE_NONE;

  if ((goffset) a >= total)
    return RANGE_UNSATISFIABLE;

  *start = (goffset) a;
  *end = MIN ((goffset) b + 1, total);
  return RANGE_OK;
}

/* total pattern bytes with ETag "etag", honouring Range and If-Range; a
 * 206 carries at most piece bytes (0: all that was asked for), as servers
 * that cap their range answers do. */
static void
serve_pattern_with_ranges (TestServer        *server,
                           SoupServerMessage *msg,
                           goffset            total,
                           const char        *etag,
                           gsize              chunk_per_tick,
                           goffset            piece)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", etag);
  const char *if_range = soup_message_headers_get_one (request, "If-Range");
  goffset start = 0, end = total;
  RangeResult range;

  soup_message_headers_replace (response, "ETag", quoted);
  soup_message_headers_replace (response, "Accept-Ranges", "bytes");
  soup_message_headers_replace (response, "Content-Type", "application/octet-stream");

  range = parse_range (soup_message_headers_get_one (request, "Range"),
                       total, &start, &end);

  /* A stale validator means "send everything". */
  if (range != RANGE_NONE && if_range != NULL && strcmp (if_range, quoted) != 0)
    {
      range = RANGE_NONE;
      start = 0;
      end = total;
    }

  switch (range)
    {
    case RANGE_UNSATISFIABLE:
      {
        g_autofree char *value = g_strdup_printf ("bytes */%" G_GINT64_FORMAT,
                                                  (gint64) total);

        soup_server_message_set_status (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, NULL);
        soup_message_headers_replace (response, "Content-Range", value);
        soup_message_headers_set_content_length (response, 0);
        soup_message_body_complete (soup_server_message_get_response_body (msg));
        return;
      }

    case RANGE_OK:
      if (piece > 0)
        end = MIN (end, start + piece);
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
      soup_message_headers_set_content_range (response, start, end - 1, total);
      break;

    case RANGE_NONE:
    default:
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      break;
    }

  serve_pattern (server, msg, start, end, FALSE, chunk_per_tick);
}

/* Endpoint handlers.  Each gets the raw (percent-encoded) path, as the
 * server is made with raw-paths. */

static void
bytes_handler (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  gboolean chunked = g_str_has_prefix (path, "/chunked");
  guint64 n;

  if (!parse_number (path_argument (path, chunked ? "/chunked" : "/bytes"),
                     G_MAXINT64, &n))
    {
      respond_bad_request (msg, "expected /bytes/N or /chunked/N");
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Content-Type", "application/octet-stream");
  serve_pattern (user_data, msg, 0, (goffset) n, chunked, 0);
}

static void
slow_handler (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  guint64 n, rate;

  if (!parse_number (path_argument (path, "/slow"), G_MAXINT64, &n) ||
      !query_number (query, "rate", SLOW_DEFAULT_RATE, G_MAXUINT32, &rate) ||
      rate == 0)
    {
      respond_bad_request (msg, "expected /slow/N?rate=B");
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Content-Type", "application/octet-stream");
  serve_pattern (user_data, msg, 0, (goffset) n, FALSE, rate_tick (rate));
}

static void
status_handler (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  g_autofree char *text = NULL;
  guint64 code;

  /* 1xx would be taken as an informational response by SoupServer. */
  if (!parse_number (path_argument (path, "/status"), 599, &code) || code < 200)
    {
      respond_bad_request (msg, "expected /status/CODE with 200 ≤ CODE ≤ 599");
      return;
    }

  if (code == SOUP_STATUS_NO_CONTENT || code == SOUP_STATUS_NOT_MODIFIED)
    {
      soup_server_message_set_status (msg, (guint) code, NULL);
      return;
    }

  text = g_strdup_printf ("status %u\n", (guint) code);
  respond_text (msg, (guint) code, text);
}

static void
redirect_handler (SoupServer        *soup,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *raw_query = g_uri_get_query (soup_server_message_get_uri (msg));
  const char *to = query_string (query, "to");
  g_autofree char *location = NULL;
  guint64 k, status;

  if (!parse_number (path_argument (path, "/redirect"), G_MAXUINT32, &k) ||
      !query_number (query, "status", SOUP_STATUS_FOUND, 399, &status) || status < 300)
    {
      respond_bad_request (msg, "expected /redirect/K?status=3XX");
      return;
    }

  if (k > 0)
    location = g_strdup_printf ("/redirect/%u%s%s", (guint) (k - 1),
                                raw_query != NULL ? "?" : "",
                                raw_query != NULL ? raw_query : "");
  else if (to != NULL)
    location = g_strdup (to);

  if (location == NULL)
    {
      respond_text (msg, SOUP_STATUS_OK, "done");
      return;
    }

  if (!valid_header_value (location))
    {
      respond_bad_request (msg, "bad redirect target");
      return;
    }

  respond_text (msg, (guint) status, "redirecting\n");
  soup_message_headers_replace (response, "Location", location);
}

static void
disposition_handler (SoupServer        *soup,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *name = query_string (query, "name");
  const char *value = query_string (query, "value");
  g_autofree char *header = NULL;
  guint64 size;

  if (!query_number (query, "size", DISPOSITION_SIZE, G_MAXINT64, &size))
    {
      respond_bad_request (msg, "bad size");
      return;
    }

  if (value != NULL)
    header = g_strdup (value);
  else if (name != NULL)
    header = g_strdup_printf ("attachment; filename=\"%s\"", name);

  if (header != NULL && !valid_header_value (header))
    {
      respond_bad_request (msg, "bad header value");
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (response, "Content-Type", "application/octet-stream");
  if (header != NULL)
    soup_message_headers_replace (response, "Content-Disposition", header);
  serve_pattern (user_data, msg, 0, (goffset) size, FALSE, 0);
}

static void    raw_respond      (TestServer        *server,
                                SoupServerMessage *msg,
                                GBytes            *data,
                                guint              dribble_ms,
                                RawEnd             end);
static GBytes *raw_with_pattern (const char        *head,
                                gsize              n);

static void
reset_handler (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  TestServer *server = user_data;
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  g_autofree char *etag = NULL;
  g_autofree char *head = NULL;
  guint64 n, total;

  if (!parse_number (path_argument (path, "/reset"), G_MAXINT32, &n) ||
      !query_number (query, "total", 2 * n, G_MAXINT64, &total) ||
      total < n)
    {
      respond_bad_request (msg, "expected /reset/N?total=T with T ≥ N");
      return;
    }

  etag = g_strdup_printf ("reset-%" G_GUINT64_FORMAT, total);

  if (soup_message_headers_get_one (request, "Range") != NULL)
    {
      /* ignore-range=1: a server that answers a Range request with 200. */
      if (query_string (query, "ignore-range") != NULL)
        {
          g_autofree char *quoted = g_strdup_printf ("\"%s\"", etag);

          soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
          soup_message_headers_replace (soup_server_message_get_response_headers (msg), "ETag", quoted);
          serve_pattern (server, msg, 0, (goffset) total, FALSE, 0);
        }
      else
        serve_pattern_with_ranges (server, msg, (goffset) total, etag, 0, 0);
      return;
    }

  head = g_strdup_printf ("HTTP/1.1 200 OK\r\n"
                          "Content-Type: application/octet-stream\r\n"
                          "Content-Length: %" G_GUINT64_FORMAT "\r\n"
                          "ETag: \"%s\"\r\n"
                          "Accept-Ranges: bytes\r\n",
                          total, etag);
  /* The first n bytes, then the connection is closed. */
  raw_respond (server, msg, raw_with_pattern (head, n), 0, RAW_END_CLOSE);
}

static void
retry_after_handler (SoupServer        *soup,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  TestServer *server = user_data;
  const char *argument = path_argument (path, "/retry-after");
  const char *key = query_string (query, "key");
  g_autofree char *value = NULL;
  guint64 times, status;

  if (argument != NULL && *argument != '\0')
    value = g_uri_unescape_string (argument, NULL);

  if (!valid_header_value (value) || *value == '\0' ||
      !query_number (query, "times", 1, G_MAXUINT32, &times) ||
      !query_number (query, "status", SOUP_STATUS_SERVICE_UNAVAILABLE, 599, &status) ||
      status < 400)
    {
      respond_bad_request (msg, "expected /retry-after/S?times=K&key=X&status=CODE");
      return;
    }

  if (key == NULL)
    key = path;

  if (count_key_request (server, key) <= times)
    {
      respond_text (msg, (guint) status, "try again later\n");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", value);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Content-Type", "application/octet-stream");
  serve_pattern (server, msg, 0, RETRY_OK_SIZE, FALSE, 0);
}

static void
range_handler (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  const char *etag = query_string (query, "etag");
  g_autofree char *default_etag = NULL;
  guint64 n, rate;

  /* rate 0 (the default) means as fast as possible. */
  if (!parse_number (path_argument (path, "/range"), G_MAXINT64, &n) ||
      !query_number (query, "rate", 0, G_MAXUINT32, &rate) ||
      (etag != NULL && (!valid_header_value (etag) || strchr (etag, '"') != NULL)))
    {
      respond_bad_request (msg, "expected /range/N?etag=E&rate=B");
      return;
    }

  if (etag == NULL)
    etag = default_etag = g_strdup_printf ("range-%" G_GUINT64_FORMAT, n);

  serve_pattern_with_ranges (user_data, msg, (goffset) n, etag, rate_tick (rate), 0);
}

static void
html_handler (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  const char *argument = path_argument (path, "/html");
  const char *type = query_string (query, "type");
  g_autofree char *name = NULL;
  g_autofree char *filename = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (argument != NULL)
    name = g_uri_unescape_string (argument, NULL);

  /* Only plain file names inside tests/data. */
  if (name == NULL || *name == '\0' || strchr (name, '/') != NULL ||
      strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    {
      respond_not_found (msg);
      return;
    }

  filename = g_build_filename (TEST_DATA_DIR, name, NULL);
  if (!g_file_get_contents (filename, &contents, &length, NULL))
    {
      respond_not_found (msg);
      return;
    }

  if (type == NULL || !valid_header_value (type))
    type = "text/html";

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_TAKE, contents, length);
}

/* /links/N: a generated page with a title, one h1 and N links. */
static void
links_handler (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  GString *page;
  guint64 n;

  if (!parse_number (path_argument (path, "/links"), 10000000, &n))
    {
      respond_bad_request (msg, "expected /links/N");
      return;
    }

  if (query_string (query, "compact") != NULL)
    {
      /* "<a href>" N times: a million links in under 10 MiB. */
      page = g_string_sized_new (64 + n * 8);
      g_string_append (page, "<title>Links</title>");
      for (guint64 i = 0; i < n; i++)
        g_string_append (page, "<a href>");
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_TAKE, page->str, page->len);
      g_string_free (page, FALSE);
      return;
    }

  page = g_string_sized_new (64 + n * 32);
  g_string_append (page, "<!DOCTYPE html><html><head><title>Links</title></head>"
                         "<body><h1>Many links</h1>\n");
  for (guint64 i = 0; i < n; i++)
    g_string_append_printf (page, "<a href=\"/p/%" G_GUINT64_FORMAT "\">link</a>\n", i);
  g_string_append (page, "</body></html>\n");

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE,
                                    page->str, page->len);
  g_string_free (page, FALSE);
}

static void
hang_handler (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  /* Never unpaused: the request stays unanswered until the client goes
   * away or the server is freed. */
  soup_server_message_pause (msg);
}

static void
default_handler (SoupServer        *soup,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  respond_not_found (msg);
}

/* Raw responses on stolen connections */

static void raw_write_next (RawJob *job);

static void
raw_job_free (RawJob *job)
{
  if (job->server != NULL)
    g_ptr_array_remove (job->server->raw_jobs, job);

  if (job->source != NULL)
    {
      g_source_destroy (job->source);
      g_source_unref (job->source);
    }
  g_clear_pointer (&job->tracker, tracker_free);
  g_clear_object (&job->msg);
  g_clear_object (&job->stream);
  g_clear_object (&job->socket);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->data, g_bytes_unref);
  g_free (job);
}

static void
raw_closed_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  RawJob *job = user_data;

  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  job->busy = FALSE;
  raw_job_free (job);
}

static void
raw_close (RawJob *job)
{
  job->busy = TRUE;
  g_io_stream_close_async (job->stream, G_PRIORITY_DEFAULT, NULL, raw_closed_cb, job);
}

static void
raw_read_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RawJob *job = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  /* Held open: whatever the client sends is dropped until it goes. */
  if (n > 0 && !g_cancellable_is_cancelled (job->cancellable))
    {
      g_input_stream_read_async (g_io_stream_get_input_stream (job->stream),
                                 job->sink, sizeof job->sink, G_PRIORITY_DEFAULT,
                                 job->cancellable, raw_read_cb, job);
      return;
    }
  raw_close (job);
}

static void
raw_finish (RawJob *job)
{
  switch (job->end)
    {
    case RAW_END_RESET:
      {
        /* A zero linger time makes close() send RST instead of FIN. */
        struct linger linger = { 1, 0 };

        if (job->socket != NULL)
          setsockopt (g_socket_get_fd (job->socket), SOL_SOCKET, SO_LINGER,
                      &linger, sizeof linger);
        g_io_stream_close (job->stream, NULL, NULL);
        job->busy = FALSE;
        raw_job_free (job);
      }
      break;

    case RAW_END_HOLD:
      job->busy = TRUE;
      g_input_stream_read_async (g_io_stream_get_input_stream (job->stream),
                                 job->sink, sizeof job->sink, G_PRIORITY_DEFAULT,
                                 job->cancellable, raw_read_cb, job);
      break;

    case RAW_END_CLOSE:
    default:
      raw_close (job);
      break;
    }
}

static gboolean
raw_dribble_cb (gpointer user_data)
{
  RawJob *job = user_data;

  g_clear_pointer (&job->source, g_source_unref);
  raw_write_next (job);
  return G_SOURCE_REMOVE;
}

static void
raw_written_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  RawJob *job = user_data;
  g_autoptr(GError) error = NULL;
  gsize n = 0;

  job->busy = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &n, &error))
    {
      /* The client went away (or the server is being freed). */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        raw_job_free (job);
      else
        raw_close (job);
      return;
    }

  job->written += n;
  if (job->dribble_ms > 0 && job->written < g_bytes_get_size (job->data))
    {
      job->source = g_timeout_source_new (job->dribble_ms);
      g_source_set_callback (job->source, raw_dribble_cb, job, NULL);
      g_source_attach (job->source, job->server->context);
      return;
    }
  raw_write_next (job);
}

static void
raw_write_next (RawJob *job)
{
  gsize size = g_bytes_get_size (job->data);
  gsize n;

  if (job->written >= size)
    {
      raw_finish (job);
      return;
    }

  n = job->dribble_ms > 0 ? 1 : size - job->written;
  job->busy = TRUE;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (job->stream),
                                   (const guint8 *) g_bytes_get_data (job->data, NULL) + job->written,
                                   n, G_PRIORITY_DEFAULT, job->cancellable,
                                   raw_written_cb, job);
}

static gboolean
raw_steal_cb (gpointer user_data)
{
  RawJob *job = user_data;
  GSocket *socket;

  g_clear_pointer (&job->source, g_source_unref);

  /* In flight until the connection is shut, like /reset. */
  job->tracker = g_object_steal_data (G_OBJECT (job->msg), IN_FLIGHT_KEY);
  socket = soup_server_message_get_socket (job->msg);
  job->socket = socket != NULL ? g_object_ref (socket) : NULL;
  job->stream = soup_server_message_steal_connection (job->msg);
  g_clear_object (&job->msg);

  if (job->stream == NULL)
    {
      raw_job_free (job);
      return G_SOURCE_REMOVE;
    }

  raw_write_next (job);
  return G_SOURCE_REMOVE;
}

/* Answers msg with exactly the bytes of data (status line, headers and
 * body) on its stolen connection. */
static void
raw_respond (TestServer        *server,
             SoupServerMessage *msg,
             GBytes            *data,
             guint              dribble_ms,
             RawEnd             end)
{
  RawJob *job = g_new0 (RawJob, 1);

  job->server = server;
  job->msg = g_object_ref (msg);
  job->cancellable = g_cancellable_new ();
  job->data = data;
  job->dribble_ms = dribble_ms;
  job->end = end;
  g_ptr_array_add (server->raw_jobs, job);

  /* Steal the connection once SoupServer is done with this dispatch. */
  soup_server_message_pause (msg);
  job->source = g_idle_source_new ();
  g_source_set_callback (job->source, raw_steal_cb, job, NULL);
  g_source_attach (job->source, server->context);
}

/* head (without the blank line) + "\r\n" + pattern bytes [0, n). */
static GBytes *
raw_with_pattern (const char *head,
                  gsize       n)
{
  gsize head_len = strlen (head);
  guint8 *data = g_malloc (head_len + 2 + n);

  memcpy (data, head, head_len);
  memcpy (data + head_len, "\r\n", 2);
  test_fill_pattern (data + head_len + 2, 0, n);
  return g_bytes_new_take (data, head_len + 2 + n);
}

/* /short/N?total=T[&etag=1][&rst=1][&once=KEY][&rate=B][&piece=P]:
 * Content-Length T (default 2N), N bytes, then the connection is closed
 * (or reset).  Without etag there is no ETag and no Accept-Ranges, so a
 * client can only start over; with it, a Range request gets 206 and the
 * rest, like /reset, or only P bytes of it with piece.  With once, only the
 * first request of KEY is cut short; later ones without Range get all T
 * bytes.  Those later answers trickle at B bytes a second with rate.
 * /stall/N?chunked=1 sends the N bytes as one chunk and never the last. */
static void
short_handler (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  TestServer *server = user_data;
  gboolean stall = g_str_has_prefix (path, "/stall");
  gboolean etag = query_string (query, "etag") != NULL;
  gboolean chunked = stall && query_string (query, "chunked") != NULL;
  g_autofree char *head = NULL;
  g_autofree char *tag = NULL;
  guint64 n, total, rate, piece;
  gsize tick;

  if (!parse_number (path_argument (path, stall ? "/stall" : "/short"), G_MAXINT32, &n) ||
      !query_number (query, "total", 2 * n, G_MAXINT64, &total) ||
      !query_number (query, "rate", 0, G_MAXUINT32, &rate) ||
      !query_number (query, "piece", 0, G_MAXINT64, &piece) ||
      total < n)
    {
      respond_bad_request (msg, "expected /short/N?total=T or /stall/N?total=T");
      return;
    }

  tag = g_strdup_printf ("short-%" G_GUINT64_FORMAT, total);
  tick = rate_tick (rate);
  if (etag && soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Range") != NULL)
    {
      serve_pattern_with_ranges (server, msg, (goffset) total, tag, tick, (goffset) piece);
      return;
    }
  if (query_string (query, "once") != NULL)
    {
      g_autofree char *key = g_strdup_printf ("short %s", query_string (query, "once"));

      if (count_key_request (server, key) > 1)
        {
          serve_pattern_with_ranges (server, msg, (goffset) total, tag, tick, (goffset) piece);
          return;
        }
    }

  if (chunked)
    {
      /* The chunk's size line ends the head; its data is the pattern. */
      head = g_strdup_printf ("HTTP/1.1 200 OK\r\n"
                              "Content-Type: application/octet-stream\r\n"
                              "Transfer-Encoding: chunked\r\n"
                              "%s%s%s"
                              "\r\n%" G_GINT64_MODIFIER "x",
                              etag ? "ETag: \"" : "", etag ? tag : "", etag ? "\"\r\nAccept-Ranges: bytes\r\n" : "",
                              (gint64) n);
      raw_respond (server, msg, raw_with_pattern (head, n), 0, RAW_END_HOLD);
      return;
    }
  head = g_strdup_printf ("HTTP/1.1 200 OK\r\n"
                          "Content-Type: application/octet-stream\r\n"
                          "Content-Length: %" G_GUINT64_FORMAT "\r\n"
                          "%s%s%s",
                          total,
                          etag ? "ETag: \"" : "", etag ? tag : "", etag ? "\"\r\nAccept-Ranges: bytes\r\n" : "");
  raw_respond (server, msg, raw_with_pattern (head, n), 0,
               stall ? RAW_END_HOLD
                     : query_string (query, "rst") != NULL ? RAW_END_RESET : RAW_END_CLOSE);
}

/* /reason/CODE?phrase=P: status CODE with the reason phrase P (any bytes
 * but CR and LF, percent-encoded in the query), and an empty body. */
static void
reason_handler (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  const char *phrase = query_string (query, "phrase");
  g_autofree char *head = NULL;
  guint64 code, length;

  if (!parse_number (path_argument (path, "/reason"), 599, &code) || code < 200 ||
      phrase == NULL || !valid_header_value (phrase) ||
      !query_number (query, "length", 0, G_MAXINT32, &length))
    {
      respond_bad_request (msg, "expected /reason/CODE?phrase=P&length=N");
      return;
    }

  /* A Content-Length announced but no body sent (right for 204 and 304). */
  head = g_strdup_printf ("HTTP/1.1 %u %s\r\nContent-Length: %u\r\n", (guint) code, phrase, (guint) length);
  raw_respond (user_data, msg, raw_with_pattern (head, 0), 0, RAW_END_CLOSE);
}

/* /raw-disposition?V: Content-Disposition: V, where V is the whole query
 * percent-decoded to raw bytes (invalid UTF-8 included), and 16 bytes. */
static void
raw_disposition_handler (SoupServer        *soup,
                         SoupServerMessage *msg,
                         const char        *path,
                         GHashTable        *query,
                         gpointer           user_data)
{
  const char *raw = g_uri_get_query (soup_server_message_get_uri (msg));
  g_autoptr(GBytes) value = raw != NULL ? g_uri_unescape_bytes (raw, -1, NULL, NULL) : NULL;
  g_autoptr(GString) head = g_string_new ("HTTP/1.1 200 OK\r\n"
                                          "Content-Type: application/octet-stream\r\n"
                                          "Content-Length: 16\r\n"
                                          "Content-Disposition: ");
  gsize length = 0;
  const char *bytes = value != NULL ? g_bytes_get_data (value, &length) : NULL;

  if (bytes == NULL || memchr (bytes, '\r', length) != NULL || memchr (bytes, '\n', length) != NULL ||
      memchr (bytes, '\0', length) != NULL)
    {
      respond_bad_request (msg, "expected /raw-disposition?VALUE");
      return;
    }
  g_string_append_len (head, bytes, length);
  g_string_append (head, "\r\n");
  raw_respond (user_data, msg, raw_with_pattern (head->str, 16), 0, RAW_END_CLOSE);
}

/* /dribble/N?delay=MS: a whole response (headers and N body bytes)
 * written one byte every MS milliseconds (default 5). */
static void
dribble_handler (SoupServer        *soup,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  g_autofree char *head = NULL;
  guint64 n, delay;

  if (!parse_number (path_argument (path, "/dribble"), 1024 * 1024, &n) ||
      !query_number (query, "delay", 5, 60000, &delay) || delay == 0)
    {
      respond_bad_request (msg, "expected /dribble/N?delay=MS");
      return;
    }

  head = g_strdup_printf ("HTTP/1.1 200 OK\r\n"
                          "Content-Type: application/octet-stream\r\n"
                          "Content-Length: %" G_GUINT64_FORMAT "\r\n",
                          n);
  raw_respond (user_data, msg, raw_with_pattern (head, n), (guint) delay, RAW_END_CLOSE);
}

/* /bad-chunked?kind=K: chunked encoding gone wrong after a good first
 * chunk of 16 bytes.  K: garbage (a chunk size that is not hex, the
 * default), huge (a size that overflows 64 bits), short (a chunk of 4096
 * announced, 10 bytes sent, then close), nocrlf (no CRLF after a chunk),
 * boundary (a close right after the good chunk: no last chunk). */
static void
bad_chunked_handler (SoupServer        *soup,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  const char *kind = query_string (query, "kind");
  GString *out = g_string_new ("HTTP/1.1 200 OK\r\n"
                               "Content-Type: application/octet-stream\r\n"
                               "Transfer-Encoding: chunked\r\n"
                               "\r\n"
                               "10\r\n0123456789abcdef\r\n");

  if (kind == NULL || strcmp (kind, "garbage") == 0)
    g_string_append (out, "zz-not-hex\r\nxxxx\r\n0\r\n\r\n");
  else if (strcmp (kind, "huge") == 0)
    g_string_append (out, "fffffffffffffffffffff\r\nxxxx\r\n0\r\n\r\n");
  else if (strcmp (kind, "short") == 0)
    g_string_append (out, "1000\r\n0123456789");
  else if (strcmp (kind, "nocrlf") == 0)
    g_string_append (out, "4\r\nxxxxYYYY4\r\nxxxx\r\n0\r\n\r\n");
  else if (strcmp (kind, "boundary") == 0)
    ;
  else
    {
      g_string_free (out, TRUE);
      respond_bad_request (msg, "expected /bad-chunked?kind=garbage|huge|short|nocrlf|boundary");
      return;
    }

  raw_respond (user_data, msg, g_string_free_to_bytes (out), 0, RAW_END_CLOSE);
}

/* /huge-headers/K[?one=1]: K KiB of response headers (1 KiB lines, or one
 * line of K KiB), then a 16-byte body. */
static void
huge_headers_handler (SoupServer        *soup,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query,
                      gpointer           user_data)
{
  g_autofree char *filler = NULL;
  GString *head;
  guint64 k;

  if (!parse_number (path_argument (path, "/huge-headers"), 64 * 1024, &k))
    {
      respond_bad_request (msg, "expected /huge-headers/K");
      return;
    }

  head = g_string_new ("HTTP/1.1 200 OK\r\n"
                       "Content-Type: application/octet-stream\r\n"
                       "Content-Length: 16\r\n");
  if (query_string (query, "one") != NULL)
    {
      filler = g_strnfill (k * 1024, 'x');
      g_string_append_printf (head, "X-Filler: %s\r\n", filler);
    }
  else
    {
      filler = g_strnfill (1000, 'x');
      for (guint64 i = 0; i < k; i++)
        g_string_append_printf (head, "X-Filler-%06u: %s\r\n", (guint) i, filler);
    }
  raw_respond (user_data, msg, raw_with_pattern (head->str, 16), 0, RAW_END_CLOSE);
  g_string_free (head, TRUE);
}

/* /content-range-wrong/T?key=X: the first request gets half of T bytes
 * and a closed connection (with an ETag); a Range request then gets 206
 * with a Content-Range that starts elsewhere than asked; a request
 * without Range after that gets all T bytes. */
static void
content_range_wrong_handler (SoupServer        *soup,
                             SoupServerMessage *msg,
                             const char        *path,
                             GHashTable        *query,
                             gpointer           user_data)
{
  TestServer *server = user_data;
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *key = query_string (query, "key");
  g_autofree char *count_key = NULL;
  g_autofree char *head = NULL;
  guint64 total;
  guint count;

  if (!parse_number (path_argument (path, "/content-range-wrong"), G_MAXINT32, &total) || total < 4)
    {
      respond_bad_request (msg, "expected /content-range-wrong/T?key=X with T ≥ 4");
      return;
    }

  count_key = g_strdup_printf ("content-range-wrong %s", key != NULL ? key : path);
  count = count_key_request (server, count_key);

  if (soup_message_headers_get_one (request, "Range") != NULL)
    {
      /* Whatever was asked, bytes 1 to the end. */
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
      soup_message_headers_replace (response, "ETag", "\"crw\"");
      soup_message_headers_set_content_range (response, 1, (goffset) total - 1, (goffset) total);
      serve_pattern (server, msg, 1, (goffset) total, FALSE, 0);
      return;
    }

  if (count > 1)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_replace (response, "ETag", "\"crw\"");
      serve_pattern (server, msg, 0, (goffset) total, FALSE, 0);
      return;
    }

  head = g_strdup_printf ("HTTP/1.1 200 OK\r\n"
                          "Content-Type: application/octet-stream\r\n"
                          "Content-Length: %" G_GUINT64_FORMAT "\r\n"
                          "ETag: \"crw\"\r\n"
                          "Accept-Ranges: bytes\r\n",
                          total);
  raw_respond (server, msg, raw_with_pattern (head, total / 2), 0, RAW_END_CLOSE);
}

/* Endless and compressed bodies */

/* A body that repeats unit forever, one unit per written chunk. */
typedef struct
{
  SoupServerMessage *msg;
  GBytes            *unit;
} RepeatStream;

static void
repeat_stream_free (gpointer  data,
                    GClosure *closure)
{
  RepeatStream *stream = data;

  g_bytes_unref (stream->unit);
  g_free (stream);
}

static void
repeat_stream_append (RepeatStream *stream)
{
  soup_message_body_append_bytes (soup_server_message_get_response_body (stream->msg), stream->unit);
}

static void
repeat_wrote_chunk_cb (SoupServerMessage *msg,
                       gpointer           user_data)
{
  repeat_stream_append (user_data);
}

/* /endless[?type=html]: a chunked body that never ends, of pattern bytes
 * (application/octet-stream) or of HTML links. */
static void
endless_handler (SoupServer        *soup,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  TestServer *server = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *type = query_string (query, "type");
  RepeatStream *stream;

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  if (type == NULL)
    {
      soup_message_headers_replace (headers, "Content-Type", "application/octet-stream");
      serve_pattern (server, msg, 0, G_MAXINT64, TRUE, 0);
      return;
    }

  soup_message_headers_replace (headers, "Content-Type", "text/html");
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);

  stream = g_new0 (RepeatStream, 1);
  stream->msg = msg;
  {
    GString *unit = g_string_new (NULL);

    while (unit->len < STREAM_CHUNK_SIZE)
      g_string_append (unit, "<p><a href=\"/next\">more</a></p>\n");
    stream->unit = g_string_free_to_bytes (unit);
  }
  g_signal_connect_data (msg, "wrote-chunk", G_CALLBACK (repeat_wrote_chunk_cb),
                         stream, repeat_stream_free, 0);
  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC,
                            "<!DOCTYPE html><title>Endless</title>\n", 38);
  repeat_stream_append (stream);
}

/* gzip of input, or NULL. */
static GBytes *
gzip_bytes (const guint8 *input,
            gsize         length,
            gboolean      repeat_to_mib,
            gsize         mib)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize total_in = repeat_to_mib ? mib * 1024 * 1024 : length;
  gsize fed = 0;
  guint8 buffer[64 * 1024];

  for (;;)
    {
      const guint8 *in = input + (repeat_to_mib ? fed % length : fed);
      gsize in_len = repeat_to_mib ? MIN (length - fed % length, total_in - fed) : total_in - fed;
      GConverterFlags flags = fed + in_len >= total_in ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS;
      gsize read = 0, written = 0;
      GConverterResult result;

      result = g_converter_convert (G_CONVERTER (compressor), in, in_len, buffer, sizeof buffer,
                                    flags, &read, &written, NULL);
      if (result == G_CONVERTER_ERROR)
        return NULL;
      g_byte_array_append (out, buffer, written);
      fed += read;
      if (result == G_CONVERTER_FINISHED)
        break;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* /gzip-bomb/MB?layers=L&type=html: MB MiB of zeros (or of HTML links,
 * with type=html) gzipped L times (default 1), sent with
 * "Content-Encoding: gzip[, gzip…]".  Built once per server. */
static void
gzip_bomb_handler (SoupServer        *soup,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  TestServer *server = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  gboolean html = g_strcmp0 (query_string (query, "type"), "html") == 0;
  g_autofree char *key = NULL;
  GBytes *body;
  guint64 mib, layers;

  if (!parse_number (path_argument (path, "/gzip-bomb"), 4096, &mib) || mib == 0 ||
      !query_number (query, "layers", 1, 4, &layers) || layers == 0)
    {
      respond_bad_request (msg, "expected /gzip-bomb/MB?layers=L&type=html");
      return;
    }

  key = g_strdup_printf ("%u/%u/%d", (guint) mib, (guint) layers, html);
  body = g_hash_table_lookup (server->gzip_cache, key);
  if (body == NULL)
    {
      static const char unit[] = "<a href=\"/x\">x</a>\n";
      static const guint8 zeros[4096];

      body = html ? gzip_bytes ((const guint8 *) unit, strlen (unit), TRUE, mib)
                  : gzip_bytes (zeros, sizeof zeros, TRUE, mib);
      for (guint64 i = 1; body != NULL && i < layers; i++)
        {
          GBytes *inner = body;

          body = gzip_bytes (g_bytes_get_data (inner, NULL), g_bytes_get_size (inner), FALSE, 0);
          g_bytes_unref (inner);
        }
      g_assert_nonnull (body);
      g_hash_table_insert (server->gzip_cache, g_strdup (key), body);
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (headers, "Content-Type", html ? "text/html" : "application/octet-stream");
  {
    g_autoptr(GString) encoding = g_string_new ("gzip");

    for (guint64 i = 1; i < layers; i++)
      g_string_append (encoding, ", gzip");
    soup_message_headers_replace (headers, "Content-Encoding", encoding->str);
  }
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), body);
}

/* /loop?at=a: 302 to ?at=b, which redirects back to ?at=a. */
static void
loop_handler (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  gboolean at_b = g_strcmp0 (query_string (query, "at"), "b") == 0;

  respond_text (msg, SOUP_STATUS_FOUND, "round and round\n");
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Location", at_b ? "/loop?at=a" : "/loop?at=b");
}

/* The silent listener */

static gboolean
silent_incoming_cb (GSocketService     *service,
                    GSocketConnection  *connection,
                    GObject            *source_object,
                    gpointer            user_data)
{
  TestServer *server = user_data;

  /* Kept open, never read from, never written to. */
  g_ptr_array_add (server->silent_connections, g_object_ref (connection));
  return TRUE;
}

static void
closing_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GSocketConnection) connection = user_data;
  struct linger reset = { 1, 0 };

  g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  setsockopt (g_socket_get_fd (g_socket_connection_get_socket (connection)),
              SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

static gboolean
closing_incoming_cb (GSocketService     *service,
                     GSocketConnection  *connection,
                     GObject            *source_object,
                     gpointer            user_data)
{
  TestServer *server = user_data;
  static guint8 first_bytes[512];

  /* Once the client has spoken (a TLS ClientHello, a request line), the
   * connection is reset: a handshake or request cut short. */
  server->closing_count++;
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                             first_bytes, sizeof first_bytes, G_PRIORITY_DEFAULT, NULL,
                             closing_read_cb, g_object_ref (connection));
  return TRUE;
}

/* A service on its own loopback port; returns the port. */
static guint
raw_port_start (TestServer      *server,
                GSocketService **service,
                GCallback        incoming)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  *service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (*service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &effective, &error))
    g_error ("test server: cannot listen on a raw port: %s", error->message);
  g_signal_connect (*service, "incoming", incoming, server);
  g_socket_service_start (*service);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
}

static void
silent_start (TestServer *server)
{
  server->silent_connections = g_ptr_array_new_with_free_func (g_object_unref);
  server->silent_port = raw_port_start (server, &server->silent, G_CALLBACK (silent_incoming_cb));
}

static void
raw_port_stop (TestServer      *server,
               GSocketService **service)
{
  if (*service == NULL)
    return;
  g_signal_handlers_disconnect_by_data (*service, server);
  g_socket_service_stop (*service);
  g_socket_listener_close (G_SOCKET_LISTENER (*service));
  g_clear_object (service);
}

char *
test_server_closing_url (TestServer *server,
                         const char *scheme,
                         const char *path_and_query)
{
  g_return_val_if_fail (server != NULL, NULL);

  if (server->closing == NULL)
    server->closing_port = raw_port_start (server, &server->closing, G_CALLBACK (closing_incoming_cb));
  return g_strdup_printf ("%s://127.0.0.1:%u%s", scheme, server->closing_port,
                          path_and_query != NULL ? path_and_query : "/");
}

guint
test_server_get_closing_count (TestServer *server)
{
  g_return_val_if_fail (server != NULL, 0);
  return server->closing_count;
}

static void
silent_stop (TestServer *server)
{
  if (server->silent == NULL)
    return;
  raw_port_stop (server, &server->silent);
  for (guint i = 0; i < server->silent_connections->len; i++)
    g_io_stream_close (g_ptr_array_index (server->silent_connections, i), NULL, NULL);
  g_clear_pointer (&server->silent_connections, g_ptr_array_unref);
}

guint
test_server_get_silent_connection_count (TestServer *server)
{
  g_return_val_if_fail (server != NULL, 0);

  return server->silent_connections != NULL ? server->silent_connections->len : 0;
}

char *
test_server_silent_url (TestServer *server,
                        const char *path_and_query)
{
  g_return_val_if_fail (server != NULL, NULL);

  if (server->silent == NULL)
    silent_start (server);
  if (path_and_query == NULL)
    path_and_query = "/";
  return g_strdup_printf ("http://127.0.0.1:%u%s%s", server->silent_port,
                          path_and_query[0] == '/' ? "" : "/", path_and_query);
}

/* The server */

static gboolean
listen_on (SoupServer  *soup,
           const char  *ip,
           guint        port,
           GError     **error)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (ip);
  g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new (address, (guint16) port);
  SoupServerListenOptions options = soup_server_get_tls_certificate (soup) != NULL
                                    ? SOUP_SERVER_LISTEN_HTTPS : 0;

  return soup_server_listen (soup, socket_address, options, error);
}

static guint
listener_port (SoupServer *soup)
{
  GSList *listeners = soup_server_get_listeners (soup);
  guint port = 0;

  if (listeners != NULL)
    {
      g_autoptr(GSocketAddress) address = g_socket_get_local_address (listeners->data, NULL);

      if (G_IS_INET_SOCKET_ADDRESS (address))
        port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
    }
  g_slist_free (listeners);

  return port;
}

/* Listens on 127.0.0.1, .2 and .3 with one port; NULL on failure. */
static SoupServer *
make_soup_server (GTlsCertificate  *certificate,
                  guint            *port_out,
                  GError          **error)
{
  g_autoptr(SoupServer) soup = soup_server_new ("raw-paths", TRUE,
                                                "tls-certificate", certificate,
                                                NULL);
  guint port;

  if (!listen_on (soup, "127.0.0.1", 0, error))
    return NULL;

  port = listener_port (soup);
  if (port == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "could not read back the listening port");
      return NULL;
    }

  if (!listen_on (soup, "127.0.0.2", port, error) ||
      !listen_on (soup, "127.0.0.3", port, error))
    {
      soup_server_disconnect (soup);
      return NULL;
    }

  *port_out = port;
  return g_steal_pointer (&soup);
}

static TestServer *
server_new (GTlsCertificate *certificate)
{
  TestServer *server;
  SoupServer *soup = NULL;
  guint port = 0;
  g_autoptr(GError) error = NULL;

  for (guint attempt = 0; soup == NULL && attempt < BIND_ATTEMPTS; attempt++)
    {
      g_clear_error (&error);
      soup = make_soup_server (certificate, &port, &error);
    }

  if (soup == NULL)
    g_error ("test server: cannot listen on 127.0.0.1-3: %s", error->message);

  server = g_new0 (TestServer, 1);
  server->tls = certificate != NULL;
  server->soup = soup;
  server->port = port;
  server->context = g_main_context_ref_thread_default ();
  server->requests = g_ptr_array_new_with_free_func (test_request_free);
  server->active = g_ptr_array_new ();
  server->prefix_peaks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server->host_peaks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server->retry_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server->raw_jobs = g_ptr_array_new ();
  server->gzip_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_bytes_unref);

  g_signal_connect (soup, "request-read", G_CALLBACK (request_read_cb), server);

  soup_server_add_handler (soup, NULL, default_handler, server, NULL);
  soup_server_add_handler (soup, "/bytes", bytes_handler, server, NULL);
  soup_server_add_handler (soup, "/chunked", bytes_handler, server, NULL);
  soup_server_add_handler (soup, "/slow", slow_handler, server, NULL);
  soup_server_add_handler (soup, "/status", status_handler, server, NULL);
  soup_server_add_handler (soup, "/redirect", redirect_handler, server, NULL);
  soup_server_add_handler (soup, "/disposition", disposition_handler, server, NULL);
  soup_server_add_handler (soup, "/reset", reset_handler, server, NULL);
  soup_server_add_handler (soup, "/retry-after", retry_after_handler, server, NULL);
  soup_server_add_handler (soup, "/range", range_handler, server, NULL);
  soup_server_add_handler (soup, "/html", html_handler, server, NULL);
  soup_server_add_handler (soup, "/hang", hang_handler, server, NULL);
  soup_server_add_handler (soup, "/links", links_handler, server, NULL);
  soup_server_add_handler (soup, "/short", short_handler, server, NULL);
  soup_server_add_handler (soup, "/stall", short_handler, server, NULL);
  soup_server_add_handler (soup, "/dribble", dribble_handler, server, NULL);
  soup_server_add_handler (soup, "/reason", reason_handler, server, NULL);
  soup_server_add_handler (soup, "/raw-disposition", raw_disposition_handler, server, NULL);
  soup_server_add_handler (soup, "/bad-chunked", bad_chunked_handler, server, NULL);
  soup_server_add_handler (soup, "/huge-headers", huge_headers_handler, server, NULL);
  soup_server_add_handler (soup, "/content-range-wrong", content_range_wrong_handler, server, NULL);
  soup_server_add_handler (soup, "/endless", endless_handler, server, NULL);
  soup_server_add_handler (soup, "/gzip-bomb", gzip_bomb_handler, server, NULL);
  soup_server_add_handler (soup, "/loop", loop_handler, server, NULL);

  return server;
}

TestServer *
test_server_new (void)
{
  return server_new (NULL);
}

TestServer *
test_server_new_tls (GError **error)
{
  g_autofree char *cert_file = g_build_filename (TEST_DATA_DIR, "test-tls-cert.pem", NULL);
  g_autofree char *key_file = g_build_filename (TEST_DATA_DIR, "test-tls-key.pem", NULL);
  g_autoptr(GTlsCertificate) certificate = NULL;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_UNAVAILABLE,
                           "no TLS backend (glib-networking) is installed");
      return NULL;
    }
  certificate = g_tls_certificate_new_from_files (cert_file, key_file, error);
  if (certificate == NULL)
    return NULL;
  return server_new (certificate);
}

void
test_server_free (TestServer *server)
{
  if (server == NULL)
    return;

  /* Raw responses: stop them; those waiting on a timer go at once, the
   * others when their cancelled call returns. */
  for (guint i = 0; i < server->raw_jobs->len; i++)
    g_cancellable_cancel (((RawJob *) g_ptr_array_index (server->raw_jobs, i))->cancellable);
  while (server->raw_jobs->len > 0)
    {
      RawJob *job = g_ptr_array_index (server->raw_jobs, 0);

      if (!job->busy)
        raw_job_free (job);
      else
        g_main_context_iteration (server->context, TRUE);
    }
  silent_stop (server);
  raw_port_stop (server, &server->closing);

  /* Closes listeners and client connections: every message still in
   * progress finishes (as aborted), which stops /slow timers. */
  g_signal_handlers_disconnect_by_data (server->soup, server);
  soup_server_disconnect (server->soup);

  /* Messages somebody else still holds must not reach back here. */
  while (server->active->len > 0)
    {
      Tracker *tracker = g_ptr_array_index (server->active, 0);

      tracker_finish (tracker);
    }

  g_clear_object (&server->soup);

  /* Let closed connections (ours and, if already dropped, the client's)
   * finish going away, so that nothing shows up as leaked. */
  for (guint i = 0; i < 1000 && g_main_context_pending (server->context); i++)
    g_main_context_iteration (server->context, FALSE);

  g_clear_pointer (&server->context, g_main_context_unref);
  g_clear_pointer (&server->requests, g_ptr_array_unref);
  g_clear_pointer (&server->active, g_ptr_array_unref);
  g_clear_pointer (&server->prefix_peaks, g_hash_table_unref);
  g_clear_pointer (&server->host_peaks, g_hash_table_unref);
  g_clear_pointer (&server->retry_counts, g_hash_table_unref);
  g_clear_pointer (&server->raw_jobs, g_ptr_array_unref);
  g_clear_pointer (&server->gzip_cache, g_hash_table_unref);
  g_free (server);
}

guint
test_server_get_port (TestServer *server)
{
  g_return_val_if_fail (server != NULL, 0);

  return server->port;
}

char *
test_server_url (TestServer *server,
                 const char *path_and_query)
{
  return test_server_url_for_host (server, NULL, path_and_query);
}

char *
test_server_url_for_host (TestServer *server,
                          const char *host,
                          const char *path_and_query)
{
  g_return_val_if_fail (server != NULL, NULL);

  if (path_and_query == NULL)
    path_and_query = "/";

  return g_strdup_printf ("%s://%s:%u%s%s",
                          server->tls ? "https" : "http",
                          host != NULL ? host : "127.0.0.1",
                          server->port,
                          path_and_query[0] == '/' ? "" : "/",
                          path_and_query);
}

guint
test_server_get_request_count (TestServer *server,
                               const char *prefix)
{
  guint count = 0;

  g_return_val_if_fail (server != NULL, 0);

  for (guint i = 0; i < server->requests->len; i++)
    {
      TestRequest *request = g_ptr_array_index (server->requests, i);

      if (path_has_prefix (request->path, prefix))
        count++;
    }

  return count;
}

guint
test_server_get_in_flight (TestServer *server,
                           const char *prefix)
{
  guint count = 0;

  g_return_val_if_fail (server != NULL, 0);

  for (guint i = 0; i < server->active->len; i++)
    {
      Tracker *tracker = g_ptr_array_index (server->active, i);

      if (path_has_prefix (tracker->path, prefix))
        count++;
    }

  return count;
}

guint
test_server_get_peak_in_flight (TestServer *server,
                                const char *prefix)
{
  g_return_val_if_fail (server != NULL, 0);

  if (prefix == NULL)
    return server->peak;

  return GPOINTER_TO_UINT (g_hash_table_lookup (server->prefix_peaks, prefix));
}

guint
test_server_get_peak_in_flight_for_host (TestServer *server,
                                         const char *host)
{
  g_return_val_if_fail (server != NULL, 0);
  g_return_val_if_fail (host != NULL, 0);

  return GPOINTER_TO_UINT (g_hash_table_lookup (server->host_peaks, host));
}

void
test_server_reset_counters (TestServer *server)
{
  g_return_if_fail (server != NULL);

  g_ptr_array_set_size (server->requests, 0);
  g_hash_table_remove_all (server->retry_counts);
  g_hash_table_remove_all (server->prefix_peaks);
  g_hash_table_remove_all (server->host_peaks);

  /* Peaks restart from what is in flight right now. */
  server->peak = 0;
  for (guint i = 0; i < server->active->len; i++)
    update_peaks (server, g_ptr_array_index (server->active, i));
}

GPtrArray *
test_server_get_requests (TestServer *server)
{
  g_return_val_if_fail (server != NULL, NULL);

  return server->requests;
}

TestRequest *
test_server_get_last_request (TestServer *server,
                              const char *prefix)
{
  g_return_val_if_fail (server != NULL, NULL);

  for (guint i = server->requests->len; i > 0; i--)
    {
      TestRequest *request = g_ptr_array_index (server->requests, i - 1);

      if (path_has_prefix (request->path, prefix))
        return request;
    }

  return NULL;
}

/* Main-loop helpers */

static gboolean
wake_up_cb (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

void
test_iterate_before (gint64      deadline,
                     const char *what,
                     const char *file,
                     int         line)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  gint64 now = g_get_monotonic_time ();
  gint64 wait_ms;
  GSource *timeout;

  if (now >= deadline)
    g_error ("timed out waiting for %s (%s:%d)", what, file, line);

  wait_ms = MIN ((deadline - now + 999) / 1000, 100);
  timeout = g_timeout_source_new ((guint) wait_ms);
  g_source_set_callback (timeout, wake_up_cb, NULL, NULL);
  g_source_attach (timeout, context);

  g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);
}

guint
test_get_slowdown (void)
{
  static gsize slowdown = 0;

  if (g_once_init_enter (&slowdown))
    {
      const char *value = g_getenv ("SLUICE_TEST_SLOWDOWN");
      guint64 n = 1;

      if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, 1000, &n, NULL))
        n = 1;
      g_once_init_leave (&slowdown, (gsize) n);
    }
  return (guint) slowdown;
}

guint
test_scale_timeout (guint timeout_ms)
{
  return (guint) MIN ((guint64) timeout_ms * test_get_slowdown (), G_MAXUINT);
}

void
test_run_until (gboolean  (*cond) (gpointer data),
                gpointer    data,
                guint       timeout_ms,
                const char *what)
{
  /* (Messages name the time asked for, whatever the slowdown.) */
  gint64 deadline = g_get_monotonic_time () + (gint64) test_scale_timeout (timeout_ms) * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () >= deadline)
        g_error ("timed out after %u ms waiting for %s", timeout_ms, what);

      test_iterate_before (deadline, what, __FILE__, __LINE__);
    }
}

/* Temporary directories */

char *
test_make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *path;

  path = g_dir_make_tmp ("sluice-test-XXXXXX", &error);
  g_assert_no_error (error);

  return path;
}

static void
remove_file_tree (GFile *file)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_TYPE,
                            G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  if (info == NULL)
    return;

  if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      g_autoptr(GFileEnumerator) children = NULL;
      g_autofree char *path = g_file_get_path (file);

      /* A test may have taken permissions away. */
      if (path != NULL)
        g_chmod (path, 0700);

      children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                            G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                                            NULL, NULL);
      while (children != NULL)
        {
          GFileInfo *child_info = NULL;
          GFile *child = NULL;

          if (!g_file_enumerator_iterate (children, &child_info, &child, NULL, NULL) ||
              child == NULL)
            break;

          remove_file_tree (child);
        }
    }

  if (!g_file_delete (file, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_test_message ("could not remove %s: %s", g_file_peek_path (file), error->message);
}

void
test_remove_tree (const char *path)
{
  g_autoptr(GFile) file = NULL;

  if (path == NULL)
    return;

  file = g_file_new_for_path (path);
  remove_file_tree (file);
}

guint
test_count_files (const char *dir,
                  const char *suffix)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (suffix == NULL || g_str_has_suffix (name, suffix))
      n++;
  return n;
}

SluiceScheduler *
test_scheduler_new (const char *download_dir,
                    guint       timeout_seconds)
{
  return g_object_new (SLUICE_TYPE_SCHEDULER,
                       "download-directory", download_dir,
                       "retry-delay", 0.01,
                       "timeout", timeout_seconds,
                       NULL);
}

SluiceTask *
test_add_url (SluiceScheduler *scheduler,
              const char      *url,
              SluiceTaskKind   kind)
{
  SluiceTask *task = sluice_scheduler_add (scheduler, url, kind);

  g_assert_nonnull (task);
  return task;
}

SluiceTask *
test_add_task (SluiceScheduler *scheduler,
               TestServer      *server,
               const char      *path,
               SluiceTaskKind   kind)
{
  g_autofree char *url = test_server_url (server, path);

  return test_add_url (scheduler, url, kind);
}

guint64
test_sum_bytes_received (GListModel *tasks)
{
  guint64 sum = 0;

  for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
    {
      g_autoptr(SluiceTask) task = g_list_model_get_item (tasks, i);

      sum += (guint64) sluice_task_get_bytes_received (task);
    }
  return sum;
}
