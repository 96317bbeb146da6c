/* test-utils.h: a loopback HTTP server with fault endpoints, and main-loop
 * helpers, shared by every test program.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "sluice-scheduler.h"

G_BEGIN_DECLS

/* The server listens on 127.0.0.1, 127.0.0.2 and 127.0.0.3 (one port), so
 * tests can stand for three distinct hosts.  It runs on the thread-default
 * main context of the thread that made it.
 *
 * Endpoints (N, K, S, B are decimal numbers):
 *   /bytes/N              N bytes of test_fill_pattern() data, Content-Length
 *   /chunked/N            the same N bytes, chunked transfer encoding
 *   /slow/N?rate=B        N bytes at about B bytes per second (paused and
 *                         trickled every 50 ms), Content-Length
 *   /status/CODE          that status, a short text body
 *   /redirect/K[?to=URL&status=S]  302 (or S) to /redirect/K-1; /redirect/0
 *                         answers 200 "done", or redirects to URL (any
 *                         scheme) if given
 *   /disposition?name=N   attachment; filename="N" (pattern body, 16 bytes
 *                         unless &size=), or ?value=RAW for any header value
 *   /reset/N[?total=T]    announces T bytes (default 2N) and closes the
 *                         connection after N; a request with Range gets 206
 *                         and the rest (ETag "reset-T")
 *   /retry-after/S[?times=K&key=X&status=CODE]  CODE (default 503) with
 *                         Retry-After: S for the first K (default 1)
 *                         requests of key X, then 200 + 64 bytes; S may also
 *                         be an HTTP date (percent-encoded)
 *   /range/N[?etag=E&rate=B]  N pattern bytes honouring Range and If-Range
 *                         (ETag "E", default "range-N"); 206 or 200; with
 *                         rate, trickled like /slow
 *   /html/NAME[?type=T]   tests/data/NAME, Content-Type T (default
 *                         "text/html"); 404 if missing
 *   /hang                 reads the request and never answers
 *   /links/N              an HTML page (title "Links") with N <a href> links
 *   /links/N?compact=1    the same as "<a href>" N times (8 bytes a link)
 *   /reset/N?ignore-range=1  as /reset, but a Range request gets 200 + all
 *
 * Raw responses, written on the stolen connection:
 *   /short/N[?total=T&etag=1&rst=1&once=KEY&rate=B&piece=P]  Content-Length T
 *                         (default 2N), N bytes, then close (RST with rst);
 *                         no ETag or Accept-Ranges unless etag, which also
 *                         makes a Range request get 206 and the rest (ETag
 *                         "short-T"), or only P bytes of it with piece; with
 *                         once, only KEY's first request is cut short; later
 *                         answers trickle at B bytes/s
 *   /stall/N[?total=T&chunked=1]  the same, but the connection stays open and
 *                         silent; with chunked, the N bytes are one chunk and
 *                         the last chunk never comes
 *   /raw-disposition?V    Content-Disposition: V, V being the whole query
 *                         percent-decoded to raw bytes; 16 bytes of body
 *   /reason/CODE?phrase=P[&length=N]  status CODE with reason phrase P (raw
 *                         bytes), an empty body (Content-Length N, default 0)
 *   /dribble/N[?delay=MS] the whole response (headers + N bytes) one byte
 *                         every MS ms (default 5)
 *   /bad-chunked[?kind=K] chunked encoding broken after 16 good bytes: K is
 *                         garbage (a size that is not hex), huge (a size past
 *                         64 bits), short (4096 announced, 10 sent, close),
 *                         nocrlf (no CRLF after a chunk), boundary (a close
 *                         after the good chunk, no last chunk)
 *   /huge-headers/K[?one=1]  K KiB of headers (1 KiB lines, or one line),
 *                         then 16 bytes
 *   /content-range-wrong/T?key=X  first request: T/2 of T bytes, then close
 *                         (ETag "crw"); a Range request: 206 from byte 1,
 *                         whatever was asked; later plain requests: 200, all
 *
 * Bodies:
 *   /endless[?type=html]  chunked, never ends: pattern bytes, or HTML links
 *   /gzip-bomb/MB[?layers=L&type=html]  MB MiB of zeros (or HTML links)
 *                         gzipped L times (default 1), Content-Encoding
 *                         "gzip" L times; built once per server
 *   /loop[?at=a|b]        302 between ?at=a and ?at=b for ever
 *
 * Every request is counted, and the number in flight (headers read, response
 * not yet finished or aborted, connection not closed by the client) is
 * tracked overall, per path prefix (first segment, e.g. "/slow") and per
 * host (without port). */
typedef struct _TestServer TestServer;

typedef struct {
  char *method;
  char *host;            /* without port */
  char *path;
  char *query;           /* or NULL */
  SoupMessageHeaders *headers;  /* request headers */
} TestRequest;

TestServer  *test_server_new                      (void);
/* The same endpoints over HTTPS with the self-signed certificate in
 * tests/data (test-tls-cert.pem, valid for 127.0.0.1); URLs are https.
 * NULL (and error) when no TLS backend is installed. */
TestServer  *test_server_new_tls                  (GError     **error);
void         test_server_free                     (TestServer  *server);
guint        test_server_get_port                 (TestServer  *server);

/* "http://127.0.0.1:PORT" + path_and_query; host NULL means 127.0.0.1. */
char        *test_server_url                      (TestServer  *server,
                                                   const char  *path_and_query);
char        *test_server_url_for_host             (TestServer  *server,
                                                   const char  *host,
                                                   const char  *path_and_query);
/* A URL on 127.0.0.1 whose port accepts connections and then never reads
 * or writes a byte (opened on first use, closed by test_server_free). */
char        *test_server_silent_url               (TestServer  *server,
                                                   const char  *path_and_query);
/* A URL (scheme "http" or "https") on 127.0.0.1 whose port accepts
 * connections and resets each once the client has sent something, and how
 * many it has accepted. */
char        *test_server_closing_url              (TestServer  *server,
                                                   const char  *scheme,
                                                   const char  *path_and_query);
guint        test_server_get_closing_count        (TestServer  *server);
/* How many connections the silent port has accepted (and holds). */
guint        test_server_get_silent_connection_count (TestServer *server);

/* prefix NULL means every request.  Prefix is "/slow", "/bytes", … */
guint        test_server_get_request_count        (TestServer  *server,
                                                   const char  *prefix);
guint        test_server_get_in_flight            (TestServer  *server,
                                                   const char  *prefix);
guint        test_server_get_peak_in_flight       (TestServer  *server,
                                                   const char  *prefix);
guint        test_server_get_peak_in_flight_for_host (TestServer *server,
                                                   const char  *host);
/* Forgets the request log, request counts and /retry-after keys; peaks
 * restart from what is in flight now. */
void         test_server_reset_counters           (TestServer  *server);

/* Every request seen, oldest first; TestRequest* owned by the server. */
GPtrArray   *test_server_get_requests             (TestServer  *server);
/* The newest request whose path starts with prefix, or NULL. */
TestRequest *test_server_get_last_request         (TestServer  *server,
                                                   const char  *prefix);

/* The known pseudo-random data: byte i depends on i only, so any range of
 * it can be produced and checked on its own. */
void         test_fill_pattern                    (guint8      *buffer,
                                                   goffset      offset,
                                                   gsize        length);
/* sha256 (lowercase hex) of the first n pattern bytes. */
char        *test_pattern_sha256                  (goffset      n);
/* TRUE if the file at path holds exactly the first n pattern bytes. */
gboolean     test_file_has_pattern                (const char  *path,
                                                   goffset      n);

/* Iterates the thread-default main context until cond(data) returns TRUE;
 * fails the test (g_error) naming what after timeout_ms. */
/* How much slower than usual this run may be: SLUICE_TEST_SLOWDOWN from
 * the environment (the valgrind test setup sets it), else 1.  Every wait
 * above is scaled by it, and so should be any upper bound on a duration. */
guint        test_get_slowdown                    (void);
guint        test_scale_timeout                   (guint        timeout_ms);

void         test_run_until                       (gboolean   (*cond) (gpointer data),
                                                   gpointer     data,
                                                   guint        timeout_ms,
                                                   const char  *what);

/* The same for an expression: TEST_RUN_UNTIL (task_done (t), 5000); */
#define TEST_RUN_UNTIL(expr, timeout_ms)                                      \
  G_STMT_START {                                                              \
    gint64 _deadline = g_get_monotonic_time () +                              \
                       (gint64) test_scale_timeout (timeout_ms) * 1000;       \
    while (!(expr))                                                           \
      test_iterate_before (_deadline, #expr, __FILE__, __LINE__);             \
  } G_STMT_END

/* One main-context iteration that wakes up by the deadline at the latest;
 * g_error()s if the deadline has passed. */
void         test_iterate_before                  (gint64       deadline,
                                                   const char  *what,
                                                   const char  *file,
                                                   int          line);

/* A fresh temporary directory, removed (recursively) by test_remove_tree(). */
char        *test_make_temp_dir                   (void);
void         test_remove_tree                     (const char  *path);
/* Files in dir whose names end in suffix (NULL: all of them). */
/* The sum of every task's bytes-received in a list of tasks. */
guint64      test_sum_bytes_received              (GListModel  *tasks);
guint        test_count_files                     (const char  *dir,
                                                   const char  *suffix);

/* A scheduler downloading into download_dir, retrying after 10 ms, giving
 * up on a silent server after timeout_seconds. */
SluiceScheduler *test_scheduler_new               (const char      *download_dir,
                                                   guint            timeout_seconds);
/* Adds url as a task (transfer none: the scheduler keeps it). */
SluiceTask  *test_add_url                         (SluiceScheduler *scheduler,
                                                   const char      *url,
                                                   SluiceTaskKind   kind);
/* Adds the server's path as a task (transfer none: the scheduler keeps it). */
SluiceTask  *test_add_task                        (SluiceScheduler *scheduler,
                                                   TestServer      *server,
                                                   const char      *path,
                                                   SluiceTaskKind   kind);
/* Runs the main loop until the scheduler is no longer busy; a macro, so a
 * time-out names the caller's line. */
#define test_run_until_scheduler_idle(scheduler, timeout_ms)                  \
  TEST_RUN_UNTIL (!sluice_scheduler_get_busy (scheduler), timeout_ms)

G_END_DECLS
