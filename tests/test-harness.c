/* test-harness.c: proves that the loopback test server in test-utils.c
 * does what test-utils.h promises, endpoint by endpoint.
 *
 * Everything talks to the in-process server through the asynchronous
 * SoupSession API on the same main context.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "test-utils.h"

#define USER_AGENT   "sluice-harness/1.0"
#define WAIT_MS      10000
#define READ_SIZE    (64 * 1024)

typedef struct
{
  TestServer  *server;
  SoupSession *session;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->server = test_server_new ();
  fixture->session = soup_session_new_with_options ("max-conns", 16,
                                                    "max-conns-per-host", 8,
                                                    "user-agent", USER_AGENT,
                                                    NULL);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->session);
  g_clear_pointer (&fixture->server, test_server_free);
}

/* One request: send, then read the whole body chunk by chunk, keeping
 * what arrived before any error. */
typedef struct
{
  SoupMessage  *msg;
  GInputStream *stream;
  GCancellable *cancellable;
  GByteArray   *body;
  GError       *error;
  gboolean      got_headers;
  gboolean      done;
  gint64        started;
  gint64        finished;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_clear_object (&fetch->msg);
  g_clear_object (&fetch->stream);
  g_clear_object (&fetch->cancellable);
  g_clear_pointer (&fetch->body, g_byte_array_unref);
  g_clear_error (&fetch->error);
  g_free (fetch);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fetch, fetch_free)

static void
fetch_complete (Fetch  *fetch,
                GError *error)
{
  fetch->error = error;
  fetch->done = TRUE;
  fetch->finished = g_get_monotonic_time ();
  g_clear_object (&fetch->stream);
}

static void
fetch_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fetch *fetch = user_data;
  GError *error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (bytes == NULL)
    {
      fetch_complete (fetch, error);
      return;
    }

  if (g_bytes_get_size (bytes) == 0)
    {
      fetch_complete (fetch, NULL);
      return;
    }

  g_byte_array_append (fetch->body, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_input_stream_read_bytes_async (fetch->stream, READ_SIZE, G_PRIORITY_DEFAULT,
                                   fetch->cancellable, fetch_read_cb, fetch);
}

static void
fetch_sent_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fetch *fetch = user_data;
  GError *error = NULL;

  fetch->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (fetch->stream == NULL)
    {
      fetch_complete (fetch, error);
      return;
    }

  fetch->got_headers = TRUE;
  g_input_stream_read_bytes_async (fetch->stream, READ_SIZE, G_PRIORITY_DEFAULT,
                                   fetch->cancellable, fetch_read_cb, fetch);
}

/* Starts msg (taken) on session. */
static Fetch *
fetch_start_message (SoupSession *session,
                     SoupMessage *msg)
{
  Fetch *fetch = g_new0 (Fetch, 1);

  fetch->msg = msg;
  fetch->cancellable = g_cancellable_new ();
  fetch->body = g_byte_array_new ();
  fetch->started = g_get_monotonic_time ();
  soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, fetch->cancellable,
                           fetch_sent_cb, fetch);
  return fetch;
}

static Fetch *
fetch_start (Fixture    *fixture,
             const char *host,
             const char *path)
{
  g_autofree char *url = test_server_url_for_host (fixture->server, host, path);

  return fetch_start_message (fixture->session, soup_message_new ("GET", url));
}

static void
fetch_wait (Fetch *fetch)
{
  TEST_RUN_UNTIL (fetch->done, WAIT_MS);
}

/* GET path on 127.0.0.1 and wait for the whole body; no error allowed. */
static Fetch *
fetch_ok (Fixture    *fixture,
          const char *path)
{
  Fetch *fetch = fetch_start (fixture, NULL, path);

  fetch_wait (fetch);
  g_assert_no_error (fetch->error);
  return fetch;
}

static SoupMessageHeaders *
response_headers (Fetch *fetch)
{
  return soup_message_get_response_headers (fetch->msg);
}

static void
assert_pattern (const guint8 *data,
                gsize         length,
                goffset       offset)
{
  g_autofree guint8 *expected = NULL;

  if (length == 0)
    return;

  expected = g_malloc (length);
  test_fill_pattern (expected, offset, length);
  g_assert_true (memcmp (data, expected, length) == 0);
}

static void
assert_body_is_pattern (Fetch   *fetch,
                        goffset  offset,
                        gsize    length)
{
  g_assert_cmpuint (fetch->body->len, ==, length);
  assert_pattern (fetch->body->data, length, offset);
}

/* Pattern and helpers that need no server */

static void
test_pattern (void)
{
  const gsize size = 100000;
  g_autofree guint8 *whole = g_malloc (size);
  g_autofree char *sha = NULL;
  g_autofree char *expected_sha = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  const struct { goffset offset; gsize length; } slices[] = {
    { 0, 1 }, { 1, 7 }, { 7, 2 }, { 8, 8 }, { 12345, 4321 }, { 99999, 1 },
  };
  gboolean seen[256] = { FALSE };
  guint distinct = 0;

  test_fill_pattern (whole, 0, size);

  /* Any slice can be produced on its own. */
  for (guint i = 0; i < G_N_ELEMENTS (slices); i++)
    assert_pattern (whole + slices[i].offset, slices[i].length, slices[i].offset);

  /* It looks random enough to catch shifted or repeated data. */
  for (gsize i = 0; i < 4096; i++)
    {
      if (!seen[whole[i]])
        distinct++;
      seen[whole[i]] = TRUE;
    }
  g_assert_cmpuint (distinct, >, 200);
  g_assert_true (memcmp (whole, whole + 8, 64) != 0);

  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, whole, size);
  expected_sha = test_pattern_sha256 (size);
  g_assert_cmpstr (sha, ==, expected_sha);
  g_clear_pointer (&sha, g_free);
  sha = test_pattern_sha256 (0);
  g_assert_cmpstr (sha, ==, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

  dir = test_make_temp_dir ();
  path = g_build_filename (dir, "pattern.bin", NULL);
  g_file_set_contents (path, (const char *) whole, (gssize) size, &error);
  g_assert_no_error (error);
  g_assert_true (test_file_has_pattern (path, size));
  g_assert_false (test_file_has_pattern (path, size - 1));
  g_assert_false (test_file_has_pattern (path, size + 1));

  whole[size / 2] ^= 0x01;
  g_file_set_contents (path, (const char *) whole, (gssize) size, &error);
  g_assert_no_error (error);
  g_assert_false (test_file_has_pattern (path, size));

  test_remove_tree (dir);
  g_assert_false (test_file_has_pattern (path, size));
}

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
test_temp_dir (void)
{
  g_autofree char *dir = test_make_temp_dir ();
  g_autofree char *other = test_make_temp_dir ();
  g_autofree char *nested = g_build_filename (dir, "a", "b", NULL);
  g_autofree char *locked = g_build_filename (dir, "locked", NULL);
  g_autofree char *outside = g_build_filename (other, "keep.txt", NULL);
  g_autofree char *link = g_build_filename (dir, "a", "link", NULL);
  g_autofree char *dir_link = g_build_filename (dir, "dir-link", NULL);

  g_assert_nonnull (dir);
  g_assert_cmpstr (dir, !=, other);
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));

  g_assert_cmpint (g_mkdir_with_parents (nested, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (locked, 0700), ==, 0);
  write_file (nested, "c.txt", "c");
  write_file (locked, "d.txt", "d");
  write_file (other, "keep.txt", "keep");
  g_assert_cmpint (symlink (outside, link), ==, 0);
  g_assert_cmpint (symlink (other, dir_link), ==, 0);
  g_assert_cmpint (g_chmod (locked, 0500), ==, 0);

  test_remove_tree (dir);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));

  /* Links were removed, not followed. */
  g_assert_true (g_file_test (outside, G_FILE_TEST_IS_REGULAR));

  test_remove_tree (other);
  g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));

  /* Missing paths and NULL are fine. */
  test_remove_tree (dir);
  test_remove_tree (NULL);
}

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
flag_is_set (gpointer user_data)
{
  return *(gboolean *) user_data;
}

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

static void
test_run_until_ok (void)
{
  gboolean flag = FALSE;
  gint64 start = g_get_monotonic_time ();

  g_timeout_add (30, set_flag_cb, &flag);
  test_run_until (flag_is_set, &flag, 5000, "the flag");
  g_assert_true (flag);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 25 * 1000);

  flag = FALSE;
  g_idle_add (set_flag_cb, &flag);
  TEST_RUN_UNTIL (flag, 5000);
  g_assert_true (flag);
}

static void
test_run_until_timeout (void)
{
  if (g_test_subprocess ())
    {
      test_run_until (never, NULL, 150, "the impossible");
      return;
    }

  g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*timed out after 150 ms waiting for the impossible*");
}

static void
test_run_until_macro_timeout (void)
{
  if (g_test_subprocess ())
    {
      gboolean flag = FALSE;
      gint64 start = g_get_monotonic_time ();

      TEST_RUN_UNTIL (flag, 150);
      /* Not reached */
      g_assert_cmpint (g_get_monotonic_time () - start, <, 0);
      return;
    }

  g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*timed out waiting for flag (*test-harness.c:*)*");
}

/* Server basics */

static void
test_server_urls (Fixture       *fixture,
                  gconstpointer  data)
{
  guint port = test_server_get_port (fixture->server);
  g_autofree char *expected = g_strdup_printf ("http://127.0.0.1:%u/x?y=1", port);
  g_autofree char *expected2 = g_strdup_printf ("http://127.0.0.2:%u/bytes/1", port);
  g_autofree char *url = test_server_url (fixture->server, "/x?y=1");
  g_autofree char *url1 = test_server_url_for_host (fixture->server, NULL, "/x?y=1");
  g_autofree char *url2 = test_server_url_for_host (fixture->server, "127.0.0.2", "/bytes/1");

  g_assert_cmpuint (port, >, 0);
  g_assert_cmpstr (url, ==, expected);
  g_assert_cmpstr (url1, ==, expected);
  g_assert_cmpstr (url2, ==, expected2);
}

static void
test_hosts (Fixture       *fixture,
            gconstpointer  data)
{
  const char *hosts[] = { "127.0.0.1", "127.0.0.2", "127.0.0.3" };

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autoptr(Fetch) fetch = fetch_start (fixture, hosts[i], "/bytes/4");
      TestRequest *request;

      fetch_wait (fetch);
      g_assert_no_error (fetch->error);
      g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, SOUP_STATUS_OK);
      assert_body_is_pattern (fetch, 0, 4);

      request = test_server_get_last_request (fixture->server, "/bytes");
      g_assert_nonnull (request);
      g_assert_cmpstr (request->host, ==, hosts[i]);
    }
}

static void
test_not_found (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(Fetch) fetch = fetch_ok (fixture, "/nowhere/at/all");
  g_autoptr(Fetch) bad = fetch_ok (fixture, "/bytes/lots");

  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, SOUP_STATUS_NOT_FOUND);
  g_assert_cmpuint (test_server_get_request_count (fixture->server, "/nowhere"), ==, 1);
  g_assert_cmpuint (soup_message_get_status (bad->msg), ==, SOUP_STATUS_BAD_REQUEST);
}

/* /bytes/N and /chunked/N */

static void
test_bytes (Fixture       *fixture,
            gconstpointer  data)
{
  gsize n = GPOINTER_TO_SIZE (data);
  g_autofree char *path = g_strdup_printf ("/bytes/%" G_GSIZE_FORMAT, n);
  g_autoptr(Fetch) fetch = fetch_ok (fixture, path);
  g_autofree char *sha = NULL;
  g_autofree char *expected_sha = test_pattern_sha256 ((goffset) n);

  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, SOUP_STATUS_OK);
  g_assert_cmpint (soup_message_headers_get_encoding (response_headers (fetch)), ==,
                   SOUP_ENCODING_CONTENT_LENGTH);
  g_assert_cmpint (soup_message_headers_get_content_length (response_headers (fetch)), ==, n);
  assert_body_is_pattern (fetch, 0, n);

  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, fetch->body->data, fetch->body->len);
  g_assert_cmpstr (sha, ==, expected_sha);
  g_assert_cmpuint (test_server_get_request_count (fixture->server, "/bytes"), ==, 1);
}

static void
test_chunked (Fixture       *fixture,
              gconstpointer  data)
{
  gsize n = GPOINTER_TO_SIZE (data);
  g_autofree char *path = g_strdup_printf ("/chunked/%" G_GSIZE_FORMAT, n);
  g_autoptr(Fetch) fetch = fetch_ok (fixture, path);

  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, SOUP_STATUS_OK);
  g_assert_cmpint (soup_message_headers_get_encoding (response_headers (fetch)), ==,
                   SOUP_ENCODING_CHUNKED);
  g_assert_null (soup_message_headers_get_one (response_headers (fetch), "Content-Length"));
  assert_body_is_pattern (fetch, 0, n);
}

/* /slow/N?rate=B */

static void
test_slow (Fixture       *fixture,
           gconstpointer  data)
{
  const gsize n = 4000;
  const guint rate = 20000;
  g_autoptr(Fetch) fetch = fetch_start (fixture, NULL, "/slow/4000?rate=20000");
  gint64 elapsed;

  /* Counted as in flight while the body trickles out. */
  TEST_RUN_UNTIL (test_server_get_in_flight (fixture->server, "/slow") == 1, WAIT_MS);
  g_assert_false (fetch->done);
  g_assert_cmpuint (test_server_get_in_flight (fixture->server, NULL), ==, 1);
  g_assert_cmpuint (test_server_get_in_flight (fixture->server, "/bytes"), ==, 0);

  fetch_wait (fetch);
  g_assert_no_error (fetch->error);
  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, SOUP_STATUS_OK);
  g_assert_cmpint (soup_message_headers_get_content_length (response_headers (fetch)), ==, n);
  assert_body_is_pattern (fetch, 0, n);

  /* N / B seconds, less some slack for the first tick. */
  elapsed = fetch->finished - fetch->started;
  g_assert_cmpint (elapsed, >=, (gint64) n * G_USEC_PER_SEC / rate - 60 * 1000);
  g_assert_cmpint (elapsed, <, 5 * G_USEC_PER_SEC);

  TEST_RUN_UNTIL (test_server_get_in_flight (fixture->server, "/slow") == 0, WAIT_MS);
  g_assert_cmpuint (test_server_get_peak_in_flight (fixture->server, "/slow"), ==, 1);
}

static void
test_slow_client_abort (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(Fetch) fetch = fetch_start (fixture, NULL, "/slow/1000000?rate=20000");

  TEST_RUN_UNTIL (fetch->body->len > 0, WAIT_MS);
  g_assert_cmpuint (test_server_get_in_flight (fixture->server, "/slow"), ==, 1);

  g_cancellable_cancel (fetch->cancellable);
  fetch_wait (fetch);
  g_assert_error (fetch->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (fetch->body->len, <, 1000000);

  /* The server notices the peer went away and stops trickling. */
  TEST_RUN_UNTIL (test_server_get_in_flight (fixture->server, "/slow") == 0, WAIT_MS);
}

/* /status/CODE */

static void
test_status (Fixture       *fixture,
             gconstpointer  data)
{
  guint code = GPOINTER_TO_UINT (data);
  g_autofree char *path = g_strdup_printf ("/status/%u", code);
  g_autofree char *text = g_strdup_printf ("status %u\n", code);
  g_autoptr(Fetch) fetch = fetch_ok (fixture, path);

  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, code);
  if (code == SOUP_STATUS_NO_CONTENT)
    {
      g_assert_cmpuint (fetch->body->len, ==, 0);
      return;
    }

  g_assert_cmpuint (fetch->body->len, ==, strlen (text));
  g_assert_true (memcmp (fetch->body->data, text, strlen (text)) == 0);
}

/* /redirect/K */

static void
test_redirect_follow (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(Fetch) fetch = fetch_ok (fixture, "/redirect/3");

  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, SOUP_STATUS_OK);
  g_assert_cmpuint (fetch->body->len, ==, 4);
  g_assert_true (memcmp (fetch->body->data, "done", 4) == 0);
  g_assert_cmpstr (g_uri_get_path (soup_message_get_uri (fetch->msg)), ==, "/redirect/0");
  g_assert_cmpuint (test_server_get_request_count (fixture->server, "/redirect"), ==, 4);
}

static void
test_redirect_to_no_follow (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *url = test_server_url (fixture->server, "/redirect/0?to=file%3A%2F%2F%2Fx");
  SoupMessage *msg = soup_message_new ("GET", url);
  g_autoptr(Fetch) fetch = NULL;

  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  fetch = fetch_start_message (fixture->session, msg);
  fetch_wait (fetch);

  g_assert_no_error (fetch->error);
  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, SOUP_STATUS_FOUND);
  g_assert_cmpstr (soup_message_headers_get_one (response_headers (fetch), "Location"), ==,
                   "file:///x");
  g_assert_cmpuint (test_server_get_request_count (fixture->server, "/redirect"), ==, 1);
}

static void
test_redirect_chain_to (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *url = test_server_url (fixture->server, "/redirect/2?to=file:///x");
  SoupMessage *msg = soup_message_new ("GET", url);
  g_autoptr(Fetch) fetch = NULL;
  TestRequest *last;

  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  fetch = fetch_start_message (fixture->session, msg);
  fetch_wait (fetch);

  /* Not followed: the first hop points at /redirect/1, keeping ?to. */
  g_assert_no_error (fetch->error);
  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, SOUP_STATUS_FOUND);
  g_assert_cmpstr (soup_message_headers_get_one (response_headers (fetch), "Location"), ==,
                   "/redirect/1?to=file:///x");
  g_clear_pointer (&fetch, fetch_free);

  /* Followed: two hops, then the session refuses the file: URI. */
  fetch = fetch_start (fixture, NULL, "/redirect/2?to=file:///x");
  fetch_wait (fetch);
  g_assert_error (fetch->error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_REDIRECT_BAD_URI);
  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, SOUP_STATUS_FOUND);
  g_assert_cmpstr (soup_message_headers_get_one (response_headers (fetch), "Location"), ==,
                   "file:///x");
  g_assert_cmpuint (test_server_get_request_count (fixture->server, "/redirect"), ==, 4);

  last = test_server_get_last_request (fixture->server, "/redirect");
  g_assert_cmpstr (last->path, ==, "/redirect/0");
  g_assert_cmpstr (last->query, ==, "to=file:///x");
}

/* /disposition */

static void
test_disposition_name (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(Fetch) fetch = fetch_ok (fixture, "/disposition?name=report%20v2.pdf");
  g_autoptr(GHashTable) params = NULL;
  g_autofree char *disposition = NULL;

  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_one (response_headers (fetch), "Content-Disposition"),
                   ==, "attachment; filename=\"report v2.pdf\"");
  g_assert_true (soup_message_headers_get_content_disposition (response_headers (fetch),
                                                               &disposition, &params));
  g_assert_cmpstr (disposition, ==, "attachment");
  g_assert_cmpstr (g_hash_table_lookup (params, "filename"), ==, "report v2.pdf");
  assert_body_is_pattern (fetch, 0, 16);
}

static void
test_disposition_value (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(Fetch) fetch =
    fetch_ok (fixture, "/disposition?value=inline%3B%20filename%2A%3DUTF-8%27%27na%25C3%25AFve.txt&size=100");
  g_autoptr(Fetch) plain = fetch_ok (fixture, "/disposition");

  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_one (response_headers (fetch), "Content-Disposition"),
                   ==, "inline; filename*=UTF-8''na%C3%AFve.txt");
  assert_body_is_pattern (fetch, 0, 100);

  g_assert_null (soup_message_headers_get_one (response_headers (plain), "Content-Disposition"));
  assert_body_is_pattern (plain, 0, 16);
}

/* /reset/N */

static void
test_reset (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(Fetch) fetch = fetch_start (fixture, NULL, "/reset/3000?total=10000");
  g_autofree char *url = test_server_url (fixture->server, "/reset/3000?total=10000");
  SoupMessage *msg;
  goffset start, end, total;
  g_autoptr(Fetch) rest = NULL;

  fetch_wait (fetch);
  g_assert_true (fetch->got_headers);
  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, SOUP_STATUS_OK);
  g_assert_cmpint (soup_message_headers_get_content_length (response_headers (fetch)), ==, 10000);
  g_assert_cmpstr (soup_message_headers_get_one (response_headers (fetch), "ETag"), ==,
                   "\"reset-10000\"");

  /* The body stops short, with an error or at least fewer bytes. */
  g_assert_true (fetch->error != NULL || fetch->body->len < 10000);
  g_assert_cmpuint (fetch->body->len, <=, 3000);
  assert_pattern (fetch->body->data, fetch->body->len, 0);
  g_test_message ("reset after %u bytes: %s", fetch->body->len,
                  fetch->error != NULL ? fetch->error->message : "no error");

  TEST_RUN_UNTIL (test_server_get_in_flight (fixture->server, "/reset") == 0, WAIT_MS);

  /* Resuming gets the rest. */
  msg = soup_message_new ("GET", url);
  soup_message_headers_set_range (soup_message_get_request_headers (msg), 3000, -1);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "If-Range",
                                "\"reset-10000\"");
  rest = fetch_start_message (fixture->session, msg);
  fetch_wait (rest);

  g_assert_no_error (rest->error);
  g_assert_cmpuint (soup_message_get_status (rest->msg), ==, SOUP_STATUS_PARTIAL_CONTENT);
  g_assert_true (soup_message_headers_get_content_range (response_headers (rest),
                                                         &start, &end, &total));
  g_assert_cmpint (start, ==, 3000);
  g_assert_cmpint (end, ==, 9999);
  g_assert_cmpint (total, ==, 10000);
  assert_body_is_pattern (rest, 3000, 7000);
  g_assert_cmpuint (test_server_get_request_count (fixture->server, "/reset"), ==, 2);
}

static void
test_reset_default_total (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(Fetch) fetch = fetch_start (fixture, NULL, "/reset/500");

  fetch_wait (fetch);
  g_assert_cmpint (soup_message_headers_get_content_length (response_headers (fetch)), ==, 1000);
  g_assert_true (fetch->error != NULL || fetch->body->len < 1000);
  assert_pattern (fetch->body->data, fetch->body->len, 0);
}

/* /retry-after/S */

static void
test_retry_after_seconds (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(Fetch) first = fetch_ok (fixture, "/retry-after/2");
  g_autoptr(Fetch) second = fetch_ok (fixture, "/retry-after/2");
  g_autoptr(Fetch) third = fetch_ok (fixture, "/retry-after/2");

  g_assert_cmpuint (soup_message_get_status (first->msg), ==, SOUP_STATUS_SERVICE_UNAVAILABLE);
  g_assert_cmpstr (soup_message_headers_get_one (response_headers (first), "Retry-After"), ==, "2");

  g_assert_cmpuint (soup_message_get_status (second->msg), ==, SOUP_STATUS_OK);
  g_assert_null (soup_message_headers_get_one (response_headers (second), "Retry-After"));
  assert_body_is_pattern (second, 0, 64);

  g_assert_cmpuint (soup_message_get_status (third->msg), ==, SOUP_STATUS_OK);
}

static void
test_retry_after_times_key (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(Fetch) a1 = fetch_ok (fixture, "/retry-after/1?times=2&key=a");
  g_autoptr(Fetch) b1 = fetch_ok (fixture, "/retry-after/5?key=b");
  g_autoptr(Fetch) a2 = fetch_ok (fixture, "/retry-after/7?key=a&times=2");
  g_autoptr(Fetch) a3 = fetch_ok (fixture, "/retry-after/1?times=2&key=a");
  g_autoptr(Fetch) b2 = fetch_ok (fixture, "/retry-after/5?key=b");

  g_assert_cmpuint (soup_message_get_status (a1->msg), ==, SOUP_STATUS_SERVICE_UNAVAILABLE);
  g_assert_cmpuint (soup_message_get_status (b1->msg), ==, SOUP_STATUS_SERVICE_UNAVAILABLE);
  g_assert_cmpstr (soup_message_headers_get_one (response_headers (b1), "Retry-After"), ==, "5");
  g_assert_cmpuint (soup_message_get_status (a2->msg), ==, SOUP_STATUS_SERVICE_UNAVAILABLE);
  g_assert_cmpstr (soup_message_headers_get_one (response_headers (a2), "Retry-After"), ==, "7");
  g_assert_cmpuint (soup_message_get_status (a3->msg), ==, SOUP_STATUS_OK);
  assert_body_is_pattern (a3, 0, 64);
  g_assert_cmpuint (soup_message_get_status (b2->msg), ==, SOUP_STATUS_OK);

  /* Resetting the counters starts the keys over. */
  test_server_reset_counters (fixture->server);
  g_clear_pointer (&a1, fetch_free);
  a1 = fetch_ok (fixture, "/retry-after/1?times=2&key=a");
  g_assert_cmpuint (soup_message_get_status (a1->msg), ==, SOUP_STATUS_SERVICE_UNAVAILABLE);
}

static void
test_retry_after_date (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(Fetch) fetch = fetch_ok (fixture, "/retry-after/Wed,%2021%20Oct%202015%2007:28:00%20GMT");
  const char *value;
  g_autoptr(GDateTime) date = NULL;

  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, SOUP_STATUS_SERVICE_UNAVAILABLE);
  value = soup_message_headers_get_one (response_headers (fetch), "Retry-After");
  g_assert_cmpstr (value, ==, "Wed, 21 Oct 2015 07:28:00 GMT");

  date = soup_date_time_new_from_http_string (value);
  g_assert_nonnull (date);
  g_assert_cmpint (g_date_time_get_year (date), ==, 2015);
}

/* /range/N */

static Fetch *
fetch_range (Fixture    *fixture,
             const char *path,
             const char *range,
             const char *if_range)
{
  g_autofree char *url = test_server_url (fixture->server, path);
  SoupMessage *msg = soup_message_new ("GET", url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  Fetch *fetch;

  if (range != NULL)
    soup_message_headers_replace (headers, "Range", range);
  if (if_range != NULL)
    soup_message_headers_replace (headers, "If-Range", if_range);

  fetch = fetch_start_message (fixture->session, msg);
  fetch_wait (fetch);
  g_assert_no_error (fetch->error);
  return fetch;
}

static void
assert_partial (Fetch   *fetch,
                goffset  first,
                goffset  last,
                goffset  total)
{
  goffset start, end, length;

  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, SOUP_STATUS_PARTIAL_CONTENT);
  g_assert_true (soup_message_headers_get_content_range (response_headers (fetch),
                                                         &start, &end, &length));
  g_assert_cmpint (start, ==, first);
  g_assert_cmpint (end, ==, last);
  g_assert_cmpint (length, ==, total);
  g_assert_cmpint (soup_message_headers_get_content_length (response_headers (fetch)), ==,
                   last - first + 1);
  assert_body_is_pattern (fetch, first, (gsize) (last - first + 1));
}

static void
test_range_partial (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(Fetch) full = fetch_range (fixture, "/range/1000", NULL, NULL);
  g_autoptr(Fetch) open = fetch_range (fixture, "/range/1000", "bytes=100-", NULL);
  g_autoptr(Fetch) closed = fetch_range (fixture, "/range/1000", "bytes=10-19", NULL);
  g_autoptr(Fetch) suffix = fetch_range (fixture, "/range/1000", "bytes=-100", NULL);
  g_autoptr(Fetch) beyond = fetch_range (fixture, "/range/1000", "bytes=990-5000", NULL);

  g_assert_cmpuint (soup_message_get_status (full->msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_one (response_headers (full), "ETag"), ==,
                   "\"range-1000\"");
  g_assert_cmpstr (soup_message_headers_get_one (response_headers (full), "Accept-Ranges"), ==,
                   "bytes");
  assert_body_is_pattern (full, 0, 1000);

  assert_partial (open, 100, 999, 1000);
  assert_partial (closed, 10, 19, 1000);
  assert_partial (suffix, 900, 999, 1000);
  assert_partial (beyond, 990, 999, 1000);
  g_assert_cmpstr (soup_message_headers_get_one (response_headers (open), "ETag"), ==,
                   "\"range-1000\"");
}

static void
test_range_if_range (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(Fetch) right = fetch_range (fixture, "/range/1000", "bytes=500-", "\"range-1000\"");
  g_autoptr(Fetch) wrong = fetch_range (fixture, "/range/1000", "bytes=500-", "\"stale\"");
  g_autoptr(Fetch) custom = fetch_range (fixture, "/range/300?etag=v2", "bytes=100-", "\"v2\"");
  g_autoptr(Fetch) custom_old = fetch_range (fixture, "/range/300?etag=v2", "bytes=100-",
                                             "\"range-300\"");

  assert_partial (right, 500, 999, 1000);

  g_assert_cmpuint (soup_message_get_status (wrong->msg), ==, SOUP_STATUS_OK);
  g_assert_null (soup_message_headers_get_one (response_headers (wrong), "Content-Range"));
  g_assert_cmpint (soup_message_headers_get_content_length (response_headers (wrong)), ==, 1000);
  assert_body_is_pattern (wrong, 0, 1000);

  assert_partial (custom, 100, 299, 300);
  g_assert_cmpstr (soup_message_headers_get_one (response_headers (custom), "ETag"), ==, "\"v2\"");

  g_assert_cmpuint (soup_message_get_status (custom_old->msg), ==, SOUP_STATUS_OK);
  assert_body_is_pattern (custom_old, 0, 300);
}

static void
test_range_unsatisfiable (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(Fetch) fetch = fetch_range (fixture, "/range/1000", "bytes=1000-", NULL);

  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==,
                    SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE);
  g_assert_cmpstr (soup_message_headers_get_one (response_headers (fetch), "Content-Range"), ==,
                   "bytes */1000");
  g_assert_cmpuint (fetch->body->len, ==, 0);
}

/* /html/NAME */

static void
test_html (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *filename = g_build_filename (TEST_DATA_DIR, "harness-sample.html", NULL);
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr(GError) error = NULL;
  g_autoptr(Fetch) fetch = fetch_ok (fixture, "/html/harness-sample.html");
  g_autoptr(Fetch) typed = fetch_ok (fixture, "/html/harness-sample.html?type=text/plain");

  g_file_get_contents (filename, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 0);

  g_assert_cmpuint (soup_message_get_status (fetch->msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_content_type (response_headers (fetch), NULL), ==,
                   "text/html");
  g_assert_cmpuint (fetch->body->len, ==, length);
  g_assert_true (memcmp (fetch->body->data, contents, length) == 0);

  g_assert_cmpuint (soup_message_get_status (typed->msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_content_type (response_headers (typed), NULL), ==,
                   "text/plain");
  g_assert_cmpuint (typed->body->len, ==, length);
}

static void
test_html_missing (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(Fetch) missing = fetch_ok (fixture, "/html/no-such-page.html");
  g_autoptr(Fetch) escape = fetch_ok (fixture, "/html/..%2Fmeson.build");
  g_autoptr(Fetch) empty = fetch_ok (fixture, "/html/");

  g_assert_cmpuint (soup_message_get_status (missing->msg), ==, SOUP_STATUS_NOT_FOUND);
  g_assert_cmpuint (soup_message_get_status (escape->msg), ==, SOUP_STATUS_NOT_FOUND);
  g_assert_cmpuint (soup_message_get_status (empty->msg), ==, SOUP_STATUS_NOT_FOUND);
}

/* /hang */

static void
test_hang (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(Fetch) fetch = fetch_start (fixture, NULL, "/hang");
  gboolean waited = FALSE;

  TEST_RUN_UNTIL (test_server_get_in_flight (fixture->server, "/hang") == 1, WAIT_MS);

  /* Nothing comes back for a while. */
  g_timeout_add (200, set_flag_cb, &waited);
  TEST_RUN_UNTIL (waited, WAIT_MS);
  g_assert_false (fetch->done);
  g_assert_false (fetch->got_headers);

  g_cancellable_cancel (fetch->cancellable);
  fetch_wait (fetch);
  g_assert_error (fetch->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (fetch->got_headers);
}

/* In-flight peaks */

static void
test_peak_concurrent (Fixture       *fixture,
                      gconstpointer  data)
{
  Fetch *fetches[5];

  for (guint i = 0; i < G_N_ELEMENTS (fetches); i++)
    fetches[i] = fetch_start (fixture, NULL, "/slow/2000?rate=10000");

  TEST_RUN_UNTIL (test_server_get_in_flight (fixture->server, "/slow") == 5, WAIT_MS);
  g_assert_cmpuint (test_server_get_in_flight (fixture->server, NULL), ==, 5);

  for (guint i = 0; i < G_N_ELEMENTS (fetches); i++)
    {
      fetch_wait (fetches[i]);
      g_assert_no_error (fetches[i]->error);
      assert_body_is_pattern (fetches[i], 0, 2000);
      fetch_free (fetches[i]);
    }

  TEST_RUN_UNTIL (test_server_get_in_flight (fixture->server, NULL) == 0, WAIT_MS);
  g_assert_cmpuint (test_server_get_peak_in_flight (fixture->server, NULL), ==, 5);
  g_assert_cmpuint (test_server_get_peak_in_flight (fixture->server, "/slow"), ==, 5);
  g_assert_cmpuint (test_server_get_peak_in_flight (fixture->server, "/bytes"), ==, 0);
  g_assert_cmpuint (test_server_get_peak_in_flight_for_host (fixture->server, "127.0.0.1"), ==, 5);
  g_assert_cmpuint (test_server_get_request_count (fixture->server, "/slow"), ==, 5);
  g_assert_cmpuint (test_server_get_request_count (fixture->server, NULL), ==, 5);

  test_server_reset_counters (fixture->server);
  g_assert_cmpuint (test_server_get_peak_in_flight (fixture->server, NULL), ==, 0);
  g_assert_cmpuint (test_server_get_peak_in_flight (fixture->server, "/slow"), ==, 0);
  g_assert_cmpuint (test_server_get_peak_in_flight_for_host (fixture->server, "127.0.0.1"), ==, 0);
  g_assert_cmpuint (test_server_get_request_count (fixture->server, NULL), ==, 0);
}

static void
test_peak_per_host (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *hosts[] = { "127.0.0.2", "127.0.0.2", "127.0.0.3", "127.0.0.3", "127.0.0.3" };
  Fetch *fetches[G_N_ELEMENTS (hosts)];

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    fetches[i] = fetch_start (fixture, hosts[i], "/slow/2000?rate=10000");

  TEST_RUN_UNTIL (test_server_get_in_flight (fixture->server, NULL) == 5, WAIT_MS);

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      fetch_wait (fetches[i]);
      g_assert_no_error (fetches[i]->error);
      assert_body_is_pattern (fetches[i], 0, 2000);
      fetch_free (fetches[i]);
    }

  g_assert_cmpuint (test_server_get_peak_in_flight_for_host (fixture->server, "127.0.0.2"), ==, 2);
  g_assert_cmpuint (test_server_get_peak_in_flight_for_host (fixture->server, "127.0.0.3"), ==, 3);
  g_assert_cmpuint (test_server_get_peak_in_flight_for_host (fixture->server, "127.0.0.1"), ==, 0);
  g_assert_cmpuint (test_server_get_peak_in_flight (fixture->server, NULL), ==, 5);
}

/* The request log */

static void
test_requests (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(Fetch) ranged = fetch_range (fixture, "/bytes/10", "bytes=0-4", NULL);
  g_autoptr(Fetch) query = fetch_ok (fixture, "/status/200?x=1&y=two");
  GPtrArray *requests = test_server_get_requests (fixture->server);
  TestRequest *request;

  g_assert_cmpuint (requests->len, ==, 2);

  request = g_ptr_array_index (requests, 0);
  g_assert_cmpstr (request->method, ==, "GET");
  g_assert_cmpstr (request->host, ==, "127.0.0.1");
  g_assert_cmpstr (request->path, ==, "/bytes/10");
  g_assert_null (request->query);
  g_assert_cmpstr (soup_message_headers_get_one (request->headers, "User-Agent"), ==, USER_AGENT);
  g_assert_cmpstr (soup_message_headers_get_one (request->headers, "Range"), ==, "bytes=0-4");
  g_assert_true (test_server_get_last_request (fixture->server, "/bytes") == request);

  request = g_ptr_array_index (requests, 1);
  g_assert_cmpstr (request->path, ==, "/status/200");
  g_assert_cmpstr (request->query, ==, "x=1&y=two");
  g_assert_null (soup_message_headers_get_one (request->headers, "Range"));
  g_assert_true (test_server_get_last_request (fixture->server, NULL) == request);
  g_assert_true (test_server_get_last_request (fixture->server, "/status") == request);
  g_assert_null (test_server_get_last_request (fixture->server, "/slow"));

  g_assert_cmpuint (test_server_get_request_count (fixture->server, NULL), ==, 2);
  g_assert_cmpuint (test_server_get_request_count (fixture->server, "/bytes"), ==, 1);
  g_assert_cmpuint (test_server_get_peak_in_flight (fixture->server, NULL), ==, 1);

  test_server_reset_counters (fixture->server);
  g_assert_cmpuint (test_server_get_requests (fixture->server)->len, ==, 0);
  g_assert_null (test_server_get_last_request (fixture->server, NULL));
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
#define ADD_DATA(path, data, func) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)

int
main (int    argc,
      char **argv)
{
  const gsize sizes[] = { 0, 1, 100000, 8 * 1024 * 1024 + 3 };
  const gsize chunked_sizes[] = { 0, 100000 };
  const guint codes[] = { 200, 204, 404, 418, 500, 503 };

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/harness/pattern", test_pattern);
  g_test_add_func ("/harness/temp-dir", test_temp_dir);
  g_test_add_func ("/harness/run-until/ok", test_run_until_ok);
  g_test_add_func ("/harness/run-until/timeout", test_run_until_timeout);
  g_test_add_func ("/harness/run-until/macro-timeout", test_run_until_macro_timeout);

  ADD ("/harness/server/urls", test_server_urls);
  ADD ("/harness/server/hosts", test_hosts);
  ADD ("/harness/server/not-found", test_not_found);
  ADD ("/harness/server/requests", test_requests);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *path = g_strdup_printf ("/harness/bytes/%" G_GSIZE_FORMAT, sizes[i]);

      ADD_DATA (path, GSIZE_TO_POINTER (sizes[i]), test_bytes);
    }
  for (guint i = 0; i < G_N_ELEMENTS (chunked_sizes); i++)
    {
      g_autofree char *path = g_strdup_printf ("/harness/chunked/%" G_GSIZE_FORMAT,
                                               chunked_sizes[i]);

      ADD_DATA (path, GSIZE_TO_POINTER (chunked_sizes[i]), test_chunked);
    }

  ADD ("/harness/slow/timing", test_slow);
  ADD ("/harness/slow/client-abort", test_slow_client_abort);

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autofree char *path = g_strdup_printf ("/harness/status/%u", codes[i]);

      ADD_DATA (path, GUINT_TO_POINTER (codes[i]), test_status);
    }

  ADD ("/harness/redirect/follow", test_redirect_follow);
  ADD ("/harness/redirect/to-no-follow", test_redirect_to_no_follow);
  ADD ("/harness/redirect/chain-to", test_redirect_chain_to);
  ADD ("/harness/disposition/name", test_disposition_name);
  ADD ("/harness/disposition/value", test_disposition_value);
  ADD ("/harness/reset/resume", test_reset);
  ADD ("/harness/reset/default-total", test_reset_default_total);
  ADD ("/harness/retry-after/seconds", test_retry_after_seconds);
  ADD ("/harness/retry-after/times-key", test_retry_after_times_key);
  ADD ("/harness/retry-after/date", test_retry_after_date);
  ADD ("/harness/range/partial", test_range_partial);
  ADD ("/harness/range/if-range", test_range_if_range);
  ADD ("/harness/range/unsatisfiable", test_range_unsatisfiable);
  ADD ("/harness/html/sample", test_html);
  ADD ("/harness/html/missing", test_html_missing);
  ADD ("/harness/hang", test_hang);
  ADD ("/harness/peak/concurrent", test_peak_concurrent);
  ADD ("/harness/peak/per-host", test_peak_per_host);

  return g_test_run ();
}
