/* test-faults.c: the fault matrix — what the engine does when servers,
 * the network, the disk and the input misbehave, and what the fuzzers
 * found
 *
 * Every case asserts the task's final state, its error kind and message,
 * what is on disk, and, where a batch runs, that the other tasks of the
 * batch still finished.  tests/README.md has the matrix as a table.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "sluice-download.h"
#include "sluice-export.h"
#include "sluice-filename.h"
#include "sluice-html-extractor.h"
#include "sluice-scheduler-private.h"
#include "sluice-scheduler.h"
#include "sluice-scrape.h"
#include "sluice-task-private.h"
#include "sluice-transfer.h"
#include "sluice-url-list.h"
#include "test-utils.h"


/* The matrix fixture: a loopback server, a scheduler downloading into dir,
 * and a healthy batch (downloads and a scrape on another host, into
 * batch_dir) that must finish whatever happens to the task under test. */

typedef struct {
  TestServer      *server;
  SluiceScheduler *scheduler;
  char            *dir;
  char            *batch_dir;
  GPtrArray       *batch;       /* SluiceTask*, owned by the scheduler */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = test_server_new ();
  f->dir = test_make_temp_dir ();
  f->batch_dir = test_make_temp_dir ();
  f->batch = g_ptr_array_new ();
  f->scheduler = test_scheduler_new (f->dir, 5);
  sluice_scheduler_set_max_retries (f->scheduler, 2);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_false (sluice_scheduler_get_busy (f->scheduler));
  /* Nothing else may hold the scheduler (or, through it, its session). */
  g_assert_finalize_object (f->scheduler);
  test_server_free (f->server);
  g_ptr_array_unref (f->batch);
  test_remove_tree (f->dir);
  test_remove_tree (f->batch_dir);
  g_free (f->dir);
  g_free (f->batch_dir);
}

static SluiceTask *
add_kind (Fixture        *f,
          const char     *path,
          SluiceTaskKind  kind)
{
  return test_add_task (f->scheduler, f->server, path, kind);
}

static SluiceTask *
add (Fixture    *f,
     const char *path)
{
  return add_kind (f, path, SLUICE_TASK_KIND_DOWNLOAD);
}

static SluiceTask *
add_url (Fixture    *f,
         const char *url)
{
  return test_add_url (f->scheduler, url, SLUICE_TASK_KIND_DOWNLOAD);
}

/* Three healthy tasks on 127.0.0.2, into batch_dir. */
static void
add_batch (Fixture *f)
{
  const char *paths[] = { "/bytes/5000?batch", "/chunked/3000?batch", "/slow/20000?rate=100000&batch" };
  g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
  guint first = g_list_model_get_n_items (G_LIST_MODEL (f->scheduler));
  g_autofree char *scrape_url = test_server_url_for_host (f->server, "127.0.0.2", "/html/scrape-normal.html");

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    g_ptr_array_add (urls, test_server_url_for_host (f->server, "127.0.0.2", paths[i]));
  g_ptr_array_add (urls, NULL);
  g_assert_cmpuint (sluice_scheduler_add_many_full (f->scheduler, (const char * const *) urls->pdata,
                                                    SLUICE_TASK_KIND_DOWNLOAD, f->batch_dir), ==, 3);
  g_assert_nonnull (sluice_scheduler_add (f->scheduler, scrape_url, SLUICE_TASK_KIND_SCRAPE));
  for (guint i = first; i < first + 4; i++)
    {
      g_autoptr(SluiceTask) task = g_list_model_get_item (G_LIST_MODEL (f->scheduler), i);

      g_ptr_array_add (f->batch, task);
    }
}

static void
assert_batch_done (Fixture *f)
{
  const goffset sizes[] = { 5000, 3000, 20000 };
  const char *names[] = { "5000", "3000", "20000" };

  g_assert_cmpuint (f->batch->len, ==, 4);
  for (guint i = 0; i < 3; i++)
    {
      SluiceTask *task = g_ptr_array_index (f->batch, i);
      g_autofree char *path = g_build_filename (f->batch_dir, names[i], NULL);

      g_assert_cmpstr (sluice_error_to_nick (sluice_task_get_error_kind (task)), ==, "none");
      g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);
      g_assert_cmpstr (sluice_task_get_path (task), ==, path);
      g_assert_true (test_file_has_pattern (path, sizes[i]));
    }
  g_assert_cmpint (sluice_task_get_state (g_ptr_array_index (f->batch, 3)), ==, SLUICE_TASK_STATE_DONE);
  g_assert_nonnull (sluice_task_get_title (g_ptr_array_index (f->batch, 3)));
}

static void
run_until_idle (Fixture *f,
                guint    timeout_ms)
{
  test_run_until_scheduler_idle (f->scheduler, timeout_ms);
}

/* TRUE in the subprocess, which is to run the test's body; in the test
 * itself, runs that subprocess, asserts it passed and returns FALSE. */
static gboolean
in_subprocess (void)
{
  if (g_test_subprocess ())
    return TRUE;
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  return FALSE;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* Names in dir, sorted, joined with '|' ("" when empty). */
static char *
list_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv ("|", (char **) names->pdata);
}

static void
assert_dir (const char *dir,
            const char *expected)
{
  g_autofree char *names = list_dir (dir);

  g_assert_cmpstr (names, ==, expected);
}

/* The final state of a task: state, error kind (nick) and message. */
static void
assert_task (SluiceTask      *task,
             SluiceTaskState  state,
             const char      *kind,
             const char      *message)
{
  g_test_message ("%s → %s, %s: %s", sluice_task_get_uri (task),
                  sluice_task_state_to_nick (sluice_task_get_state (task)),
                  sluice_error_to_nick (sluice_task_get_error_kind (task)),
                  sluice_task_get_error_message (task));
  g_assert_cmpstr (sluice_task_state_to_nick (sluice_task_get_state (task)), ==,
                   sluice_task_state_to_nick (state));
  g_assert_cmpstr (sluice_error_to_nick (sluice_task_get_error_kind (task)), ==, kind);
  g_assert_cmpstr (sluice_task_get_error_message (task), ==, message);
}

/* Every error message a task showed along the way, joined with '|'. */
static void
on_error_message (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  GString *history = g_object_get_data (object, "faults-history");
  const char *message = sluice_task_get_error_message (SLUICE_TASK (object));

  if (message != NULL)
    g_string_append_printf (history, "%s%s", history->len > 0 ? "|" : "", message);
}

static void
string_free (gpointer string)
{
  g_string_free (string, TRUE);
}

static void
track (SluiceTask *task)
{
  g_object_set_data_full (G_OBJECT (task), "faults-history", g_string_new (NULL),
                          string_free);
  g_signal_connect (task, "notify::error-message", G_CALLBACK (on_error_message), NULL);
}

static void
on_state (GObject    *object,
          GParamSpec *pspec,
          gpointer    user_data)
{
  GString *states = g_object_get_data (object, "faults-states");

  g_string_append_printf (states, "%s%s", states->len > 0 ? " " : "",
                          sluice_task_state_to_nick (sluice_task_get_state (SLUICE_TASK (object))));
}

/* Every state a task went through, from the moment it is tracked. */
static void
track_states (SluiceTask *task)
{
  g_object_set_data_full (G_OBJECT (task), "faults-states", g_string_new (NULL), string_free);
  g_signal_connect (task, "notify::state", G_CALLBACK (on_state), NULL);
}

static const char *
states (SluiceTask *task)
{
  return ((GString *) g_object_get_data (G_OBJECT (task), "faults-states"))->str;
}

static const char *
history (SluiceTask *task)
{
  return ((GString *) g_object_get_data (G_OBJECT (task), "faults-history"))->str;
}

/* Server faults */

static const char *
reason_phrase (guint status)
{
  return soup_status_get_phrase (status);
}

/* 500, 502, 503, 504 without Retry-After: retried with backoff, then
 * failed; the rest of the batch is unaffected. */
static void
test_server_5xx_retried (Fixture       *f,
                         gconstpointer  data)
{
  const guint codes[] = { 500, 502, 503, 504 };
  SluiceTask *tasks[G_N_ELEMENTS (codes)];

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autofree char *path = g_strdup_printf ("/status/%u", codes[i]);

      tasks[i] = add (f, path);
    }
  add_batch (f);
  run_until_idle (f, 20000);

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autofree char *message = g_strdup_printf ("The server answered %u %s", codes[i],
                                                  reason_phrase (codes[i]));
      g_autofree char *prefix = g_strdup_printf ("/status/%u", codes[i]);

      assert_task (tasks[i], SLUICE_TASK_STATE_FAILED, "http-server", message);
      g_assert_cmpuint (sluice_task_get_attempt (tasks[i]), ==, 3);
      g_assert_cmpuint (sluice_task_get_http_status (tasks[i]), ==, codes[i]);
      g_assert_cmpuint (test_server_get_request_count (f->server, prefix), ==, 3);
      g_assert_null (sluice_task_get_path (tasks[i]));
    }
  assert_dir (f->dir, "");
  assert_batch_done (f);
}

/* The same with Retry-After in seconds: the server's delay wins over the
 * 10 ms backoff, then the second attempt succeeds. */
static void
test_server_5xx_retry_after_seconds (Fixture       *f,
                                     gconstpointer  data)
{
  const guint codes[] = { 500, 502, 503, 504 };
  SluiceTask *tasks[G_N_ELEMENTS (codes)];
  gint64 started = g_get_monotonic_time ();

  sluice_scheduler_set_max_concurrent (f->scheduler, 16);
  sluice_scheduler_set_max_per_host (f->scheduler, 16);
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autofree char *path = g_strdup_printf ("/retry-after/1?status=%u&key=s%u", codes[i], codes[i]);

      tasks[i] = add (f, path);
      track (tasks[i]);
    }
  add_batch (f);

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autofree char *message = g_strdup_printf ("The server answered %u %s", codes[i],
                                                  reason_phrase (codes[i]));

      TEST_RUN_UNTIL (sluice_task_get_state (tasks[i]) == SLUICE_TASK_STATE_WAITING_RETRY, 5000);
      assert_task (tasks[i], SLUICE_TASK_STATE_WAITING_RETRY, "http-server", message);
      g_assert_cmpint (sluice_task_get_retry_at (tasks[i]) - started, >=, 900 * 1000);
      g_assert_cmpint (sluice_task_get_retry_at (tasks[i]) - g_get_monotonic_time (), <=, 1100 * 1000);
    }
  run_until_idle (f, 10000);

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      assert_task (tasks[i], SLUICE_TASK_STATE_DONE, "none", NULL);
      g_assert_true (test_file_has_pattern (sluice_task_get_path (tasks[i]), 64));
      g_assert_cmpuint (sluice_task_get_attempt (tasks[i]), ==, 2);
      g_assert_true (g_str_has_prefix (history (tasks[i]), "The server answered"));
    }
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 900 * 1000);
  assert_dir (f->dir, "1|1 (1)|1 (2)|1 (3)");
  assert_batch_done (f);
}

static char *
http_date_in (gint64 seconds)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) when = g_date_time_add_seconds (now, (double) seconds);
  g_autofree char *date = soup_date_time_to_string (when, SOUP_DATE_HTTP);

  return g_uri_escape_string (date, NULL, FALSE);
}

/* Retry-After as an HTTP date: two seconds ahead, and one in the past
 * (which means now). */
static void
test_server_5xx_retry_after_date (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *ahead = http_date_in (3);
  g_autofree char *past = http_date_in (-3600);
  g_autofree char *ahead_path = g_strdup_printf ("/retry-after/%s?status=502&key=ahead", ahead);
  g_autofree char *past_path = g_strdup_printf ("/retry-after/%s?status=504&key=past", past);
  SluiceTask *later, *now;
  gint64 delay;

  sluice_scheduler_set_retry_delay (f->scheduler, 5);
  later = add (f, ahead_path);
  now = add (f, past_path);
  add_batch (f);

  TEST_RUN_UNTIL (sluice_task_get_state (later) == SLUICE_TASK_STATE_WAITING_RETRY, 5000);
  assert_task (later, SLUICE_TASK_STATE_WAITING_RETRY, "http-server", "The server answered 502 Bad Gateway");
  delay = sluice_task_get_retry_at (later) - g_get_monotonic_time ();
  g_test_message ("Retry-After: %s → %.2f s", ahead, delay / 1e6);
  /* HTTP dates have whole seconds. */
  g_assert_cmpint (delay, >, test_get_slowdown () == 1 ? G_USEC_PER_SEC : 0);
  g_assert_cmpint (delay, <=, 3 * G_USEC_PER_SEC);

  /* A date in the past: at once, not after the 5 s backoff. */
  TEST_RUN_UNTIL (sluice_task_get_state (now) == SLUICE_TASK_STATE_DONE, 2000);
  g_assert_cmpuint (sluice_task_get_attempt (now), ==, 2);

  run_until_idle (f, 10000);
  assert_task (later, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_true (test_file_has_pattern (sluice_task_get_path (later), 64));
  g_assert_true (test_file_has_pattern (sluice_task_get_path (now), 64));
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 2);
  assert_batch_done (f);
}

/* 429 with a Retry-After of three years: capped at ten minutes; the task
 * waits (and says so) until it is cancelled. */
static void
test_server_429_huge_retry_after (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *far = http_date_in ((gint64) 3 * 365 * 24 * 3600);
  g_autofree char *date_path = g_strdup_printf ("/retry-after/%s?status=429&key=date", far);
  SluiceTask *seconds = add (f, "/retry-after/99999999999?status=429&key=seconds");
  SluiceTask *date = add (f, date_path);
  SluiceTask *tasks[] = { seconds, date };

  add_batch (f);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      gint64 delay;

      TEST_RUN_UNTIL (sluice_task_get_state (tasks[i]) == SLUICE_TASK_STATE_WAITING_RETRY, 5000);
      assert_task (tasks[i], SLUICE_TASK_STATE_WAITING_RETRY, "rate-limited",
                   "The server asked to slow down (429 Too Many Requests)");
      delay = sluice_task_get_retry_at (tasks[i]) - g_get_monotonic_time ();
      g_assert_cmpint (delay, >, 595 * G_USEC_PER_SEC);
      g_assert_cmpint (delay, <=, 600 * G_USEC_PER_SEC);
    }

  /* The batch finishes meanwhile; the waiting tasks keep the scheduler busy. */
  TEST_RUN_UNTIL (sluice_scheduler_get_n_done (f->scheduler) == 4, 10000);
  assert_batch_done (f);
  g_assert_true (sluice_scheduler_get_busy (f->scheduler));

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      sluice_task_cancel (tasks[i]);
      assert_task (tasks[i], SLUICE_TASK_STATE_CANCELLED, "cancelled", "Cancelled");
      g_assert_cmpint (sluice_task_get_retry_at (tasks[i]), ==, 0);
      g_assert_cmpuint (sluice_task_get_attempt (tasks[i]), ==, 1);
    }
  run_until_idle (f, 1000);
  assert_dir (f->dir, "");
}

/* 401, 403, 404, 410: the answer will not change, so no retry. */
static void
test_server_4xx_not_retried (Fixture       *f,
                             gconstpointer  data)
{
  const guint codes[] = { 401, 403, 404, 410 };
  SluiceTask *tasks[G_N_ELEMENTS (codes)];

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autofree char *path = g_strdup_printf ("/status/%u", codes[i]);

      tasks[i] = add_kind (f, path, i % 2 == 0 ? SLUICE_TASK_KIND_DOWNLOAD : SLUICE_TASK_KIND_SCRAPE);
    }
  add_batch (f);
  run_until_idle (f, 10000);

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autofree char *message = g_strdup_printf ("The server answered %u %s", codes[i],
                                                  reason_phrase (codes[i]));
      g_autofree char *prefix = g_strdup_printf ("/status/%u", codes[i]);

      assert_task (tasks[i], SLUICE_TASK_STATE_FAILED, "http-client", message);
      g_assert_cmpuint (sluice_task_get_attempt (tasks[i]), ==, 1);
      g_assert_cmpuint (test_server_get_request_count (f->server, prefix), ==, 1);
    }
  assert_dir (f->dir, "");
  assert_batch_done (f);
}

/* A redirect loop, and chains just within and just over libsoup's limit
 * of 20. */
static void
test_server_redirect_limits (Fixture       *f,
                             gconstpointer  data)
{
  SluiceTask *loop = add (f, "/loop?at=a");
  /* /redirect/K?to=X takes K + 1 redirects to reach X. */
  SluiceTask *twenty = add (f, "/redirect/19?to=/bytes/20");
  SluiceTask *twenty_one = add (f, "/redirect/20?to=/bytes/21");
  SluiceTask *scrape_loop = add_kind (f, "/loop?at=b", SLUICE_TASK_KIND_SCRAPE);

  add_batch (f);
  run_until_idle (f, 10000);

  assert_task (loop, SLUICE_TASK_STATE_FAILED, "invalid", "Too many redirects (more than 20)");
  assert_task (scrape_loop, SLUICE_TASK_STATE_FAILED, "invalid", "Too many redirects (more than 20)");
  g_assert_cmpuint (sluice_task_get_attempt (loop), ==, 1);
  assert_task (twenty_one, SLUICE_TASK_STATE_FAILED, "invalid", "Too many redirects (more than 20)");
  assert_task (twenty, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_true (test_file_has_pattern (sluice_task_get_path (twenty), 20));
  /* Two loops and a chain of 21, each stopped after 21 requests. */
  g_assert_cmpuint (test_server_get_request_count (f->server, "/loop"), ==, 2 * 21);
  assert_dir (f->dir, "20");
  assert_batch_done (f);
}

/* Redirects to anything but http and https are refused, whatever kind. */
static void
test_server_redirect_schemes (Fixture       *f,
                              gconstpointer  data)
{
  const struct {
    const char *to;
    const char *scheme;
  } cases[] = {
    { "file:///etc/passwd", "file" },
    { "ftp://127.0.0.1/pub/file", "ftp" },
    { "data:text/html,%3Ctitle%3Ex%3C/title%3E", "data" },
    { "javascript:alert(1)", "javascript" },
  };
  SluiceTask *tasks[G_N_ELEMENTS (cases) * 2];
  SluiceTask *multiple = add (f, "/redirect/0?to=/bytes/20&status=300");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *escaped = g_uri_escape_string (cases[i].to, NULL, FALSE);
      g_autofree char *path = g_strdup_printf ("/redirect/1?to=%s", escaped);

      tasks[2 * i] = add (f, path);
      tasks[2 * i + 1] = add_kind (f, path, SLUICE_TASK_KIND_SCRAPE);
    }
  add_batch (f);
  run_until_idle (f, 10000);

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_autofree char *message = g_strdup_printf ("The server redirected to a non-web address (%s:)",
                                                  cases[i / 2].scheme);

      assert_task (tasks[i], SLUICE_TASK_STATE_FAILED, "invalid", message);
      g_assert_cmpuint (sluice_task_get_attempt (tasks[i]), ==, 1);
      g_assert_null (sluice_task_get_title (tasks[i]));
    }
  /* libsoup does not follow a 300 to a web address: it is no redirect to
   * a non-web one either. */
  assert_task (multiple, SLUICE_TASK_STATE_FAILED, "invalid", "The server answered 300 Multiple Choices");
  assert_dir (f->dir, "");
  assert_batch_done (f);
}

/* Ranges of the requests to path_prefix, in order ("-" for none). */
static char *
ranges_asked (Fixture    *f,
              const char *path_prefix)
{
  GPtrArray *requests = test_server_get_requests (f->server);
  g_autoptr(GString) ranges = g_string_new (NULL);

  for (guint i = 0; i < requests->len; i++)
    {
      TestRequest *r = g_ptr_array_index (requests, i);
      const char *range = soup_message_headers_get_one (r->headers, "Range");

      if (!g_str_has_prefix (r->path, path_prefix))
        continue;
      if (ranges->len > 0)
        g_string_append_c (ranges, '|');
      g_string_append (ranges, range != NULL ? range : "-");
    }
  return g_string_free (g_steal_pointer (&ranges), FALSE);
}

/* A download done after resuming: attempts attempts, the whole pattern
 * of size bytes and its sha256, the requests to path_prefix asking for
 * ranges (as ranges_asked () says). */
static void
assert_resumed (Fixture    *f,
                SluiceTask *task,
                guint       attempts,
                goffset     size,
                const char *path_prefix,
                const char *ranges)
{
  g_autofree char *sha = test_pattern_sha256 (size);
  g_autofree char *asked = ranges_asked (f, path_prefix);

  assert_task (task, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, attempts);
  g_assert_true (test_file_has_pattern (sluice_task_get_path (task), size));
  g_assert_cmpstr (sluice_task_get_sha256 (task), ==, sha);
  g_assert_cmpstr (asked, ==, ranges);
}

/* A resume answered with a Content-Range other than the one asked for:
 * the partial file is thrown away, and the next attempt starts over. */
static void
test_server_content_range_wrong (Fixture       *f,
                                 gconstpointer  data)
{
  SluiceTask *task = add (f, "/content-range-wrong/100000?key=crw");

  track (task);
  add_batch (f);
  run_until_idle (f, 10000);

  assert_resumed (f, task, 3, 100000, "/content-range-wrong", "-|bytes=50000-|-");
  g_assert_nonnull (strstr (history (task), "The server sent a different part of the file than asked for"));
  assert_dir (f->dir, "100000");
  assert_batch_done (f);
}

/* A resume answered with only part of the rest (a 206 for bytes 500-749
 * of 1000, as servers that cap their range answers send): the file is not
 * done at 750 bytes; the next attempt asks for the rest. */
static void
test_server_range_piece (Fixture       *f,
                         gconstpointer  data)
{
  SluiceTask *task = add (f, "/short/500?total=1000&etag=1&piece=250");

  track (task);
  add_batch (f);
  run_until_idle (f, 10000);

  assert_resumed (f, task, 3, 1000, "/short", "-|bytes=500-|bytes=750-");
  /* g_format_size () puts a no-break space before the unit. */
  g_assert_nonnull (strstr (history (task), "The server sent only part of the file (750 bytes of 1.0\u00a0kB)"));
  assert_dir (f->dir, "500");
  assert_batch_done (f);
}

/* The whole body arrived but the attempt failed after it (the last chunk
 * never came): the resume asks for bytes past the end, the server answers
 * 416 with the file's size, and the .part already holding all of it is
 * the download, not a failure that deletes it. */
static void
test_server_resume_complete (Fixture       *f,
                             gconstpointer  data)
{
  SluiceTask *task;

  sluice_scheduler_set_timeout (f->scheduler, 1);
  task = add (f, "/stall/1000?total=1000&chunked=1&etag=1");
  add_batch (f);
  run_until_idle (f, 15000);

  assert_resumed (f, task, 2, 1000, "/stall", "-|bytes=1000-");
  assert_dir (f->dir, "1000");
  assert_batch_done (f);
}

/* A body shorter than its Content-Length, then a close, from a server with
 * no ETag or Accept-Ranges: every attempt starts over, none appends. */
static void
test_server_short_body (Fixture       *f,
                        gconstpointer  data)
{
  SluiceTask *task;

  sluice_scheduler_set_max_retries (f->scheduler, 1);
  task = add (f, "/short/500?total=1000");
  add_batch (f);
  run_until_idle (f, 10000);

  assert_task (task, SLUICE_TASK_STATE_FAILED, "network",
               "The connection to “127.0.0.1” was lost: Connection terminated unexpectedly");
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, 2);
  for (guint i = 0; i < test_server_get_requests (f->server)->len; i++)
    g_assert_null (soup_message_headers_get_one (((TestRequest *) test_server_get_requests (f->server)->pdata[i])->headers, "Range"));
  assert_dir (f->dir, "");
  assert_batch_done (f);
}

/* Chunked encoding cut off inside a chunk: the connection ends early, so
 * the attempt fails and is retried (then fails for good). */
static void
test_server_bad_chunked (Fixture       *f,
                         gconstpointer  data)
{
  SluiceTask *task;

  sluice_scheduler_set_max_retries (f->scheduler, 1);
  task = add (f, "/bad-chunked?kind=short");
  add_batch (f);
  run_until_idle (f, 10000);

  assert_task (task, SLUICE_TASK_STATE_FAILED, "network",
               "The connection to “127.0.0.1” was lost: Connection terminated unexpectedly");
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, 2);
  assert_dir (f->dir, "");
  assert_batch_done (f);
}

/* Chunk sizes that are not hex, overflow, or follow a chunk without its
 * CRLF.  libsoup 3.2 reads a chunk size with strtoul() and takes
 * anything unparsable for 0, the last chunk: the body "ends" after the
 * good bytes and the truncated file is saved as done.  Nothing in
 * libsoup's API lets Sluice tell; this records it (TODO upstream). */
static void
test_server_bad_chunked_lenient (Fixture       *f,
                                 gconstpointer  data)
{
  /* (boundary: a proxy whose upstream failed mid-way typically stops
   * after a whole chunk and closes.) */
  const char *kinds[] = { "garbage", "huge", "nocrlf", "boundary" };
  SluiceTask *tasks[G_N_ELEMENTS (kinds)];
  guint accepted = 0;

  sluice_scheduler_set_max_retries (f->scheduler, 0);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *path = g_strdup_printf ("/bad-chunked?kind=%s", kinds[i]);

      tasks[i] = add (f, path);
    }
  add_batch (f);
  run_until_idle (f, 10000);

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_test_message ("kind=%s: %s after %" G_GINT64_FORMAT " bytes", kinds[i],
                      sluice_task_state_to_nick (sluice_task_get_state (tasks[i])),
                      sluice_task_get_bytes_received (tasks[i]));
      /* Never a hang, never a .part left behind. */
      g_assert_true (sluice_task_is_finished (tasks[i]));
      if (sluice_task_get_state (tasks[i]) == SLUICE_TASK_STATE_DONE)
        accepted++;
      else
        g_assert_cmpstr (sluice_error_to_nick (sluice_task_get_error_kind (tasks[i])), ==, "network");
    }
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, accepted);
  assert_batch_done (f);
  if (accepted > 0)
    g_test_incomplete ("libsoup 3.2 takes malformed chunk sizes, and a close after a whole chunk, "
                       "for the end of the body (soup-body-input-stream.c; fixed in later libsoup); "
                       "the truncated file is saved as done");
}

/* A whole response dribbled a byte at a time: slow is not stalled. */
static void
test_server_dribbled (Fixture       *f,
                      gconstpointer  data)
{
  SluiceTask *quick, *longer;
  gint64 started = g_get_monotonic_time ();

  /* ~110 bytes at 2 ms; and at 15 ms, about 1.7 s in all: longer than
   * the timeout, though no gap comes near it. */
  sluice_scheduler_set_timeout (f->scheduler, 1);
  sluice_scheduler_set_max_retries (f->scheduler, 0);
  quick = add (f, "/dribble/64?delay=2");
  longer = add (f, "/dribble/16?delay=15");
  add_batch (f);
  run_until_idle (f, 15000);

  assert_task (quick, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_true (test_file_has_pattern (sluice_task_get_path (quick), 64));
  g_test_message ("dribbled for %.2f s", (g_get_monotonic_time () - started) / 1e6);
  assert_task (longer, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_true (test_file_has_pattern (sluice_task_get_path (longer), 16));
  assert_dir (f->dir, "16|64");
  assert_batch_done (f);
}

/* A server that accepts the connection and never says anything. */
static void
test_server_silent (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *url = test_server_silent_url (f->server, "/x");
  gint64 started = g_get_monotonic_time ();
  SluiceTask *task, *scrape;

  sluice_scheduler_set_timeout (f->scheduler, 1);
  sluice_scheduler_set_max_retries (f->scheduler, 1);
  task = add_url (f, url);
  scrape = sluice_scheduler_add (f->scheduler, url, SLUICE_TASK_KIND_SCRAPE);
  add_batch (f);
  run_until_idle (f, 15000);

  assert_task (task, SLUICE_TASK_STATE_FAILED, "timeout", "Nothing arrived from “127.0.0.1” for 1 second");
  assert_task (scrape, SLUICE_TASK_STATE_FAILED, "timeout", "Nothing arrived from “127.0.0.1” for 1 second");
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, 2);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 2 * G_USEC_PER_SEC);
  assert_dir (f->dir, "");
  assert_batch_done (f);
}

/* A body that never ends: a download keeps going until cancelled. */
static void
test_server_endless_download (Fixture       *f,
                              gconstpointer  data)
{
  SluiceTask *task = add (f, "/endless");

  add_batch (f);
  TEST_RUN_UNTIL (sluice_task_get_bytes_received (task) > 20 * 1024 * 1024, 20000);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_RUNNING);
  g_assert_cmpint (sluice_task_get_bytes_total (task), ==, -1);
  assert_dir (f->dir, "endless.part");
  TEST_RUN_UNTIL (sluice_scheduler_get_n_done (f->scheduler) == 4, 10000);

  sluice_task_cancel (task);
  assert_task (task, SLUICE_TASK_STATE_CANCELLED, "cancelled", "Cancelled");
  assert_dir (f->dir, "");
  run_until_idle (f, 5000);
  TEST_RUN_UNTIL (test_server_get_in_flight (f->server, "/endless") == 0, 5000);
  assert_batch_done (f);
}

/* A page that never ends: a scrape stops at 10 MiB, keeping what it read. */
static void
test_server_endless_scrape (Fixture       *f,
                            gconstpointer  data)
{
  SluiceTask *task = add_kind (f, "/endless?type=html", SLUICE_TASK_KIND_SCRAPE);

  add_batch (f);
  run_until_idle (f, 20000);
  assert_task (task, SLUICE_TASK_STATE_FAILED, "too-large",
               "The page is larger than 10 MiB; only its beginning was read");
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, 1);
  g_assert_cmpstr (sluice_task_get_title (task), ==, "Endless");
  g_assert_cmpuint (sluice_task_get_link_count (task), >, 100000);
  TEST_RUN_UNTIL (test_server_get_in_flight (f->server, "/endless") == 0, 5000);
  assert_dir (f->dir, "");
  assert_batch_done (f);
}

/* Response headers past libsoup's limit, as many lines and as one. */
static void
test_server_huge_headers (Fixture       *f,
                          gconstpointer  data)
{
  SluiceTask *fine, *many, *one;

  sluice_scheduler_set_max_retries (f->scheduler, 0);
  fine = add (f, "/huge-headers/16");
  many = add (f, "/huge-headers/1024");
  one = add_kind (f, "/huge-headers/1024?one=1", SLUICE_TASK_KIND_SCRAPE);
  add_batch (f);
  run_until_idle (f, 15000);

  assert_task (fine, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_true (test_file_has_pattern (sluice_task_get_path (fine), 16));
  /* libsoup stops reading headers at 64 KiB. */
  assert_task (many, SLUICE_TASK_STATE_FAILED, "network",
               "The connection to “127.0.0.1” was lost: Header too big");
  assert_task (one, SLUICE_TASK_STATE_FAILED, "network",
               "The connection to “127.0.0.1” was lost: Header too big");
  assert_dir (f->dir, "16");
  assert_batch_done (f);
}

static gint64
max_rss_kib (void)
{
  struct rusage usage;

  g_assert_cmpint (getrusage (RUSAGE_SELF, &usage), ==, 0);
  return usage.ru_maxrss;
}

/* A gzip bomb for a scrape (64 MiB of links in ~100 KiB), once and
 * twice compressed ("Content-Encoding: gzip, gzip"): decoded bytes are
 * capped, memory stays bounded, and the task ends. */
static void
test_server_gzip_bomb_scrape (Fixture       *f,
                              gconstpointer  data)
{
  SluiceTask *once, *twice;
  gint64 rss_before;

  /* Build the bodies first, so the server's copy is not counted. */
  once = add_kind (f, "/gzip-bomb/64?type=html", SLUICE_TASK_KIND_SCRAPE);
  twice = add_kind (f, "/gzip-bomb/64?type=html&layers=2", SLUICE_TASK_KIND_SCRAPE);
  run_until_idle (f, 30000);
  g_assert_true (sluice_task_retry (once) || sluice_task_get_state (once) == SLUICE_TASK_STATE_DONE);
  g_assert_true (sluice_task_retry (twice) || sluice_task_get_state (twice) == SLUICE_TASK_STATE_DONE);
  rss_before = max_rss_kib ();
  add_batch (f);
  run_until_idle (f, 30000);

  g_test_message ("peak RSS %" G_GINT64_FORMAT " KiB → %" G_GINT64_FORMAT " KiB",
                  rss_before, max_rss_kib ());
  /* (Under valgrind the process's peak is valgrind's.) */
  if (test_get_slowdown () == 1)
    g_assert_cmpint (max_rss_kib () - rss_before, <, 64 * 1024);
  assert_task (once, SLUICE_TASK_STATE_FAILED, "too-large",
               "The page is larger than 10 MiB; only its beginning was read");
  g_assert_cmpuint (sluice_task_get_link_count (once), >, 100000);
  assert_task (twice, SLUICE_TASK_STATE_FAILED, "too-large",
               "The page is larger than 10 MiB; only its beginning was read");
  assert_dir (f->dir, "");
  assert_batch_done (f);
}

/* A download saves exactly the bytes sent: a gzip body stays gzip, never
 * inflated on the way. */
static void
test_server_gzip_bomb_download (Fixture       *f,
                                gconstpointer  data)
{
  SluiceTask *task = add (f, "/gzip-bomb/64");
  g_autofree char *contents = NULL;
  gsize length = 0;

  add_batch (f);
  run_until_idle (f, 30000);
  assert_task (task, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_true (g_file_get_contents (sluice_task_get_path (task), &contents, &length, NULL));
  g_assert_cmpint (sluice_task_get_bytes_received (task), ==, length);
  g_assert_cmpuint (length, <, 1024 * 1024);
  g_assert_cmpuint ((guchar) contents[0], ==, 0x1f);
  g_assert_cmpuint ((guchar) contents[1], ==, 0x8b);
  assert_dir (f->dir, "64");
  assert_batch_done (f);
}

/* Network faults */

/* A port nobody listens on, in the middle of a batch. */
static void
test_network_refused (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  SluiceTask *task, *scrape;

  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/file.bin",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);

  add_batch (f);
  task = add_url (f, url);
  scrape = sluice_scheduler_add (f->scheduler, url, SLUICE_TASK_KIND_SCRAPE);
  run_until_idle (f, 10000);

  assert_task (task, SLUICE_TASK_STATE_FAILED, "connect", "The server “127.0.0.1” refused the connection");
  assert_task (scrape, SLUICE_TASK_STATE_FAILED, "connect", "The server “127.0.0.1” refused the connection");
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, 3);
  assert_dir (f->dir, "");
  assert_batch_done (f);
}

/* A name that cannot resolve (.invalid is reserved for that). */
static void
test_network_unresolvable (Fixture       *f,
                           gconstpointer  data)
{
  SluiceTask *task;

  sluice_scheduler_set_timeout (f->scheduler, 3);
  sluice_scheduler_set_max_retries (f->scheduler, 0);
  task = add_url (f, "http://sluice-test.invalid/file.bin");
  add_batch (f);
  run_until_idle (f, 15000);

  if (sluice_task_get_error_kind (task) == SLUICE_ERROR_TIMEOUT)
    {
      /* An offline resolver that never answers is a timeout, not a hang. */
      assert_task (task, SLUICE_TASK_STATE_FAILED, "timeout",
                   "Nothing arrived from “sluice-test.invalid” for 3 seconds");
      g_test_skip ("the resolver did not answer within the timeout");
    }
  else
    assert_task (task, SLUICE_TASK_STATE_FAILED, "dns", "Could not find the server “sluice-test.invalid”");
  assert_dir (f->dir, "");
  assert_batch_done (f);
}

/* The connection reset (RST) in the middle of the body: retried, and
 * resumed with Range where the server allows it. */
static void
test_network_reset_mid_body (Fixture       *f,
                             gconstpointer  data)
{
  SluiceTask *resumable, *not_resumable;
  TestRequest *last;

  resumable = add (f, "/short/30000?total=100000&etag=1&rst=1");
  not_resumable = add (f, "/short/3000?total=10000&rst=1&x");
  track (resumable);
  track (not_resumable);
  add_batch (f);
  run_until_idle (f, 10000);

  assert_task (resumable, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_cmpuint (sluice_task_get_attempt (resumable), ==, 2);
  g_assert_cmpuint (sluice_task_get_http_status (resumable), ==, 206);
  g_assert_true (test_file_has_pattern (sluice_task_get_path (resumable), 100000));
  g_assert_true (g_str_has_prefix (history (resumable), "The connection to “127.0.0.1” was lost: "));
  last = test_server_get_last_request (f->server, "/short/30000");
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Range"), ==, "bytes=30000-");

  /* (The words after the colon are the kernel's: reset by peer, or
   * terminated unexpectedly, depending on when the RST lands.) */
  g_assert_cmpint (sluice_task_get_state (not_resumable), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (sluice_task_get_error_kind (not_resumable), ==, SLUICE_ERROR_NETWORK);
  g_assert_true (g_str_has_prefix (sluice_task_get_error_message (not_resumable), "The connection to “127.0.0.1” was lost: "));
  g_assert_cmpuint (sluice_task_get_attempt (not_resumable), ==, 3);
  assert_dir (f->dir, "30000");
  assert_batch_done (f);
}

/* Headers and part of the body, then nothing: the watchdog. */
static void
test_network_stall_mid_body (Fixture       *f,
                             gconstpointer  data)
{
  gint64 started = g_get_monotonic_time ();
  SluiceTask *task;

  sluice_scheduler_set_timeout (f->scheduler, 1);
  sluice_scheduler_set_max_retries (f->scheduler, 0);
  task = add (f, "/stall/10000?total=20000");
  add_batch (f);
  TEST_RUN_UNTIL (sluice_task_get_bytes_received (task) == 10000, 5000);
  assert_dir (f->dir, "10000.part");
  run_until_idle (f, 10000);

  assert_task (task, SLUICE_TASK_STATE_FAILED, "timeout", "Nothing arrived from “127.0.0.1” for 1 second");
  g_assert_cmpint (g_get_monotonic_time () - started, >=, G_USEC_PER_SEC);
  g_assert_null (sluice_task_get_path (task));
  assert_dir (f->dir, "");
  TEST_RUN_UNTIL (test_server_get_in_flight (f->server, "/stall") == 0, 5000);
  assert_batch_done (f);
}

/* The watchdog on its own: a session without libsoup's I/O timeout, so
 * only SluiceTransfer's watchdog can notice a body that stopped.  (With
 * the scheduler's session both race; whichever wins, the task must say
 * "timeout".) */
static void
on_transfer_run (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GError **error = user_data;
  gboolean retryable = FALSE;

  g_assert_false (sluice_transfer_run_finish (SLUICE_TRANSFER (source), result,
                                              &retryable, NULL, error));
  g_assert_nonnull (*error);
  g_assert_true (retryable);
}

static void
test_network_watchdog_in_body (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *url = test_server_url (f->server, "/stall/10000?total=20000");
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  SoupSession *session = soup_session_new_with_options ("timeout", 0, NULL);
  g_autoptr(GHashTable) reserved = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  SluiceTask *task = _sluice_task_new (NULL, uri, SLUICE_TASK_KIND_DOWNLOAD, 0);
  SluiceDownload *sink = sluice_download_new (task, f->dir, reserved);
  SluiceTransfer *transfer = sluice_transfer_new (session, task, SLUICE_SINK (sink), NULL, 1);
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();

  sluice_transfer_run_async (transfer, NULL, on_transfer_run, &error);
  TEST_RUN_UNTIL (error != NULL, 10000);

  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==, "Nothing arrived from “127.0.0.1” for 1 second");
  g_assert_cmpint (g_get_monotonic_time () - started, >=, G_USEC_PER_SEC);
  g_assert_cmpint (sluice_task_get_bytes_received (task), ==, 10000);
  /* The transfer keeps the .part for a resume; the scheduler decides. */
  assert_dir (f->dir, "10000.part");
  sluice_sink_abort (SLUICE_SINK (sink), TRUE);
  assert_dir (f->dir, "");

  /* Nothing may hold on to what the transfer used (as libsoup's tests
   * check their sessions). */
  g_assert_finalize_object (transfer);
  g_assert_finalize_object (sink);
  g_assert_finalize_object (task);
  /* libsoup lets go of a closed connection's message from the main loop. */
  soup_session_abort (session);
  TEST_RUN_UNTIL (G_OBJECT (session)->ref_count == 1, 5000);
  g_assert_finalize_object (session);
}

/* A self-signed certificate, and one for another name: refused, not
 * retried, nothing sent, and the reason said. */
static void
test_network_tls_self_signed (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TestServer *https = test_server_new_tls (&error);
  g_autofree char *url = NULL;
  g_autofree char *scrape_url = NULL;
  g_autofree char *other_url = NULL;
  SluiceTask *task, *scrape, *other_name;
  const char *message;

  if (https == NULL)
    {
      g_test_skip (error->message);
      return;
    }

  url = test_server_url (https, "/bytes/100");
  scrape_url = test_server_url (https, "/html/scrape-normal.html");
  g_assert_true (g_str_has_prefix (url, "https://127.0.0.1:"));
  task = add_url (f, url);
  scrape = sluice_scheduler_add (f->scheduler, scrape_url, SLUICE_TASK_KIND_SCRAPE);
  /* The certificate names 127.0.0.1 only. */
  other_url = test_server_url_for_host (https, "127.0.0.2", "/bytes/100");
  other_name = add_url (f, other_url);
  add_batch (f);
  run_until_idle (f, 10000);

  message = sluice_task_get_error_message (task);
  g_test_message ("%s", message);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpstr (sluice_error_to_nick (sluice_task_get_error_kind (task)), ==, "tls");
  /* Said why, in words. */
  g_assert_cmpstr (message, ==, "The secure connection to “127.0.0.1” could not be trusted: "
                                "its certificate is not signed by an authority this system trusts");
  assert_task (other_name, SLUICE_TASK_STATE_FAILED, "tls",
               "The secure connection to “127.0.0.2” could not be trusted: its certificate is for another name");
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, 1);
  g_assert_cmpint (sluice_task_get_state (scrape), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpstr (sluice_task_get_error_message (scrape), ==, message);
  g_assert_null (sluice_task_get_title (scrape));
  /* No request ever got through. */
  g_assert_cmpuint (test_server_get_request_count (https, NULL), ==, 0);
  assert_dir (f->dir, "");
  assert_batch_done (f);
  test_server_free (https);
}

/* A connection reset during the TLS handshake (an overloaded server, a
 * load balancer dropping it) is a network fault, retried: not a
 * certificate that "could not be trusted". */
static void
test_network_tls_handshake_reset (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *url = test_server_closing_url (f->server, "https", "/x");
  SluiceTask *task;

  task = add_url (f, url);
  add_batch (f);
  run_until_idle (f, 10000);

  g_test_message ("%s", sluice_task_get_error_message (task));
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpstr (sluice_error_to_nick (sluice_task_get_error_kind (task)), ==, "network");
  g_assert_true (g_str_has_prefix (sluice_task_get_error_message (task), "The secure connection to “127.0.0.1” failed: "));
  /* The first attempt and both retries reached the server. */
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, 3);
  g_assert_cmpuint (test_server_get_closing_count (f->server), ==, 3);
  assert_dir (f->dir, "");
  assert_batch_done (f);
}

/* A 204 (or 205) that announces a Content-Length has no body all the same:
 * an empty file, done, not "the connection closed before the whole file
 * arrived" after every retry. */
static void
test_server_no_content_with_length (Fixture       *f,
                                    gconstpointer  data)
{
  SluiceTask *task = add (f, "/reason/204?phrase=No%20Content&length=10");

  add_batch (f);
  run_until_idle (f, 10000);

  assert_task (task, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, 1);
  g_assert_true (test_file_has_pattern (sluice_task_get_path (task), 0));
  assert_batch_done (f);
}

/* Disk faults */

/* The disk fills up mid-write.  RLIMIT_FSIZE stands in for a full disk:
 * with SIGXFSZ ignored, write() fails with EFBIG past the limit.  It runs
 * in a subprocess so the limit stays there. */
static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  struct rlimit limit = { 64 * 1024, 64 * 1024 };
  g_autofree char *message = NULL;
  g_autofree char *part = NULL;
  SluiceTask *task, *small;

  if (!in_subprocess ())
    return;

  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  signal (SIGXFSZ, SIG_IGN);

  task = add (f, "/bytes/1000000");
  small = add (f, "/bytes/1000");
  add_batch (f);
  run_until_idle (f, 10000);

  part = g_build_filename (f->dir, "1000000.part", NULL);
  message = g_strdup_printf ("The disk is full: could not write “%s”", part);
  assert_task (task, SLUICE_TASK_STATE_FAILED, "disk", message);
  /* Not retried: the disk will not have room a second later. */
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, 1);
  g_assert_null (sluice_task_get_path (task));
  /* No final file, no .part; the small file of the batch is whole. */
  assert_dir (f->dir, "1000");
  assert_task (small, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_true (test_file_has_pattern (sluice_task_get_path (small), 1000));
  assert_batch_done (f);
}

/* A download folder that cannot be written: one that does not exist, and
 * one where nobody may create files (a read-only folder for a user; /sys
 * for root, who may write anywhere else). */
static void
test_disk_unwritable_folder (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (f->dir, "no", "such", "folder", NULL);
  g_autofree char *locked = g_build_filename (f->dir, "locked", NULL);
  g_autofree char *missing_message = NULL;
  g_autofree char *locked_message = NULL;
  const char *locked_dir;
  const char *missing_urls[] = { NULL, NULL };
  const char *locked_urls[] = { NULL, NULL };
  g_autofree char *url_a = test_server_url (f->server, "/bytes/100");
  g_autofree char *url_b = test_server_url (f->server, "/bytes/200");
  SluiceTask *a, *b;

  if (geteuid () == 0)
    {
      if (!g_file_test ("/sys", G_FILE_TEST_IS_DIR))
        {
          g_test_skip ("running as root without /sys: no folder root cannot write");
          return;
        }
      locked_dir = "/sys";
    }
  else
    {
      g_assert_cmpint (g_mkdir (locked, 0555), ==, 0);
      locked_dir = locked;
    }

  missing_urls[0] = url_a;
  locked_urls[0] = url_b;
  g_assert_cmpuint (sluice_scheduler_add_many_full (f->scheduler, missing_urls,
                                                    SLUICE_TASK_KIND_DOWNLOAD, missing), ==, 1);
  g_assert_cmpuint (sluice_scheduler_add_many_full (f->scheduler, locked_urls,
                                                    SLUICE_TASK_KIND_DOWNLOAD, locked_dir), ==, 1);
  a = g_list_model_get_item (G_LIST_MODEL (f->scheduler), 0);
  b = g_list_model_get_item (G_LIST_MODEL (f->scheduler), 1);
  g_object_unref (a);
  g_object_unref (b);
  add_batch (f);
  run_until_idle (f, 10000);

  missing_message = g_strdup_printf ("Cannot open the download folder “%s”: No such file or directory", missing);
  assert_task (a, SLUICE_TASK_STATE_FAILED, "disk", missing_message);
  locked_message = g_strdup_printf ("Not allowed to write “%s/200”: Permission denied", locked_dir);
  assert_task (b, SLUICE_TASK_STATE_FAILED, "disk", locked_message);
  g_assert_cmpuint (sluice_task_get_attempt (a), ==, 1);
  g_assert_cmpuint (sluice_task_get_attempt (b), ==, 1);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  if (geteuid () != 0)
    {
      assert_dir (locked, "");
      g_chmod (locked, 0755);
    }
  assert_batch_done (f);
}

/* Names longer than the file system allows, in bytes, with one- and
 * two-byte characters: cut on a character boundary, extension kept, room
 * left for ".part" and for " (1)". */
static void
test_disk_long_names (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GString) ascii = g_string_new (NULL);
  g_autoptr(GString) accents = g_string_new (NULL);
  g_autofree char *ascii_path = NULL;
  g_autofree char *accents_path = NULL;
  SluiceTask *tasks[3];
  gsize name_max = sluice_filename_get_name_max (f->dir);

  for (guint i = 0; i < 600; i++)
    g_string_append_c (ascii, 'a' + i % 26);
  g_string_append (ascii, ".tar.gz");
  for (guint i = 0; i < 300; i++)
    g_string_append (accents, "%C3%A9");
  g_string_append (accents, ".pdf");
  ascii_path = g_strdup_printf ("/disposition?name=%s", ascii->str);
  accents_path = g_strdup_printf ("/disposition?name=%s", accents->str);

  sluice_scheduler_set_max_concurrent (f->scheduler, 1);
  tasks[0] = add (f, ascii_path);
  tasks[1] = add (f, ascii_path);
  tasks[2] = add (f, accents_path);
  add_batch (f);
  run_until_idle (f, 10000);

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_autofree char *name = g_path_get_basename (sluice_task_get_path (tasks[i]));

      assert_task (tasks[i], SLUICE_TASK_STATE_DONE, "none", NULL);
      g_test_message ("%zu bytes: %s", strlen (name), name);
      g_assert_cmpuint (strlen (name), <=, name_max - strlen (".part"));
      g_assert_true (g_utf8_validate (name, -1, NULL));
      g_assert_true (test_file_has_pattern (sluice_task_get_path (tasks[i]), 16));
    }
  g_assert_true (g_str_has_suffix (sluice_task_get_path (tasks[0]), ".tar.gz"));
  g_assert_true (g_str_has_suffix (sluice_task_get_path (tasks[1]), " (1).tar.gz"));
  {
    g_autofree char *second = g_path_get_basename (sluice_task_get_path (tasks[1]));

    g_assert_true (g_str_has_prefix (second, "abcdefghijklmnopqrstuvwxyz"));
  }
  g_assert_true (g_str_has_suffix (sluice_task_get_path (tasks[2]), "\303\251.pdf"));
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 3);
  assert_batch_done (f);
}

/* Names in other encodings and in none: Latin-1 bytes in filename= (which
 * libsoup already turns into U+FFFD when it parses the headers), an
 * invalid UTF-8 filename*, and invalid bytes in the URL path. */
static void
test_disk_invalid_utf8_names (Fixture       *f,
                              gconstpointer  data)
{
  SluiceTask *latin1, *bad_ext, *bad_path;

  sluice_scheduler_set_max_concurrent (f->scheduler, 1);
  latin1 = add (f, "/raw-disposition?attachment;%20filename=%22caf%E9.txt%22");
  bad_ext = add (f, "/disposition?value=attachment%3B%20filename*%3DUTF-8''%25FF%25FE.txt%3B%20filename%3D%22plain.txt%22");
  bad_path = add (f, "/disposition/%FF%FEname.bin?size=10");
  add_batch (f);
  run_until_idle (f, 10000);

  assert_task (latin1, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_true (g_str_has_suffix (sluice_task_get_path (latin1), "/caf\357\277\275.txt"));
  assert_task (bad_ext, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_true (g_str_has_suffix (sluice_task_get_path (bad_ext), "/plain.txt"));
  assert_task (bad_path, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_true (g_str_has_suffix (sluice_task_get_path (bad_path), "/\357\277\275\357\277\275name.bin"));
  g_assert_true (test_file_has_pattern (sluice_task_get_path (bad_path), 10));
  assert_dir (f->dir, "caf\357\277\275.txt|plain.txt|\357\277\275\357\277\275name.bin");
  assert_batch_done (f);
}

/* Files that appear at the final name while the download runs: a file, a
 * folder and a symlink.  The finished body never replaces or follows
 * them; it takes the next free name. */
/* A folder that can be listed but not looked into (its x bit gone, after a
 * "chmod -R 644", say): the task says it may not write there, not that no
 * free name was left. */
static void
test_disk_folder_not_searchable (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *closed = g_build_filename (f->dir, "closed", NULL);
  g_autofree char *url = test_server_url (f->server, "/bytes/100");
  g_autofree char *path = g_build_filename (closed, "100", NULL);
  g_autofree char *message = g_strdup_printf ("Not allowed to write “%s”: %s", path, g_strerror (EACCES));
  const char * const urls[] = { url, NULL };
  gboolean as_root = geteuid () == 0;
  SluiceTask *task;

  g_assert_cmpint (g_mkdir (closed, 0755), ==, 0);
  /* Root may look into any folder: the test looks as nobody. */
  if (as_root)
    {
      g_assert_cmpint (chmod (f->dir, 0755), ==, 0);
      g_assert_cmpint (chown (closed, 65534, 65534), ==, 0);
    }
  g_assert_cmpint (chmod (closed, 0644), ==, 0);
  if (as_root)
    g_assert_true (setegid (65534) == 0 && seteuid (65534) == 0);

  g_assert_cmpuint (sluice_scheduler_add_many_full (f->scheduler, urls, SLUICE_TASK_KIND_DOWNLOAD, closed), ==, 1);
  task = g_list_model_get_item (G_LIST_MODEL (f->scheduler), 0);
  g_object_unref (task);
  run_until_idle (f, 10000);

  if (as_root)
    g_assert_true (seteuid (0) == 0 && setegid (0) == 0);
  g_assert_cmpint (chmod (closed, 0755), ==, 0);
  assert_task (task, SLUICE_TASK_STATE_FAILED, "disk", message);
  assert_dir (closed, "");
}

/* The finished file's name turns out to be taken, and no other name can
 * be had: the task fails, and its .part is removed like any failed
 * task's, not left behind under a name nobody knows. */
static void
test_disk_no_name_left_after_clash (Fixture       *f,
                                    gconstpointer  data)
{
  GHashTable *reserved = _sluice_scheduler_get_reserved_names (f->scheduler);
  g_autofree char *taken = g_build_filename (f->dir, "100000", NULL);
  g_autofree char *contents = NULL;
  SluiceTask *task;

  task = add (f, "/slow/100000?rate=200000");
  TEST_RUN_UNTIL (sluice_task_get_bytes_received (task) > 0, 5000);
  for (guint i = 1; i < 10000; i++)
    g_hash_table_add (reserved, g_strdup_printf ("%s (%u)", taken, i));
  g_assert_true (g_file_set_contents (taken, "mine", -1, NULL));
  run_until_idle (f, 10000);

  assert_task (task, SLUICE_TASK_STATE_FAILED, "disk", "No free file name left for “100000”");
  g_assert_true (g_file_get_contents (taken, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "mine");
  assert_dir (f->dir, "100000");
  g_hash_table_remove_all (reserved);
}

/* The download folder is moved away and another put in its place while a
 * file downloads: the file is not announced under a path that now names
 * something else. */
static void
test_disk_folder_replaced (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *folder = g_build_filename (f->dir, "folder", NULL);
  g_autofree char *moved = g_build_filename (f->dir, "moved", NULL);
  g_autofree char *other = g_build_filename (f->dir, "other", NULL);
  g_autofree char *folder_url = test_server_url (f->server, "/slow/100000?rate=200000");
  const char * const urls[] = { folder_url, NULL };
  g_autofree char *message = NULL;
  SluiceTask *task;

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (other, 0755), ==, 0);
  g_assert_cmpuint (sluice_scheduler_add_many_full (f->scheduler, urls, SLUICE_TASK_KIND_DOWNLOAD, folder), ==, 1);
  task = g_list_model_get_item (G_LIST_MODEL (f->scheduler), 0);
  g_object_unref (task);
  TEST_RUN_UNTIL (sluice_task_get_bytes_received (task) > 0, 5000);

  g_assert_cmpint (g_rename (folder, moved), ==, 0);
  g_assert_cmpint (symlink (other, folder), ==, 0);
  run_until_idle (f, 10000);

  message = g_strdup_printf ("The download folder “%s” was moved or replaced while downloading", folder);
  assert_task (task, SLUICE_TASK_STATE_FAILED, "disk", message);
  g_assert_null (sluice_task_get_path (task));
  assert_dir (other, "");
  assert_dir (moved, "");
}

static void
test_disk_name_taken_during_download (Fixture       *f,
                                      gconstpointer  data)
{
  g_autofree char *target = g_build_filename (f->batch_dir, "target", NULL);
  g_autofree char *file_path = g_build_filename (f->dir, "100000", NULL);
  g_autofree char *dir_path = g_build_filename (f->dir, "100001", NULL);
  g_autofree char *link_path = g_build_filename (f->dir, "100002", NULL);
  g_autofree char *contents = NULL;
  SluiceTask *file_task, *dir_task, *link_task;

  g_assert_true (g_file_set_contents (target, "untouched", -1, NULL));
  file_task = add (f, "/slow/100000?rate=200000");
  dir_task = add (f, "/slow/100001?rate=200000");
  link_task = add (f, "/slow/100002?rate=200000");
  TEST_RUN_UNTIL (sluice_task_get_bytes_received (file_task) > 0 &&
                  sluice_task_get_bytes_received (dir_task) > 0 &&
                  sluice_task_get_bytes_received (link_task) > 0, 5000);
  assert_dir (f->dir, "100000.part|100001.part|100002.part");

  g_assert_true (g_file_set_contents (file_path, "mine", -1, NULL));
  g_assert_cmpint (g_mkdir (dir_path, 0755), ==, 0);
  g_assert_cmpint (symlink (target, link_path), ==, 0);
  run_until_idle (f, 10000);

  assert_task (file_task, SLUICE_TASK_STATE_DONE, "none", NULL);
  assert_task (dir_task, SLUICE_TASK_STATE_DONE, "none", NULL);
  assert_task (link_task, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_true (g_str_has_suffix (sluice_task_get_path (file_task), "/100000 (1)"));
  g_assert_true (g_str_has_suffix (sluice_task_get_path (dir_task), "/100001 (1)"));
  g_assert_true (g_str_has_suffix (sluice_task_get_path (link_task), "/100002 (1)"));
  g_assert_true (test_file_has_pattern (sluice_task_get_path (file_task), 100000));
  g_assert_true (test_file_has_pattern (sluice_task_get_path (dir_task), 100001));
  g_assert_true (test_file_has_pattern (sluice_task_get_path (link_task), 100002));
  g_assert_true (g_file_get_contents (file_path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "mine");
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (target, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "untouched");
  g_assert_true (g_file_test (link_path, G_FILE_TEST_IS_SYMLINK));
  assert_dir (f->dir, "100000|100000 (1)|100001|100001 (1)|100002|100002 (1)");
}

/* Someone swaps our .part for a symlink while the body is written: the
 * bytes never go through it (the file is open already), and the result
 * must not be the symlink either. */
static void
test_disk_part_replaced_by_symlink (Fixture       *f,
                                    gconstpointer  data)
{
  g_autofree char *target = g_build_filename (f->batch_dir, "target", NULL);
  g_autofree char *part = g_build_filename (f->dir, "100000.part", NULL);
  g_autofree char *contents = NULL;
  SluiceTask *task;
  const char *path;

  g_assert_true (g_file_set_contents (target, "untouched", -1, NULL));
  task = add (f, "/slow/100000?rate=200000");
  TEST_RUN_UNTIL (sluice_task_get_bytes_received (task) > 0, 5000);
  g_assert_cmpint (g_unlink (part), ==, 0);
  g_assert_cmpint (symlink (target, part), ==, 0);
  run_until_idle (f, 10000);

  g_assert_true (g_file_get_contents (target, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "untouched");
  g_assert_true (sluice_task_is_finished (task));
  path = sluice_task_get_path (task);
  g_test_message ("%s, %s, %s", sluice_task_state_to_nick (sluice_task_get_state (task)),
                  path, sluice_task_get_error_message (task));
  /* (Until c304eac, sluice_download_finish() renamed whatever was at
   * NAME.part into place, and the task reported the symlink as its file.) */
  g_assert_false (path != NULL && g_file_test (path, G_FILE_TEST_IS_SYMLINK));
  if (sluice_task_get_state (task) == SLUICE_TASK_STATE_DONE)
    g_assert_true (test_file_has_pattern (path, 100000));
  else
    g_assert_cmpstr (sluice_error_to_nick (sluice_task_get_error_kind (task)), ==, "disk");
}

/* The same between two attempts: after a reset, the .part is swapped for
 * a symlink before the resume; the resume never opens it. */
static void
test_disk_part_replaced_before_resume (Fixture       *f,
                                       gconstpointer  data)
{
  g_autofree char *target = g_build_filename (f->batch_dir, "target", NULL);
  g_autofree char *part = g_build_filename (f->dir, "30000.part", NULL);
  g_autofree char *contents = NULL;
  SluiceTask *task;

  g_assert_true (g_file_set_contents (target, "untouched", -1, NULL));
  sluice_scheduler_set_retry_delay (f->scheduler, 0.5);
  task = add (f, "/short/30000?total=100000&etag=1&once=swap");
  track (task);
  TEST_RUN_UNTIL (sluice_task_get_state (task) == SLUICE_TASK_STATE_WAITING_RETRY, 5000);
  assert_dir (f->dir, "30000.part");
  g_assert_cmpint (g_unlink (part), ==, 0);
  g_assert_cmpint (symlink (target, part), ==, 0);
  run_until_idle (f, 10000);

  /* The resume finds no file of its own: the 206 it asked for no longer
   * fits, so the next attempt starts over under a fresh name. */
  assert_task (task, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_test_message ("%s", history (task));
  g_assert_true (g_str_has_suffix (sluice_task_get_path (task), "/30000 (1)"));
  g_assert_true (test_file_has_pattern (sluice_task_get_path (task), 100000));
  g_assert_true (g_file_get_contents (target, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "untouched");
  g_assert_true (g_file_test (part, G_FILE_TEST_IS_SYMLINK));
  assert_dir (f->dir, "30000 (1)|30000.part");
}

/* Twenty concurrent downloads suggesting one name. */
static void
test_disk_twenty_one_name (Fixture       *f,
                           gconstpointer  data)
{
  SluiceTask *tasks[20];
  g_autoptr(GHashTable) paths = g_hash_table_new (g_str_hash, g_str_equal);

  sluice_scheduler_set_max_concurrent (f->scheduler, 20);
  sluice_scheduler_set_max_per_host (f->scheduler, 20);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_autofree char *path = g_strdup_printf ("/disposition?name=same.txt&size=50000&i=%u", i);

      tasks[i] = add (f, path);
    }
  add_batch (f);
  run_until_idle (f, 10000);

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      assert_task (tasks[i], SLUICE_TASK_STATE_DONE, "none", NULL);
      g_assert_true (test_file_has_pattern (sluice_task_get_path (tasks[i]), 50000));
      g_assert_true (g_hash_table_add (paths, (gpointer) sluice_task_get_path (tasks[i])));
    }
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_autofree char *name = i == 0 ? g_strdup ("same.txt") : g_strdup_printf ("same (%u).txt", i);
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      g_assert_true (g_hash_table_contains (paths, path));
    }
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 20);
  assert_batch_done (f);
}

/* Hostile input */

static gboolean
text_is_clean (const char *text)
{
  if (!g_utf8_validate (text, -1, NULL))
    return FALSE;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || g_unichar_type (c) == G_UNICODE_FORMAT ||
          c == 0x2028 || c == 0x2029)
        return FALSE;
    }
  return TRUE;
}

/* The reason phrase is the server's own text: it reaches the window, the
 * headless output and exports only as valid UTF-8 without control or
 * bidi characters, and short. */
static void
test_hostile_reason_phrase (Fixture       *f,
                            gconstpointer  data)
{
  const struct {
    const char *path;
    const char *message;
  } cases[] = {
    { "/reason/404?phrase=Nicht%20gefunden", "The server answered 404 Nicht gefunden" },
    { "/reason/404?phrase=%FF%FEbad", "The server answered 404 \357\277\275\357\277\275bad" },
    { "/reason/403?phrase=%E2%80%AEtxt.exe%1B%5B31m%07", "The server answered 403 txt.exe[31m" },
    { "/reason/410?phrase=%01%02%03", "The server answered 410 Gone" },
  };
  g_autoptr(GString) long_phrase = g_string_new ("/reason/451?phrase=");
  SluiceTask *tasks[G_N_ELEMENTS (cases)];
  SluiceTask *long_one;

  sluice_scheduler_set_max_retries (f->scheduler, 0);
  for (guint i = 0; i < 2000; i++)
    g_string_append (long_phrase, "blah%20");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    tasks[i] = add (f, cases[i].path);
  long_one = add (f, long_phrase->str);
  add_batch (f);
  run_until_idle (f, 10000);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_task (tasks[i], SLUICE_TASK_STATE_FAILED, "http-client", cases[i].message);
  g_assert_cmpint (sluice_task_get_state (long_one), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_true (text_is_clean (sluice_task_get_error_message (long_one)));
  g_assert_true (g_str_has_prefix (sluice_task_get_error_message (long_one), "The server answered 451 blah blah"));
  g_assert_cmpuint (g_utf8_strlen (sluice_task_get_error_message (long_one), -1), <=, 150);
  assert_dir (f->dir, "");
  assert_batch_done (f);
}


/* Content-Disposition values a hostile server might send, end to end. */
static void
test_hostile_disposition (Fixture       *f,
                          gconstpointer  data)
{
  const struct {
    const char *value;   /* the raw header, percent-encoded */
    const char *name;
  } cases[] = {
    { "attachment;%20filename=%22C:%5C%5CUsers%5C%5Cme%5C%5Cevil.exe%22", "evil.exe" },
    /* In a quoted string a single backslash only escapes the next byte. */
    { "attachment;%20filename=%22C:%5CUsers%5Cevil1.exe%22", "Usersevil1.exe" },
    { "attachment;%20filename=C:%5CUsers%5Cme%5Cevil3.exe", "evil3.exe" },
    { "attachment;%20filename=%22C:evil2.exe%22", "evil2.exe" },
    { "attachment;%20filename=%22/etc/cron.d/job%22", "job" },
    { "attachment;%20filename=%22..%2F..%2Fup.txt%22", "up.txt" },
    { "attachment;%20filename=%22a%01b%1B%5B31m.txt%22", "ab[31m.txt" },
    { "attachment;%20filename=%22invoice%E2%80%AEfdp.exe%22", "invoicefdp.exe" },
    { "attachment;%20filename=%22...%20.bashrc%22", "bashrc" },
    { "attachment;%20filename=%22--help%22", "help" },
    { "attachment;%20filename*=iso-8859-1'fr'caf%25E9.txt", "caf\303\251.txt" },
    { "attachment;%20filename*=SHIFT_JIS''%2583%2565%2583%2558%2583%2567.txt",
      "\343\203\206\343\202\271\343\203\210.txt" },
    { "attachment;%20filename*=UTF-16LE''a%2500b%2500;%20filename=%22utf16-fallback.txt%22",
      "utf16-fallback.txt" },
    { "attachment;%20filename*=x-no-such-charset''abc;%20filename=%22charset-fallback.txt%22",
      "charset-fallback.txt" },
    { "attachment;%20filename=%22%20%20%22", "raw-disposition" },
  };
  SluiceTask *tasks[G_N_ELEMENTS (cases)];

  /* One at a time: the URL fallback name is shared. */
  sluice_scheduler_set_max_concurrent (f->scheduler, 1);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/raw-disposition?%s", cases[i].value);

      tasks[i] = add (f, path);
    }
  add_batch (f);
  run_until_idle (f, 20000);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *expected = g_build_filename (f->dir, cases[i].name, NULL);

      assert_task (tasks[i], SLUICE_TASK_STATE_DONE, "none", NULL);
      g_assert_cmpstr (sluice_task_get_path (tasks[i]), ==, expected);
      g_assert_true (test_file_has_pattern (expected, 16));
    }
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, G_N_ELEMENTS (cases));
  assert_batch_done (f);
}

/* Pasted lists: schemes, user info, CR/LF, duplicates, 100,000 lines; the
 * scheduler takes exactly the URLs the list accepted. */
static void
test_hostile_url_list (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(SluiceUrlList) list = NULL;
  gint64 started;
  guint n_urls;

  g_string_append (text, "ftp://example.com/a\r\n"
                         "file:///etc/passwd\n"
                         "javascript:alert(1)\r"
                         "data:text/html,<script>\n"
                         "https://user:secret@example.com/private\n"
                         "https://example.com/a\rhttps://example.com/a\r\n"
                         "https://exa mple.com/\n"
                         "https://example.com/\xe2\x80\xae" "gpj.exe\n"
                         "http://[fe80::1%25eth0%2F]/\n");
  /* 99,990 more lines, 30,000 of them distinct. */
  for (guint i = 0; i < 100000 - 10; i++)
    g_string_append_printf (text, "https://h%u.example/f/%u?q=%u\n", i % 50, i % 30000, i % 2);

  started = g_get_monotonic_time ();
  list = sluice_url_list_parse (text->str, text->len);
  g_test_message ("100,000 lines in %.0f ms", (g_get_monotonic_time () - started) / 1e3);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC * test_get_slowdown ());

  n_urls = sluice_url_list_get_n_urls (list);
  g_assert_cmpuint (sluice_url_list_get_n_refused (list), ==, 7);
  g_assert_cmpstr (sluice_url_list_get_url (list, 0), ==, "https://user:secret@example.com/private");
  g_assert_cmpstr (sluice_url_list_get_url (list, 1), ==, "https://example.com/a");
  g_assert_cmpuint (n_urls, ==, 2 + 30000);
  g_assert_cmpuint (sluice_url_list_get_n_duplicates (list), ==, 1 + 69990);
  for (guint i = 0; i < sluice_url_list_get_n_refused (list); i++)
    g_assert_true (text_is_clean (sluice_url_list_get_refused (list, i)->text));

  /* Every accepted URL becomes a task. */
  g_assert_cmpuint (sluice_scheduler_add_many (f->scheduler, sluice_url_list_get_urls (list),
                                               SLUICE_TASK_KIND_SCRAPE), ==, n_urls);
  sluice_scheduler_cancel_all (f->scheduler);
  g_assert_cmpuint (sluice_scheduler_get_n_cancelled (f->scheduler), ==, n_urls);
  run_until_idle (f, 10000);
  assert_dir (f->dir, "");
}

/* A million links in 8 MB, under the 10 MiB cap: all counted. */
static void
test_hostile_million_links (Fixture       *f,
                            gconstpointer  data)
{
  SluiceTask *task = add_kind (f, "/links/1000000?compact=1", SLUICE_TASK_KIND_SCRAPE);

  add_batch (f);
  run_until_idle (f, 30000);
  assert_task (task, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_cmpuint (sluice_task_get_link_count (task), ==, 1000000);
  g_assert_cmpstr (sluice_task_get_title (task), ==, "Links");
  assert_dir (f->dir, "");
  assert_batch_done (f);
}

/* Broken markup and a charset that lies. */
static void
test_hostile_broken_html (Fixture       *f,
                          gconstpointer  data)
{
  SluiceTask *broken = add_kind (f, "/html/scrape-broken.html", SLUICE_TASK_KIND_SCRAPE);
  SluiceTask *lying = add_kind (f, "/html/scrape-latin1.html?type=text/html;%20charset=utf-8",
                                SLUICE_TASK_KIND_SCRAPE);
  SluiceTask *bogus = add_kind (f, "/html/scrape-latin1.html?type=text/html;%20charset=x-bogus-42",
                                SLUICE_TASK_KIND_SCRAPE);
  SluiceTask *binary = add_kind (f, "/gzip-bomb/1", SLUICE_TASK_KIND_SCRAPE);
  SluiceTask *tasks[] = { broken, lying, bogus };

  add_batch (f);
  run_until_idle (f, 10000);

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      assert_task (tasks[i], SLUICE_TASK_STATE_DONE, "none", NULL);
      g_assert_nonnull (sluice_task_get_title (tasks[i]));
      g_assert_true (text_is_clean (sluice_task_get_title (tasks[i])));
    }
  /* Latin-1 read as UTF-8: the é is invalid, and shown as U+FFFD. */
  g_assert_nonnull (strstr (sluice_task_get_title (lying), "Caf\357\277\275"));
  /* An unknown label is ignored: the page's own <meta> decides. */
  g_assert_nonnull (strstr (sluice_task_get_title (bogus), "Caf\303\251"));
  /* Not HTML at all (application/octet-stream): done without parsing. */
  assert_task (binary, SLUICE_TASK_STATE_DONE, "none", NULL);
  g_assert_null (sluice_task_get_title (binary));
  assert_dir (f->dir, "");
  assert_batch_done (f);
}


/* Credentials: every log message, at every level, is captured while tasks
 * with a password in their URL fail, retry, redirect and succeed. */

#define SECRET "s3cr3t-PASSW0RD"

static GPtrArray *captured_logs;  /* char*, while capturing */

static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  if (captured_logs != NULL)
    {
      g_autoptr(GString) line = g_string_new (NULL);

      for (gsize i = 0; i < n_fields; i++)
        {
          if (fields[i].length < 0)
            g_string_append_printf (line, "%s=%s ", fields[i].key, (const char *) fields[i].value);
          else if (strcmp (fields[i].key, "MESSAGE") == 0 || strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
            {
              g_string_append_printf (line, "%s=", fields[i].key);
              g_string_append_len (line, fields[i].value, fields[i].length);
              g_string_append_c (line, ' ');
            }
        }
      g_ptr_array_add (captured_logs, g_string_free (g_steal_pointer (&line), FALSE));
      /* Warnings and worse still show (and stay fatal). */
      if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO | G_LOG_LEVEL_MESSAGE))
        return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
assert_no_secret (const char *what,
                  const char *text)
{
  if (text != NULL && strstr (text, SECRET) != NULL)
    {
      const char *at = strstr (text, SECRET);
      const char *line = at;

      while (line > text && line[-1] != '\n')
        line--;
      g_error ("the password shows in %s: %.*s", what, (int) (strchrnul (at, '\n') - line), line);
    }
}

static void
test_hostile_credentials_in_logs (Fixture       *f,
                                  gconstpointer  data)
{
  const char *paths[] = {
    "/status/500", "/redirect/2?to=/bytes/10", "/bytes/100", "/status/401",
    "/short/300?total=1000&etag=1&once=creds", "/loop",
  };
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();
  g_autofree char *scrape_url = NULL;
  guint port = test_server_get_port (f->server);

  captured_logs = g_ptr_array_new_with_free_func (g_free);
  g_log_set_debug_enabled (TRUE);
  sluice_scheduler_set_max_retries (f->scheduler, 1);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *url = g_strdup_printf ("http://user:" SECRET "@127.0.0.1:%u%s", port, paths[i]);

      g_ptr_array_add (tasks, add_url (f, url));
    }
  scrape_url = g_strdup_printf ("http://user:" SECRET "@127.0.0.1:%u/html/scrape-normal.html", port);
  g_ptr_array_add (tasks, sluice_scheduler_add (f->scheduler, scrape_url, SLUICE_TASK_KIND_SCRAPE));
  run_until_idle (f, 20000);
  g_log_set_debug_enabled (FALSE);

  g_test_message ("%u log messages captured", captured_logs->len);
  for (guint i = 0; i < captured_logs->len; i++)
    assert_no_secret ("a log message", g_ptr_array_index (captured_logs, i));
  g_clear_pointer (&captured_logs, g_ptr_array_unref);

  for (guint i = 0; i < tasks->len; i++)
    {
      SluiceTask *task = g_ptr_array_index (tasks, i);
      g_autofree char *record = sluice_export_task_to_jsonl (task);

      g_test_message ("%s: %s", sluice_task_state_to_nick (sluice_task_get_state (task)),
                      sluice_task_get_error_message (task));
      g_assert_true (sluice_task_is_finished (task));
      assert_no_secret ("an error message", sluice_task_get_error_message (task));
      assert_no_secret ("a final URL", sluice_task_get_final_uri (task));
      assert_no_secret ("a path", sluice_task_get_path (task));
      assert_no_secret ("an exported record", record);
    }
  g_assert_cmpint (sluice_task_get_state (g_ptr_array_index (tasks, 1)), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpint (sluice_task_get_state (g_ptr_array_index (tasks, 4)), ==, SLUICE_TASK_STATE_DONE);
}

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* libsoup hands back a URL whose user info was "me:secret" as
 * "me%3Asecret" after a redirect: redaction must still see the password. */
static void
test_hostile_redact_encoded_colon (void)
{
  const struct {
    const char *url;
    const char *expected;
  } cases[] = {
    { "http://me%3Asecret@example.com/x", "http://me%3A***@example.com/x" },
    { "http://me%3asecret@example.com/x", "http://me%3a***@example.com/x" },
    { "http://me%3A@example.com/x", "http://me%3A@example.com/x" },
    { "http://me@example.com/a%3Ab", "http://me@example.com/a%3Ab" },
    { "http://me:pw%3Amore@example.com/", "http://me:***@example.com/" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *redacted = sluice_url_redact (cases[i].url);

      g_assert_cmpstr (redacted, ==, cases[i].expected);
    }
}

/* The same through `sluice --headless` with G_MESSAGES_DEBUG=all: the
 * password is in no byte of stdout or stderr. */
static void
test_hostile_credentials_headless (Fixture       *f,
                                   gconstpointer  data)
{
  const char *binary = g_getenv ("SLUICE_BINARY");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  guint port = test_server_get_port (f->server);
  const char *paths[] = { "/status/503", "/redirect/1?to=/bytes/10", "/bytes/20", "/status/404" };
  g_autoptr(GAsyncResult) result = NULL;

  if (binary == NULL)
    {
      g_test_skip ("SLUICE_BINARY is not set");
      return;
    }

  g_ptr_array_add (argv, g_strdup (binary));
  g_ptr_array_add (argv, g_strdup ("--headless"));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup (f->dir));
  g_ptr_array_add (argv, g_strdup ("--retry-delay=0.01"));
  g_ptr_array_add (argv, g_strdup ("--retries=1"));
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    g_ptr_array_add (argv, g_strdup_printf ("http://me:" SECRET "@127.0.0.1:%u%s", port, paths[i]));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  /* The server runs on this main loop, so wait without blocking it. */
  g_subprocess_communicate_utf8_async (process, NULL, NULL, on_communicated, &result);
  TEST_RUN_UNTIL (result != NULL, 30000);
  g_assert_true (g_subprocess_communicate_utf8_finish (process, result, &out, &err, &error));
  g_assert_no_error (error);

  g_test_message ("stdout: %zu bytes, stderr: %zu bytes", strlen (out), strlen (err));
  g_assert_nonnull (strstr (out, "\"state\":\"done\""));
  g_assert_nonnull (strstr (err, "2 done, 2 failed"));
  assert_no_secret ("stdout", out);
  assert_no_secret ("stderr", err);
  g_assert_nonnull (strstr (out, "me:***@127.0.0.1"));
}

/* Lifecycle */

static void
cancel_now (GObject    *object,
            GParamSpec *pspec,
            gpointer    user_data)
{
  SluiceTask *task = SLUICE_TASK (object);
  const char *when = user_data;

  if (sluice_task_is_finished (task))
    return;
  if (g_str_equal (when, "path") && sluice_task_get_path (task) == NULL)
    return;
  if (g_str_equal (when, "running") && sluice_task_get_state (task) != SLUICE_TASK_STATE_RUNNING)
    return;
  if (g_str_equal (when, "sha256") && sluice_task_get_sha256 (task) == NULL)
    return;
  sluice_task_cancel (task);
}

static void
assert_cancelled_without_files (Fixture    *f,
                                SluiceTask *task)
{
  assert_task (task, SLUICE_TASK_STATE_CANCELLED, "cancelled", "Cancelled");
  g_assert_null (sluice_task_get_path (task));
}

/* Cancel while queued, connecting, just after the headers, in the body,
 * and from a handler of the task's own notifications (as a view bound to
 * it could): when its file name is chosen, when it starts running, and
 * when the finished file is renamed into place.  Each time: cancelled,
 * nothing on disk, the rest of the batch finishes. */
static void
test_lifecycle_cancel_each_stage (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *silent = test_server_silent_url (f->server, "/x");
  SluiceTask *blocker, *queued, *connecting, *body;

  /* Queued: behind a slow task on a host capped at one. */
  sluice_scheduler_set_max_per_host (f->scheduler, 1);
  {
    g_autofree char *slow = test_server_url_for_host (f->server, "127.0.0.3", "/slow/20000?rate=40000");
    g_autofree char *quick = test_server_url_for_host (f->server, "127.0.0.3", "/bytes/100");

    blocker = add_url (f, slow);
    queued = add_url (f, quick);
  }
  g_assert_cmpint (sluice_task_get_state (queued), ==, SLUICE_TASK_STATE_QUEUED);
  sluice_task_cancel (queued);
  assert_cancelled_without_files (f, queued);

  /* Connecting: a server that never answers. */
  connecting = add_url (f, silent);
  g_assert_cmpint (sluice_task_get_state (connecting), ==, SLUICE_TASK_STATE_CONNECTING);
  TEST_RUN_UNTIL (test_server_get_silent_connection_count (f->server) > 0, 5000);
  sluice_task_cancel (connecting);
  assert_cancelled_without_files (f, connecting);

  /* In the body. */
  sluice_scheduler_set_max_per_host (f->scheduler, 6);
  body = add (f, "/slow/100000?rate=50000&body");
  TEST_RUN_UNTIL (sluice_task_get_bytes_received (body) > 0, 5000);
  g_assert_cmpuint (test_count_files (f->dir, NULL), >=, 1);
  sluice_task_cancel (body);
  assert_cancelled_without_files (f, body);

  add_batch (f);
  run_until_idle (f, 10000);
  assert_task (blocker, SLUICE_TASK_STATE_DONE, "none", NULL);
  assert_dir (f->dir, "20000");
  assert_batch_done (f);
}

/* The same from inside the task's notifications.  Run in a subprocess:
 * this is where a re-entrant cancel would crash. */
static void
run_cancel_from_notify (Fixture    *f,
                        const char *signal,
                        const char *when)
{
  SluiceTask *task = add (f, "/bytes/300000");

  g_signal_connect (task, signal, G_CALLBACK (cancel_now), (gpointer) when);
  add_batch (f);
  run_until_idle (f, 10000);

  g_test_message ("cancelled on %s: %s, path %s", signal,
                  sluice_task_state_to_nick (sluice_task_get_state (task)),
                  sluice_task_get_path (task));
  /* Cancelled with nothing left behind, or (when the cancel came after
   * the file was complete) done with the whole file; nothing in between. */
  if (sluice_task_get_state (task) == SLUICE_TASK_STATE_DONE)
    {
      g_assert_true (test_file_has_pattern (sluice_task_get_path (task), 300000));
      assert_dir (f->dir, "300000");
    }
  else
    {
      assert_cancelled_without_files (f, task);
      assert_dir (f->dir, "");
    }
  TEST_RUN_UNTIL (test_server_get_in_flight (f->server, "/bytes") == 0, 5000);
  assert_batch_done (f);
}

static void
test_lifecycle_cancel_when_named (Fixture       *f,
                                  gconstpointer  data)
{
  run_cancel_from_notify (f, "notify::path", "path");
}

static void
test_lifecycle_cancel_when_running (Fixture       *f,
                                    gconstpointer  data)
{
  /* (Until c304eac, _sluice_task_set_state() ran the handlers before
   * the scheduler counted the change: CANCELLED counted twice, RUNNING
   * below zero, and the scheduler busy for ever.) */
  if (in_subprocess ())
    run_cancel_from_notify (f, "notify::state", "running");
}

static void
test_lifecycle_cancel_when_renamed (Fixture       *f,
                                    gconstpointer  data)
{
  /* (Until 8323c95 the cancel freed final_path under
   * sluice_download_finish(), which then crashed in g_str_hash (NULL).) */
  if (in_subprocess ())
    run_cancel_from_notify (f, "notify::sha256", "sha256");
}


/* A retry from a task-finished handler (the soak does it at random), then
 * a cancel while the new attempt runs: the cancel must reach it. */
static void
retry_once (SluiceScheduler *scheduler,
            SluiceTask      *task,
            gboolean        *retried)
{
  if (*retried || sluice_task_get_state (task) != SLUICE_TASK_STATE_FAILED)
    return;
  *retried = TRUE;
  g_assert_true (sluice_task_retry (task));
}

static void
run_retry_then_cancel (Fixture *f)
{
  gboolean retried = FALSE;
  SluiceTask *task;

  sluice_scheduler_set_max_retries (f->scheduler, 0);
  g_signal_connect (f->scheduler, "task-finished", G_CALLBACK (retry_once), &retried);
  task = add (f, "/short/20000?total=400000&etag=1&once=rc&rate=100000");
  TEST_RUN_UNTIL (retried && sluice_task_get_bytes_received (task) > 20000, 5000);
  g_signal_handlers_disconnect_by_data (f->scheduler, &retried);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_RUNNING);
  /* (A retry by hand counts attempts from one again.) */
  g_assert_cmpuint (test_server_get_request_count (f->server, "/short"), ==, 2);

  sluice_task_cancel (task);
  assert_cancelled_without_files (f, task);
  run_until_idle (f, 10000);
  assert_task (task, SLUICE_TASK_STATE_CANCELLED, "cancelled", "Cancelled");
  assert_dir (f->dir, "");
  /* The transfer really stopped: the server saw the client go. */
  TEST_RUN_UNTIL (test_server_get_in_flight (f->server, "/short") == 0, 5000);
}

static void
test_lifecycle_retry_from_finished_then_cancel (Fixture       *f,
                                                gconstpointer  data)
{
  /* (Until c304eac, on_transfer_done() cleared the new attempt's
   * cancellable after the handler had started it: the cancel could not
   * stop the transfer, which wrote on into the aborted sink.) */
  if (in_subprocess ())
    run_retry_then_cancel (f);
}

/* Cancel a running download and retry it at once, before the cancelled
 * attempt's transfer has wound down (a user clicking twice): the new
 * attempt must finish, whatever the old one reports when it ends. */
static void
run_cancel_then_retry (Fixture *f)
{
  SluiceTask *task = add (f, "/slow/200000?rate=400000");

  add_batch (f);
  TEST_RUN_UNTIL (sluice_task_get_bytes_received (task) > 0, 5000);
  track_states (task);
  sluice_task_cancel (task);
  assert_cancelled_without_files (f, task);
  g_assert_true (sluice_task_retry (task));
  run_until_idle (f, 10000);

  assert_task (task, SLUICE_TASK_STATE_DONE, "none", NULL);
  /* Never failed, never finished twice on the way. */
  g_assert_cmpstr (states (task), ==, "cancelled queued connecting running done");
  g_assert_true (test_file_has_pattern (sluice_task_get_path (task), 200000));
  assert_dir (f->dir, "200000");
  assert_batch_done (f);
}

static void
test_lifecycle_cancel_then_retry (Fixture       *f,
                                  gconstpointer  data)
{
  /* (Until c304eac, the old attempt's callback treated the new attempt as
   * its own: "failed" on the way, its sink aborted.) */
  if (in_subprocess ())
    run_cancel_then_retry (f);
}

/* Cancel-all over 10,000 tasks in every state at once: running, waiting
 * for a retry, queued, downloads and scrapes on three hosts. */
static void
test_lifecycle_cancel_all_mixed (Fixture       *f,
                                 gconstpointer  data)
{
  const char *hosts[] = { "127.0.0.1", "127.0.0.2", "127.0.0.3" };
  g_autoptr(GPtrArray) downloads = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) scrapes = g_ptr_array_new_with_free_func (g_free);
  gint64 started;

  sluice_scheduler_set_max_concurrent (f->scheduler, 12);
  sluice_scheduler_set_max_per_host (f->scheduler, 4);
  for (guint i = 0; i < 10000; i++)
    {
      const char *host = hosts[i % 3];
      g_autofree char *path = NULL;

      switch (i % 4)
        {
        case 0: path = g_strdup_printf ("/slow/1000000?rate=20000&i=%u", i); break;
        case 1: path = g_strdup_printf ("/retry-after/30?key=k%u", i); break;
        case 2: path = g_strdup_printf ("/html/scrape-normal.html?i=%u", i); break;
        default: path = g_strdup_printf ("/bytes/1000?i=%u", i); break;
        }
      g_ptr_array_add (i % 4 == 2 ? scrapes : downloads, test_server_url_for_host (f->server, host, path));
    }
  g_ptr_array_add (downloads, NULL);
  g_ptr_array_add (scrapes, NULL);
  g_assert_cmpuint (sluice_scheduler_add_many (f->scheduler, (const char * const *) downloads->pdata,
                                               SLUICE_TASK_KIND_DOWNLOAD), ==, 7500);
  g_assert_cmpuint (sluice_scheduler_add_many (f->scheduler, (const char * const *) scrapes->pdata,
                                               SLUICE_TASK_KIND_SCRAPE), ==, 2500);

  /* Let some finish, some wait for a retry, some run. */
  TEST_RUN_UNTIL (sluice_scheduler_get_n_waiting (f->scheduler) >= 6 &&
                  sluice_scheduler_get_n_done (f->scheduler) >= 6, 20000);
  g_test_message ("before: %u queued, %u running, %u waiting, %u done",
                  sluice_scheduler_get_n_queued (f->scheduler),
                  sluice_scheduler_get_n_running (f->scheduler),
                  sluice_scheduler_get_n_waiting (f->scheduler),
                  sluice_scheduler_get_n_done (f->scheduler));

  started = g_get_monotonic_time ();
  sluice_scheduler_cancel_all (f->scheduler);
  g_test_message ("cancel-all took %.1f ms", (g_get_monotonic_time () - started) / 1e3);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 2 * G_USEC_PER_SEC * test_get_slowdown ());
  g_assert_cmpuint (sluice_scheduler_get_n_cancelled (f->scheduler) + sluice_scheduler_get_n_done (f->scheduler),
                    ==, 10000);
  g_assert_cmpuint (sluice_scheduler_get_n_queued (f->scheduler), ==, 0);
  g_assert_cmpuint (sluice_scheduler_get_n_waiting (f->scheduler), ==, 0);
  g_assert_cmpuint (sluice_scheduler_get_n_running (f->scheduler), ==, 0);

  run_until_idle (f, 10000);
  TEST_RUN_UNTIL (test_server_get_in_flight (f->server, "/slow") == 0, 5000);
  /* Only the downloads that finished before the cancel left files. */
  {
    guint done_downloads = 0;

    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (f->scheduler)); i++)
      {
        g_autoptr(SluiceTask) task = g_list_model_get_item (G_LIST_MODEL (f->scheduler), i);

        if (sluice_task_get_state (task) == SLUICE_TASK_STATE_DONE &&
            sluice_task_get_kind (task) == SLUICE_TASK_KIND_DOWNLOAD)
          {
            g_assert_true (test_file_has_pattern (sluice_task_get_path (task), 1000));
            done_downloads++;
          }
        else if (sluice_task_get_state (task) == SLUICE_TASK_STATE_CANCELLED)
          g_assert_null (sluice_task_get_path (task));
      }
    g_assert_cmpuint (test_count_files (f->dir, NULL), ==, done_downloads);
  }
  g_assert_cmpuint (sluice_scheduler_remove_finished (f->scheduler), ==, 10000);
}

/* The soak: a few hundred tasks mixing 503s, resets, stalls, slow bodies,
 * cancels and retries, at random (reproducible with --seed).  The server
 * never sees more than the limits, and every task finishes. */

typedef struct {
  SluiceTask *task;
  guint       timer;
} SoakAction;

static gboolean
soak_cancel_cb (gpointer user_data)
{
  SoakAction *action = user_data;

  action->timer = 0;
  sluice_task_cancel (action->task);
  return G_SOURCE_REMOVE;
}

static void
soak_action_free (gpointer data)
{
  SoakAction *action = data;

  g_clear_handle_id (&action->timer, g_source_remove);
  g_free (action);
}

static void
soak_on_finished (SluiceScheduler *scheduler,
                  SluiceTask      *task,
                  guint           *retries_left)
{
  /* Now and then, the user retries a failed or cancelled task at once. */
  if (*retries_left > 0 && sluice_task_get_state (task) != SLUICE_TASK_STATE_DONE &&
      g_test_rand_int_range (0, 4) == 0)
    {
      (*retries_left)--;
      g_assert_true (sluice_task_retry (task));
    }
}

static void
test_lifecycle_soak (Fixture       *f,
                     gconstpointer  data)
{
  const char *hosts[] = { "127.0.0.1", "127.0.0.2", "127.0.0.3" };
  const guint n_tasks = 300;
  const guint max_concurrent = 6, max_per_host = 3;
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (goffset));
  g_autoptr(GPtrArray) actions = g_ptr_array_new_with_free_func (soak_action_free);
  guint retries_left = 60;
  guint done = 0, files = 0;

  sluice_scheduler_set_max_concurrent (f->scheduler, max_concurrent);
  sluice_scheduler_set_max_per_host (f->scheduler, max_per_host);
  sluice_scheduler_set_max_retries (f->scheduler, 3);
  sluice_scheduler_set_timeout (f->scheduler, 2);
  g_signal_connect (f->scheduler, "task-finished", G_CALLBACK (soak_on_finished), &retries_left);

  for (guint i = 0; i < n_tasks; i++)
    {
      const char *host = hosts[g_test_rand_int_range (0, 3)];
      guint size = g_test_rand_int_range (1000, 40000);
      g_autofree char *path = NULL;
      g_autofree char *url = NULL;
      SluiceTask *task;

      switch (g_test_rand_int_range (0, 6))
        {
        case 0: path = g_strdup_printf ("/status/503?i=%u", i); size = 0; break;
        case 1: path = g_strdup_printf ("/retry-after/0?times=%d&key=s%u", g_test_rand_int_range (1, 3), i); size = 64; break;
        case 2: path = g_strdup_printf ("/short/%u?total=%u&etag=1&rst=1&i=%u", size / 2, size, i); break;
        case 3: path = g_strdup_printf ("/slow/%u?rate=%u&i=%u", size, g_test_rand_int_range (40000, 400000), i); break;
        case 4: path = g_strdup_printf ("/chunked/%u?i=%u", size, i); break;
        default: path = g_strdup_printf ("/bytes/%u?i=%u", size, i); break;
        }
      url = test_server_url_for_host (f->server, host, path);
      task = sluice_scheduler_add (f->scheduler, url,
                                   g_test_rand_int_range (0, 5) == 0 ? SLUICE_TASK_KIND_SCRAPE
                                                                     : SLUICE_TASK_KIND_DOWNLOAD);
      g_assert_nonnull (task);
      g_ptr_array_add (tasks, task);
      g_array_append_val (sizes, (goffset) { size });

      /* One task in six is cancelled at a random moment. */
      if (g_test_rand_int_range (0, 6) == 0)
        {
          SoakAction *action = g_new0 (SoakAction, 1);

          action->task = task;
          action->timer = g_timeout_add (g_test_rand_int_range (0, 3000), soak_cancel_cb, action);
          g_ptr_array_add (actions, action);
        }
    }

  run_until_idle (f, 45000);
  /* (Cancel timers that have not fired go with the actions: a cancel
   * after the end would only be a no-op.) */
  g_signal_handlers_disconnect_by_data (f->scheduler, &retries_left);

  g_test_message ("peak in flight %u (limit %u); per host %u %u %u (limit %u); %u retries left",
                  test_server_get_peak_in_flight (f->server, NULL), max_concurrent,
                  test_server_get_peak_in_flight_for_host (f->server, hosts[0]),
                  test_server_get_peak_in_flight_for_host (f->server, hosts[1]),
                  test_server_get_peak_in_flight_for_host (f->server, hosts[2]),
                  max_per_host, retries_left);
  g_assert_cmpuint (test_server_get_peak_in_flight (f->server, NULL), <=, max_concurrent);
  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    g_assert_cmpuint (test_server_get_peak_in_flight_for_host (f->server, hosts[i]), <=, max_per_host);

  for (guint i = 0; i < tasks->len; i++)
    {
      SluiceTask *task = g_ptr_array_index (tasks, i);

      g_assert_true (sluice_task_is_finished (task));
      if (sluice_task_get_state (task) == SLUICE_TASK_STATE_DONE)
        {
          done++;
          if (sluice_task_get_kind (task) == SLUICE_TASK_KIND_DOWNLOAD)
            {
              g_assert_true (test_file_has_pattern (sluice_task_get_path (task),
                                                    g_array_index (sizes, goffset, i)));
              files++;
            }
        }
      else
        g_assert_null (sluice_task_get_path (task));
    }
  g_test_message ("%u done, %u failed, %u cancelled", done,
                  sluice_scheduler_get_n_failed (f->scheduler),
                  sluice_scheduler_get_n_cancelled (f->scheduler));
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, files);
  TEST_RUN_UNTIL (test_server_get_in_flight (f->server, NULL) == 0, 5000);
}

/* Inputs the fuzzers found (tests/fuzz); each failed before its fix. */

/* fuzz-html-extractor: an empty page made the encoding sniffer compute
 * NULL + 0 (undefined behaviour; UBSan aborts). */
static void
test_fuzz_html_empty_page (void)
{
  g_autoptr(SluiceHtmlExtractor) extractor = sluice_html_extractor_new (NULL);
  g_autoptr(SluiceHtmlExtractor) fed_nothing = sluice_html_extractor_new ("utf-8");

  sluice_html_extractor_finish (extractor);
  g_assert_null (sluice_html_extractor_get_title (extractor));
  g_assert_cmpuint (sluice_html_extractor_get_link_count (extractor), ==, 0);

  sluice_html_extractor_feed (fed_nothing, "", 0);
  sluice_html_extractor_finish (fed_nothing);
  g_assert_null (sluice_html_extractor_get_title (fed_nothing));
}

/* fuzz-filename: a drive prefix behind leading dots or spaces survived
 * (".. f:name" gave "f:name"), so sanitising twice gave another name. */
static void
test_fuzz_filename_drive_after_dots (void)
{
  const struct {
    const char *in;
    const char *out;
  } cases[] = {
    { ".. f:lename*=UTF-8'rate", "lename*=UTF-8'rate" },
    { "-C:report.pdf", "report.pdf" },
    { " .C:.D:x", "x" },
    { "C:..\\..\\a:b", "b" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *once = sluice_filename_sanitize (cases[i].in, 255);
      g_autofree char *twice = NULL;

      g_assert_cmpstr (once, ==, cases[i].out);
      twice = sluice_filename_sanitize (once, 255);
      g_assert_cmpstr (twice, ==, once);
    }
}

/* fuzz-filename: cutting a long name kept white space that is not ASCII
 * at its end ("a\u3000" from "a\u3000bcd"), which the sanitiser itself
 * trims everywhere else: the name was not stable, and ended invisibly. */
static void
test_fuzz_filename_cut_before_space (void)
{
  const struct {
    const char *in;
    gsize       name_max;
    const char *out;
  } cases[] = {
    { "\xff" "c\u3000df", 7, "\ufffd" "c" },
    { "ab\u00a0\u3000cdef", 7, "ab" },
    { "report\u2003final.pdf", 13, "report.pdf" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *once = sluice_filename_sanitize (cases[i].in, cases[i].name_max);
      g_autofree char *twice = NULL;

      g_assert_cmpstr (once, ==, cases[i].out);
      twice = sluice_filename_sanitize (once, cases[i].name_max);
      g_assert_cmpstr (twice, ==, once);
    }
}

/* fuzz-url-list: an IPv6 zone ID came back percent-decoded ("%2F" → "/"),
 * so the "normalised" URL was one the scheduler could not parse (the add
 * dialog counted a link that never became a task), and "%5D" could end
 * the bracketed host early. */
static void
test_fuzz_url_list_zone_id (void)
{
  const char *refused[] = {
    "http://[fe80::1%25eth0%2F]/zone",
    "http://[fe80::1%25x%5D.evil.example]/",
    "http://[fe80::1%25a%40b]/",
    "http://[fe80::1%25%20]/",
  };
  const char * const zoned[] = { "http://[fe80::1%25eth0]/zone", NULL };
  g_autoptr(SluiceUrlList) good = sluice_url_list_parse (zoned[0], -1);
  g_autofree char *dir = test_make_temp_dir ();
  g_autoptr(SluiceScheduler) scheduler = NULL;
  g_autoptr(SluiceTask) task = NULL;
  g_autoptr(GUri) again = NULL;

  g_assert_cmpuint (sluice_url_list_get_n_urls (good), ==, 1);
  g_assert_cmpstr (sluice_url_list_get_url (good, 0), ==, zoned[0]);

  /* The task keeps it in a form that parses again (a session saves and
   * loads it; a URL given again matches it). */
  scheduler = test_scheduler_new (dir, 1);
  sluice_scheduler_cancel_all (scheduler);
  g_assert_cmpuint (sluice_scheduler_add_many_unique (scheduler, zoned, SLUICE_TASK_KIND_DOWNLOAD, NULL), ==, 1);
  task = g_list_model_get_item (G_LIST_MODEL (scheduler), 0);
  sluice_task_cancel (task);
  g_assert_cmpstr (sluice_task_get_uri (task), ==, zoned[0]);
  again = g_uri_parse (sluice_task_get_uri (task), G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (again);
  g_assert_cmpuint (sluice_scheduler_add_many_unique (scheduler, zoned, SLUICE_TASK_KIND_DOWNLOAD, NULL), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (scheduler)), ==, 1);
  sluice_task_cancel (task);
  test_run_until_scheduler_idle (scheduler, 5000);
  g_clear_object (&task);
  g_assert_finalize_object (g_steal_pointer (&scheduler));
  test_remove_tree (dir);

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(SluiceUrlList) list = sluice_url_list_parse (refused[i], -1);

      g_test_message ("%s", refused[i]);
      if (sluice_url_list_get_n_urls (list) > 0)
        g_test_message ("accepted as %s", sluice_url_list_get_url (list, 0));
      g_assert_cmpuint (sluice_url_list_get_n_urls (list), ==, 0);
      g_assert_cmpuint (sluice_url_list_get_n_refused (list), ==, 1);
      g_assert_cmpstr (sluice_url_list_get_refused (list, 0)->reason, ==, "The host name is not valid");
    }
}

/* fuzz-html-extractor: libxml2 2.9's push parser takes "</style" cut by
 * a chunk boundary for text, so everything after a <script> or <style>
 * became its text: a page fed in small pieces (after the first KiB, which
 * is sniffed whole) lost its title and headings. */
static void
extract_in_chunks (const char  *page,
                   gsize        chunk,
                   char       **title,
                   char       **headings)
{
  g_autoptr(SluiceHtmlExtractor) extractor = sluice_html_extractor_new (NULL);
  gsize length = strlen (page);

  for (gsize offset = 0; offset < length; offset += chunk)
    sluice_html_extractor_feed (extractor, page + offset, MIN (chunk, length - offset));
  sluice_html_extractor_finish (extractor);
  *title = g_strdup (sluice_html_extractor_get_title (extractor));
  *headings = g_strjoinv ("|", (char **) sluice_html_extractor_get_headings (extractor));
}

static void
test_fuzz_html_end_tag_split (void)
{
  const char *raw_text[] = { "style", "script", "STYLE", "script " };
  const gsize chunks[] = { G_MAXSIZE, 1, 2, 3, 5, 7, 64 };

  for (guint i = 0; i < G_N_ELEMENTS (raw_text); i++)
    {
      g_autoptr(GString) page = g_string_new ("<html><head><!--");
      g_autofree char *name = g_strstrip (g_ascii_strdown (raw_text[i], -1));

      for (guint k = 0; k < 120; k++)
        g_string_append (page, " padding ");
      g_string_append_printf (page, "--><%s>a<b{}</%s></head><body><title>T</title>"
                                    "<h1>one</h1><p>text</p><h1>two</h1>",
                              name, raw_text[i]);
      for (guint c = 0; c < G_N_ELEMENTS (chunks); c++)
        {
          g_autofree char *title = NULL;
          g_autofree char *headings = NULL;

          g_test_message ("<%s>, chunks of %" G_GSIZE_FORMAT, raw_text[i], chunks[c]);
          extract_in_chunks (page->str, chunks[c], &title, &headings);
          g_assert_cmpstr (title, ==, "T");
          g_assert_cmpstr (headings, ==, "one|two");
        }
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Once per process: lets /faults/hostile/credentials-in-logs see every
   * message; otherwise it only passes them on. */
  g_log_set_writer_func (capture_writer, NULL, NULL);

#define ADD(name, func) g_test_add ("/faults/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("server/5xx-retried", test_server_5xx_retried);
  ADD ("server/5xx-retry-after-seconds", test_server_5xx_retry_after_seconds);
  ADD ("server/5xx-retry-after-date", test_server_5xx_retry_after_date);
  ADD ("server/429-huge-retry-after", test_server_429_huge_retry_after);
  ADD ("server/4xx-not-retried", test_server_4xx_not_retried);
  ADD ("server/redirect-limits", test_server_redirect_limits);
  ADD ("server/redirect-schemes", test_server_redirect_schemes);
  ADD ("server/content-range-wrong", test_server_content_range_wrong);
  ADD ("server/range-piece", test_server_range_piece);
  ADD ("server/resume-complete", test_server_resume_complete);
  ADD ("server/short-body", test_server_short_body);
  ADD ("server/bad-chunked", test_server_bad_chunked);
  ADD ("server/bad-chunked-lenient", test_server_bad_chunked_lenient);
  ADD ("server/dribbled", test_server_dribbled);
  ADD ("server/silent", test_server_silent);
  ADD ("server/endless-download", test_server_endless_download);
  ADD ("server/endless-scrape", test_server_endless_scrape);
  ADD ("server/huge-headers", test_server_huge_headers);
  ADD ("server/gzip-bomb-scrape", test_server_gzip_bomb_scrape);
  ADD ("server/gzip-bomb-download", test_server_gzip_bomb_download);
  ADD ("network/refused", test_network_refused);
  ADD ("network/unresolvable", test_network_unresolvable);
  ADD ("network/reset-mid-body", test_network_reset_mid_body);
  ADD ("network/stall-mid-body", test_network_stall_mid_body);
  ADD ("network/watchdog-in-body", test_network_watchdog_in_body);
  ADD ("network/tls-self-signed", test_network_tls_self_signed);
  ADD ("network/tls-handshake-reset", test_network_tls_handshake_reset);
  ADD ("server/no-content-with-length", test_server_no_content_with_length);
  ADD ("disk/full", test_disk_full);
  ADD ("disk/unwritable-folder", test_disk_unwritable_folder);
  ADD ("disk/long-names", test_disk_long_names);
  ADD ("disk/invalid-utf8-names", test_disk_invalid_utf8_names);
  ADD ("disk/name-taken-during-download", test_disk_name_taken_during_download);
  ADD ("disk/folder-not-searchable", test_disk_folder_not_searchable);
  ADD ("disk/no-name-left-after-clash", test_disk_no_name_left_after_clash);
  ADD ("disk/folder-replaced", test_disk_folder_replaced);
  ADD ("disk/part-replaced-by-symlink", test_disk_part_replaced_by_symlink);
  ADD ("disk/part-replaced-before-resume", test_disk_part_replaced_before_resume);
  ADD ("disk/twenty-one-name", test_disk_twenty_one_name);
  ADD ("hostile/reason-phrase", test_hostile_reason_phrase);
  ADD ("hostile/disposition", test_hostile_disposition);
  ADD ("hostile/url-list", test_hostile_url_list);
  ADD ("hostile/million-links", test_hostile_million_links);
  ADD ("hostile/broken-html", test_hostile_broken_html);
  ADD ("hostile/credentials-in-logs", test_hostile_credentials_in_logs);
  ADD ("hostile/credentials-headless", test_hostile_credentials_headless);
  ADD ("lifecycle/cancel-each-stage", test_lifecycle_cancel_each_stage);
  ADD ("lifecycle/cancel-when-named", test_lifecycle_cancel_when_named);
  ADD ("lifecycle/cancel-when-running", test_lifecycle_cancel_when_running);
  ADD ("lifecycle/cancel-when-renamed", test_lifecycle_cancel_when_renamed);
  ADD ("lifecycle/retry-from-finished-then-cancel", test_lifecycle_retry_from_finished_then_cancel);
  ADD ("lifecycle/cancel-then-retry", test_lifecycle_cancel_then_retry);
  ADD ("lifecycle/cancel-all-mixed", test_lifecycle_cancel_all_mixed);
  ADD ("lifecycle/soak", test_lifecycle_soak);
#undef ADD

  g_test_add_func ("/faults/hostile/redact-encoded-colon", test_hostile_redact_encoded_colon);
  g_test_add_func ("/faults/fuzz/html-empty-page", test_fuzz_html_empty_page);
  g_test_add_func ("/faults/fuzz/filename-drive-after-dots", test_fuzz_filename_drive_after_dots);
  g_test_add_func ("/faults/fuzz/html-end-tag-split", test_fuzz_html_end_tag_split);
  g_test_add_func ("/faults/fuzz/filename-cut-before-space", test_fuzz_filename_cut_before_space);
  g_test_add_func ("/faults/fuzz/url-list-zone-id", test_fuzz_url_list_zone_id);

  return g_test_run ();
}
