/* test-scheduler.c: the semaphore, states, cancel and retry, over loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "sluice-scheduler-private.h"
#include "sluice-session.h"
#include "test-utils.h"

typedef struct {
  TestServer      *server;
  SluiceScheduler *scheduler;
  char            *dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = test_server_new ();
  f->dir = test_make_temp_dir ();
  f->scheduler = test_scheduler_new (f->dir, 10);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_false (sluice_scheduler_get_busy (f->scheduler));
  /* Nothing else may hold the scheduler: a leaked ref shows here. */
  g_assert_finalize_object (f->scheduler);
  test_server_free (f->server);
  test_remove_tree (f->dir);
  g_free (f->dir);
}

static SluiceTask *
add (Fixture        *f,
     const char     *path,
     SluiceTaskKind  kind)
{
  return test_add_task (f->scheduler, f->server, path, kind);
}

static SluiceTask *
add_for_host (Fixture    *f,
              const char *host,
              const char *path)
{
  g_autofree char *url = test_server_url_for_host (f->server, host, path);

  return test_add_url (f->scheduler, url, SLUICE_TASK_KIND_DOWNLOAD);
}

static void
run_until_idle (Fixture *f,
                guint    timeout_ms)
{
  test_run_until_scheduler_idle (f->scheduler, timeout_ms);
}

/* The semaphore: the server's peak equals the limit, overall and per host. */
static void
test_semaphore_exact (Fixture       *f,
                      gconstpointer  data)
{
  const char *hosts[] = { "127.0.0.1", "127.0.0.2", "127.0.0.3" };

  sluice_scheduler_set_max_concurrent (f->scheduler, 8);
  sluice_scheduler_set_max_per_host (f->scheduler, 3);

  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *path = g_strdup_printf ("/slow/2000?rate=40000&n=%u", i);
      add_for_host (f, hosts[i % 3], path);
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->scheduler)), ==, 200);
  run_until_idle (f, 60000);

  g_assert_cmpuint (sluice_scheduler_get_n_done (f->scheduler), ==, 200);
  g_assert_cmpuint (test_server_get_request_count (f->server, "/slow"), ==, 200);
  g_assert_cmpuint (test_server_get_peak_in_flight (f->server, NULL), ==, 8);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (test_server_get_peak_in_flight_for_host (f->server, hosts[i]), ==, 3);
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 200);
  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 0);
}

static void
test_limit_changes_live (Fixture       *f,
                         gconstpointer  data)
{
  sluice_scheduler_set_max_concurrent (f->scheduler, 2);
  sluice_scheduler_set_max_per_host (f->scheduler, 64);

  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *path = g_strdup_printf ("/slow/3000?rate=20000&n=%u", i);
      add (f, path, SLUICE_TASK_KIND_DOWNLOAD);
    }

  TEST_RUN_UNTIL (test_server_get_in_flight (f->server, NULL) == 2, 5000);
  g_assert_cmpuint (test_server_get_peak_in_flight (f->server, NULL), ==, 2);

  /* Raising starts queued tasks at once. */
  sluice_scheduler_set_max_concurrent (f->scheduler, 6);
  g_assert_cmpuint (sluice_scheduler_get_n_running (f->scheduler), ==, 6);
  TEST_RUN_UNTIL (test_server_get_in_flight (f->server, NULL) == 6, 5000);

  /* Lowering lets the running ones finish and starts nothing new. */
  sluice_scheduler_set_max_concurrent (f->scheduler, 1);
  g_assert_cmpuint (sluice_scheduler_get_n_running (f->scheduler), ==, 6);
  TEST_RUN_UNTIL (sluice_scheduler_get_n_running (f->scheduler) <= 1, 10000);
  TEST_RUN_UNTIL (test_server_get_in_flight (f->server, NULL) <= 1, 5000);
  test_server_reset_counters (f->server);

  run_until_idle (f, 60000);
  g_assert_cmpuint (sluice_scheduler_get_n_done (f->scheduler), ==, 40);
  g_assert_cmpuint (test_server_get_peak_in_flight (f->server, NULL), ==, 1);
}

/* FIFO per host, and a host at its cap does not hold back the others. */
static void
test_fifo_and_capped_host (Fixture       *f,
                           gconstpointer  data)
{
  SluiceTask *a[5];
  SluiceTask *b;
  GPtrArray *requests;
  guint seen = 0;

  sluice_scheduler_set_max_concurrent (f->scheduler, 4);
  sluice_scheduler_set_max_per_host (f->scheduler, 1);

  for (guint i = 0; i < G_N_ELEMENTS (a); i++)
    {
      g_autofree char *path = g_strdup_printf ("/slow/2000?rate=20000&order=%u", i);
      a[i] = add_for_host (f, "127.0.0.1", path);
    }
  b = add_for_host (f, "127.0.0.2", "/bytes/10?order=b");

  /* b starts at once although four tasks for 127.0.0.1 were added before it. */
  g_assert_cmpint (sluice_task_get_state (b), ==, SLUICE_TASK_STATE_CONNECTING);
  g_assert_cmpint (sluice_task_get_state (a[1]), ==, SLUICE_TASK_STATE_QUEUED);
  g_assert_true (sluice_task_get_held_by_host (a[1]));
  TEST_RUN_UNTIL (sluice_task_get_state (b) == SLUICE_TASK_STATE_DONE, 5000);
  g_assert_cmpint (sluice_task_get_state (a[2]), ==, SLUICE_TASK_STATE_QUEUED);

  run_until_idle (f, 30000);

  /* The server saw 127.0.0.1's tasks in the order they were added. */
  requests = test_server_get_requests (f->server);
  for (guint i = 0; i < requests->len; i++)
    {
      TestRequest *r = g_ptr_array_index (requests, i);
      g_autofree char *expected = g_strdup_printf ("rate=20000&order=%u", seen);

      if (g_strcmp0 (r->host, "127.0.0.1") != 0)
        continue;
      g_assert_cmpstr (r->query, ==, expected);
      seen++;
    }
  g_assert_cmpuint (seen, ==, 5);
}

/* Tasks of two hosts that both redirect to a third are held to the cap of
 * their own hosts, not queued again inside libsoup by the third's: each
 * starts at once (a hidden queue would leave the second "connecting", and
 * after ten timeouts failing as a server that "took too long"). */
static void
test_redirected_to_one_host (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *target = test_server_url (f->server, "/slow/400000?rate=40000");
  g_autofree char *escaped = g_uri_escape_string (target, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/redirect/0?to=%s", escaped);
  SluiceTask *from_b, *from_c;

  sluice_scheduler_set_max_per_host (f->scheduler, 1);
  from_b = add_for_host (f, "127.0.0.2", path);
  from_c = add_for_host (f, "127.0.0.3", path);

  TEST_RUN_UNTIL (sluice_task_get_state (from_b) == SLUICE_TASK_STATE_RUNNING &&
                  sluice_task_get_state (from_c) == SLUICE_TASK_STATE_RUNNING, 5000);
  g_assert_cmpuint (test_server_get_peak_in_flight_for_host (f->server, "127.0.0.1"), ==, 2);
  sluice_scheduler_cancel_all (f->scheduler);
  run_until_idle (f, 5000);
}

/* "Waiting for HOST" is said only while that host's cap is the reason: a
 * raised cap takes it back, though every slot is still busy. */
static void
test_held_by_host_follows_cap (Fixture       *f,
                               gconstpointer  data)
{
  SluiceTask *a2, *b1;

  sluice_scheduler_set_max_concurrent (f->scheduler, 3);
  sluice_scheduler_set_max_per_host (f->scheduler, 1);
  add_for_host (f, "127.0.0.1", "/slow/400000?rate=40000&a1");
  a2 = add_for_host (f, "127.0.0.1", "/slow/400000?rate=40000&a2");
  b1 = add_for_host (f, "127.0.0.2", "/slow/400000?rate=40000&b1");
  /* A slot is free: the host's cap is why a2 waits. */
  g_assert_true (sluice_task_get_held_by_host (a2));

  /* Every slot busy: the overall limit is why it waits. */
  add_for_host (f, "127.0.0.3", "/slow/400000?rate=40000&c1");
  g_assert_false (sluice_task_get_held_by_host (a2));
  /* (b1's slot is free once its attempt has let go.) */
  sluice_task_cancel (b1);
  TEST_RUN_UNTIL (sluice_task_get_held_by_host (a2), 5000);

  /* With every slot busy again, a raised cap takes it back too. */
  sluice_scheduler_set_max_concurrent (f->scheduler, 2);
  sluice_scheduler_set_max_per_host (f->scheduler, 4);
  g_assert_cmpint (sluice_task_get_state (a2), ==, SLUICE_TASK_STATE_QUEUED);
  g_assert_false (sluice_task_get_held_by_host (a2));
  sluice_scheduler_cancel_all (f->scheduler);
  run_until_idle (f, 5000);
}

static void
assert_cancelled_clean (Fixture    *f,
                        SluiceTask *task)
{
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_CANCELLED);
  g_assert_cmpint (sluice_task_get_error_kind (task), ==, SLUICE_ERROR_CANCELLED);
  g_assert_cmpstr (sluice_task_get_error_message (task), ==, "Cancelled");
  g_assert_null (sluice_task_get_path (task));
  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 0);
}

static void
test_cancel_each_state (Fixture       *f,
                        gconstpointer  data)
{
  SluiceTask *connecting, *running, *queued, *waiting;
  GParamSpec *pspec;

  sluice_scheduler_set_max_concurrent (f->scheduler, 3);
  sluice_scheduler_set_retry_delay (f->scheduler, 30);

  connecting = add (f, "/hang", SLUICE_TASK_KIND_DOWNLOAD);
  running = add (f, "/slow/100000?rate=10000", SLUICE_TASK_KIND_DOWNLOAD);
  waiting = add (f, "/status/503", SLUICE_TASK_KIND_DOWNLOAD);
  queued = add (f, "/bytes/10", SLUICE_TASK_KIND_DOWNLOAD);

  g_assert_cmpint (sluice_task_get_state (queued), ==, SLUICE_TASK_STATE_QUEUED);
  sluice_task_cancel (queued);
  assert_cancelled_clean (f, queued);

  TEST_RUN_UNTIL (sluice_task_get_state (waiting) == SLUICE_TASK_STATE_WAITING_RETRY, 5000);
  g_assert_cmpint (sluice_task_get_retry_at (waiting), >, g_get_monotonic_time ());
  g_assert_cmpint (sluice_task_get_error_kind (waiting), ==, SLUICE_ERROR_HTTP_SERVER);
  sluice_task_cancel (waiting);
  assert_cancelled_clean (f, waiting);
  g_assert_cmpint (sluice_task_get_retry_at (waiting), ==, 0);

  TEST_RUN_UNTIL (sluice_task_get_state (running) == SLUICE_TASK_STATE_RUNNING &&
                  sluice_task_get_bytes_received (running) > 0, 5000);
  g_assert_nonnull (sluice_task_get_path (running));
  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 1);
  sluice_task_cancel (running);
  assert_cancelled_clean (f, running);

  TEST_RUN_UNTIL (test_server_get_in_flight (f->server, "/hang") == 1, 5000);
  g_assert_cmpint (sluice_task_get_state (connecting), ==, SLUICE_TASK_STATE_CONNECTING);
  sluice_task_cancel (connecting);
  assert_cancelled_clean (f, connecting);

  run_until_idle (f, 5000);
  /* (A paused /hang never notices the client left, so only /slow counts.) */
  TEST_RUN_UNTIL (test_server_get_in_flight (f->server, "/slow") == 0, 5000);
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 0);

  /* Cancelling a finished task does nothing. */
  sluice_task_cancel (queued);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (queued), "state");
  g_assert_nonnull (pspec);
  g_assert_cmpuint (sluice_scheduler_get_n_cancelled (f->scheduler), ==, 4);
}

static void
test_retry_after_then_done (Fixture       *f,
                            gconstpointer  data)
{
  SluiceTask *task = add (f, "/retry-after/1?key=ra", SLUICE_TASK_KIND_DOWNLOAD);
  gint64 before = g_get_monotonic_time ();

  TEST_RUN_UNTIL (sluice_task_get_state (task) == SLUICE_TASK_STATE_WAITING_RETRY, 5000);
  /* Retry-After: 1 wins over the 10 ms backoff. */
  g_assert_cmpint (sluice_task_get_retry_at (task) - before, >=, 900 * 1000);
  g_assert_cmpint (sluice_task_get_error_kind (task), ==, SLUICE_ERROR_HTTP_SERVER);

  run_until_idle (f, 10000);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, 2);
  g_assert_cmpint (sluice_task_get_error_kind (task), ==, SLUICE_ERROR_NONE);
  g_assert_cmpint (g_get_monotonic_time () - before, >=, 900 * 1000);
}

static void
test_not_found_not_retried (Fixture       *f,
                            gconstpointer  data)
{
  SluiceTask *task = add (f, "/status/404", SLUICE_TASK_KIND_DOWNLOAD);

  run_until_idle (f, 5000);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (sluice_task_get_error_kind (task), ==, SLUICE_ERROR_HTTP_CLIENT);
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, 1);
  g_assert_cmpuint (sluice_task_get_http_status (task), ==, 404);
  g_assert_nonnull (strstr (sluice_task_get_error_message (task), "404"));
  g_assert_cmpuint (test_server_get_request_count (f->server, "/status"), ==, 1);
}

static void
test_server_errors_retried_then_fail (Fixture       *f,
                                      gconstpointer  data)
{
  SluiceTask *task;

  sluice_scheduler_set_max_retries (f->scheduler, 2);
  task = add (f, "/status/500", SLUICE_TASK_KIND_DOWNLOAD);
  run_until_idle (f, 10000);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (sluice_task_get_error_kind (task), ==, SLUICE_ERROR_HTTP_SERVER);
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, 3);
  g_assert_cmpuint (test_server_get_request_count (f->server, "/status"), ==, 3);

  /* A failed task can be retried by hand. */
  g_assert_true (sluice_task_retry (task));
  g_assert_cmpint (sluice_task_get_state (task), !=, SLUICE_TASK_STATE_FAILED);
  run_until_idle (f, 10000);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpuint (test_server_get_request_count (f->server, "/status"), ==, 6);
  g_assert_false (sluice_task_retry (add (f, "/bytes/1", SLUICE_TASK_KIND_DOWNLOAD)));
  run_until_idle (f, 5000);
}

static void
test_rate_limited (Fixture       *f,
                   gconstpointer  data)
{
  SluiceTask *task;

  sluice_scheduler_set_max_retries (f->scheduler, 0);
  task = add (f, "/status/429", SLUICE_TASK_KIND_DOWNLOAD);
  run_until_idle (f, 5000);
  g_assert_cmpint (sluice_task_get_error_kind (task), ==, SLUICE_ERROR_RATE_LIMITED);
}

static void
test_redirect_to_file_refused (Fixture       *f,
                               gconstpointer  data)
{
  SluiceTask *task = add (f, "/redirect/2?to=file:///etc/passwd", SLUICE_TASK_KIND_DOWNLOAD);

  run_until_idle (f, 5000);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (sluice_task_get_error_kind (task), ==, SLUICE_ERROR_INVALID);
  g_assert_nonnull (strstr (sluice_task_get_error_message (task), "file:"));
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 0);
}

static void
test_redirects_followed (Fixture       *f,
                         gconstpointer  data)
{
  SluiceTask *ok = add (f, "/redirect/3?to=/bytes/64", SLUICE_TASK_KIND_DOWNLOAD);
  SluiceTask *loop = add (f, "/redirect/25", SLUICE_TASK_KIND_DOWNLOAD);
  g_autofree char *final = test_server_url (f->server, "/bytes/64");

  run_until_idle (f, 10000);
  g_assert_cmpint (sluice_task_get_state (ok), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpstr (sluice_task_get_final_uri (ok), ==, final);
  g_assert_cmpint (sluice_task_get_state (loop), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (sluice_task_get_error_kind (loop), ==, SLUICE_ERROR_INVALID);
}

static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  SluiceTask *task;
  gint64 before = g_get_monotonic_time ();

  sluice_scheduler_set_timeout (f->scheduler, 1);
  sluice_scheduler_set_max_retries (f->scheduler, 0);
  task = add (f, "/hang", SLUICE_TASK_KIND_DOWNLOAD);
  run_until_idle (f, 10000);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (sluice_task_get_error_kind (task), ==, SLUICE_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - before, >=, G_USEC_PER_SEC);
}

static void
test_connection_refused (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  SluiceTask *task;

  /* A port that was free a moment ago and has no listener. */
  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/x",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);

  sluice_scheduler_set_max_retries (f->scheduler, 1);
  task = sluice_scheduler_add (f->scheduler, url, SLUICE_TASK_KIND_DOWNLOAD);
  run_until_idle (f, 10000);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (sluice_task_get_error_kind (task), ==, SLUICE_ERROR_CONNECT);
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, 2);
}

static void
test_cancel_all_many (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < 10000; i++)
    g_ptr_array_add (urls, test_server_url (f->server, "/slow/100000?rate=1000"));
  g_ptr_array_add (urls, NULL);
  g_assert_cmpuint (sluice_scheduler_add_many (f->scheduler, (const char * const *) urls->pdata,
                                               SLUICE_TASK_KIND_DOWNLOAD), ==, 10000);
  TEST_RUN_UNTIL (test_server_get_in_flight (f->server, NULL) == 6, 5000);

  sluice_scheduler_cancel_all (f->scheduler);
  g_assert_cmpuint (sluice_scheduler_get_n_cancelled (f->scheduler), ==, 10000);
  run_until_idle (f, 10000);
  g_assert_cmpuint (test_server_get_request_count (f->server, NULL), ==, 6);
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 0);

  g_assert_cmpuint (sluice_scheduler_remove_finished (f->scheduler), ==, 10000);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->scheduler)), ==, 0);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *count)
{
  (*count)++;
}

static void
test_list_model (Fixture       *f,
                 gconstpointer  data)
{
  const char *paths[] = { "/bytes/1", "/bytes/2", "/bytes/3", NULL };
  g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
  guint changes = 0;
  g_autoptr(SluiceTask) first = NULL;

  for (guint i = 0; paths[i] != NULL; i++)
    g_ptr_array_add (urls, test_server_url (f->server, paths[i]));
  g_ptr_array_add (urls, g_strdup ("ftp://example.com/not-http"));
  g_ptr_array_add (urls, NULL);

  g_signal_connect (f->scheduler, "items-changed", G_CALLBACK (on_items_changed), &changes);
  g_assert_cmpuint (sluice_scheduler_add_many (f->scheduler, (const char * const *) urls->pdata,
                                               SLUICE_TASK_KIND_DOWNLOAD), ==, 3);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->scheduler)), ==, 3);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (f->scheduler)) == SLUICE_TYPE_TASK);
  first = g_list_model_get_item (G_LIST_MODEL (f->scheduler), 0);
  g_assert_cmpstr (sluice_task_get_uri (first), ==, g_ptr_array_index (urls, 0));

  /* Progress and state changes never emit items-changed. */
  run_until_idle (f, 5000);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpuint (sluice_scheduler_remove_finished (f->scheduler), ==, 3);
  g_assert_cmpuint (changes, ==, 2);
  g_signal_handlers_disconnect_by_data (f->scheduler, &changes);
}

static void
on_notify_count (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

/* However fast bytes arrive, bytes-received notifies about ten times a second. */
static void
test_progress_coalesced (Fixture       *f,
                         gconstpointer  data)
{
  SluiceTask *task;
  guint notifies = 0;
  gint64 started, elapsed_us;

  task = add (f, "/slow/400000?rate=400000", SLUICE_TASK_KIND_DOWNLOAD);
  g_signal_connect (task, "notify::bytes-received", G_CALLBACK (on_notify_count), &notifies);
  TEST_RUN_UNTIL (sluice_task_get_state (task) == SLUICE_TASK_STATE_RUNNING, 5000);
  started = g_get_monotonic_time ();
  run_until_idle (f, 10000);
  elapsed_us = g_get_monotonic_time () - started;

  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpint (sluice_task_get_bytes_received (task), ==, 400000);
  g_assert_cmpint (sluice_task_get_bytes_total (task), ==, 400000);
  g_assert_cmpfloat (sluice_task_get_fraction (task), ==, 1.0);
  /* The server writes every 50 ms (20 chunks a second); we must notify
   * fewer times than that, but at least a few times along the way. */
  g_test_message ("%u notifications in %.2f s", notifies, elapsed_us / 1e6);
  g_assert_cmpuint (notifies, >=, 3);
  g_assert_cmpuint (notifies, <=, (guint) (elapsed_us / 100000) + 3);
  g_signal_handlers_disconnect_by_data (task, &notifies);
}

static void
test_requests_per_second (Fixture       *f,
                          gconstpointer  data)
{
  gint64 started = g_get_monotonic_time ();
  double seconds;

  sluice_scheduler_set_requests_per_second (f->scheduler, 10);
  for (guint i = 0; i < 15; i++)
    add (f, "/bytes/10", SLUICE_TASK_KIND_SCRAPE);
  run_until_idle (f, 10000);
  seconds = (g_get_monotonic_time () - started) / 1e6;
  g_test_message ("15 requests at 10/s took %.2f s", seconds);
  /* One token to start with, then one every 100 ms: ≥ 1.4 s for 15. */
  g_assert_cmpfloat (seconds, >=, 1.3);
  g_assert_cmpuint (sluice_scheduler_get_n_done (f->scheduler), ==, 15);
}

static void
on_shutdown (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (sluice_scheduler_shutdown_finish (SLUICE_SCHEDULER (source), result, NULL));
  *done = TRUE;
}

static void
test_shutdown_keeps_parts (Fixture       *f,
                           gconstpointer  data)
{
  SluiceTask *running = add (f, "/slow/100000?rate=20000", SLUICE_TASK_KIND_DOWNLOAD);
  gboolean done = FALSE;

  add (f, "/bytes/10", SLUICE_TASK_KIND_DOWNLOAD);
  TEST_RUN_UNTIL (sluice_task_get_bytes_received (running) > 0, 5000);
  sluice_scheduler_shutdown_async (f->scheduler, NULL, on_shutdown, &done);
  TEST_RUN_UNTIL (done, 5000);
  g_assert_cmpint (sluice_task_get_state (running), ==, SLUICE_TASK_STATE_CANCELLED);
  /* The running download's partial file stays for a later resume. */
  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 1);
}

static void
on_busy_notify (SluiceScheduler *scheduler,
                GParamSpec      *pspec,
                guint           *count)
{
  (*count)++;
}

/* Holding keeps the batch open across tasks that all finish, and only
 * the last release ends it. */
static void
test_hold_keeps_busy (Fixture       *f,
                      gconstpointer  data)
{
  guint notifies = 0;
  SluiceTask *task;

  g_signal_connect (f->scheduler, "notify::busy", G_CALLBACK (on_busy_notify), &notifies);
  sluice_scheduler_hold (f->scheduler);
  g_assert_true (sluice_scheduler_get_busy (f->scheduler));
  sluice_scheduler_hold (f->scheduler);
  task = add (f, "/bytes/100", SLUICE_TASK_KIND_DOWNLOAD);
  TEST_RUN_UNTIL (sluice_task_get_state (task) == SLUICE_TASK_STATE_DONE, 5000);
  g_assert_true (sluice_scheduler_get_busy (f->scheduler));

  sluice_scheduler_release (f->scheduler);
  g_assert_true (sluice_scheduler_get_busy (f->scheduler));
  sluice_scheduler_release (f->scheduler);
  g_assert_false (sluice_scheduler_get_busy (f->scheduler));
  /* Once busy, once idle: the batch's end is announced once. */
  g_assert_cmpuint (notifies, ==, 2);
  g_signal_handlers_disconnect_by_data (f->scheduler, &notifies);
}

static double
sum_running_speed (SluiceScheduler *scheduler)
{
  double speed = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (scheduler)); i++)
    {
      g_autoptr(SluiceTask) task = g_list_model_get_item (G_LIST_MODEL (scheduler), i);

      if (sluice_task_get_state (task) == SLUICE_TASK_STATE_RUNNING)
        speed += sluice_task_get_speed (task);
    }
  return speed;
}

/* The batch's totals, kept as tasks change instead of summed by a view
 * over the whole list: bytes through progress, a cancel, a retry (back to
 * zero) and removal; speed over the running tasks only. */
static void
test_batch_totals (Fixture       *f,
                   gconstpointer  data)
{
  GListModel *tasks = G_LIST_MODEL (f->scheduler);
  SluiceTask *slow = add (f, "/slow/200000?rate=100000", SLUICE_TASK_KIND_DOWNLOAD);

  add (f, "/bytes/1000", SLUICE_TASK_KIND_DOWNLOAD);
  add (f, "/bytes/5000", SLUICE_TASK_KIND_DOWNLOAD);
  g_assert_cmpuint (sluice_scheduler_get_bytes_received (f->scheduler), ==, 0);

  TEST_RUN_UNTIL (sluice_task_get_speed (slow) > 0, 5000);
  g_assert_cmpfloat (sluice_scheduler_get_speed (f->scheduler), ==, sum_running_speed (f->scheduler));
  g_assert_cmpfloat (sluice_scheduler_get_speed (f->scheduler), >, 0);
  g_assert_cmpuint (sluice_scheduler_get_bytes_received (f->scheduler), ==, test_sum_bytes_received (tasks));

  sluice_task_cancel (slow);
  run_until_idle (f, 5000);
  g_assert_cmpint (sluice_task_get_bytes_received (slow), >, 0);
  g_assert_cmpuint (sluice_scheduler_get_bytes_received (f->scheduler), ==, test_sum_bytes_received (tasks));
  g_assert_cmpuint (sluice_scheduler_get_bytes_received (f->scheduler), >, 6000);
  g_assert_cmpfloat (sluice_scheduler_get_speed (f->scheduler), ==, 0);

  sluice_task_retry (slow);
  g_assert_cmpuint (sluice_scheduler_get_bytes_received (f->scheduler), ==, 6000);
  run_until_idle (f, 10000);
  g_assert_cmpint (sluice_task_get_state (slow), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpuint (sluice_scheduler_get_bytes_received (f->scheduler), ==, 206000);
  g_assert_cmpfloat (sluice_scheduler_get_speed (f->scheduler), ==, 0);

  g_assert_cmpuint (sluice_scheduler_remove_finished (f->scheduler), ==, 3);
  g_assert_cmpuint (sluice_scheduler_get_bytes_received (f->scheduler), ==, 0);
}

/* Threaded: the window's scheduler, its tasks mirrored from an engine's
 * thread */

static SluiceScheduler *
new_threaded (Fixture *f)
{
  SluiceScheduler *front = sluice_scheduler_new_threaded ();

  g_object_set (front, "download-directory", f->dir, "retry-delay", 0.01, "timeout", 10, NULL);
  return front;
}

static void
on_finished_count (SluiceScheduler *scheduler,
                   SluiceTask      *task,
                   guint           *count)
{
  g_assert_true (sluice_task_is_finished (task));
  (*count)++;
}

/* A batch runs on the engine's thread; the tasks here show its results. */
static void
test_threaded_batch (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SluiceScheduler) front = new_threaded (f);
  g_autofree char *url = test_server_url (f->server, "/html/scrape-normal.html");
  SluiceTask *scrape, *missing;
  SluiceTask *downloads[10];
  guint finished = 0;

  g_signal_connect (front, "task-finished", G_CALLBACK (on_finished_count), &finished);
  for (guint i = 0; i < G_N_ELEMENTS (downloads); i++)
    {
      g_autofree char *path = g_strdup_printf ("/bytes/%u", 1000 * (i + 1));

      downloads[i] = test_add_task (front, f->server, path, SLUICE_TASK_KIND_DOWNLOAD);
    }
  missing = test_add_task (front, f->server, "/status/404", SLUICE_TASK_KIND_DOWNLOAD);
  scrape = test_add_url (front, url, SLUICE_TASK_KIND_SCRAPE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (front)), ==, 12);
  g_assert_cmpint (sluice_task_get_state (downloads[0]), ==, SLUICE_TASK_STATE_QUEUED);
  g_assert_true (sluice_scheduler_get_busy (front));

  test_run_until_scheduler_idle (front, 10000);
  for (guint i = 0; i < G_N_ELEMENTS (downloads); i++)
    {
      g_assert_cmpint (sluice_task_get_state (downloads[i]), ==, SLUICE_TASK_STATE_DONE);
      g_assert_cmpint (sluice_task_get_bytes_received (downloads[i]), ==, 1000 * (i + 1));
      g_assert_nonnull (sluice_task_get_sha256 (downloads[i]));
      g_assert_true (g_file_test (sluice_task_get_path (downloads[i]), G_FILE_TEST_IS_REGULAR));
      g_assert_cmpuint (sluice_task_get_http_status (downloads[i]), ==, 200);
      g_assert_cmpfloat (sluice_task_get_elapsed (downloads[i]), >, 0);
    }
  g_assert_cmpint (sluice_task_get_state (missing), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (sluice_task_get_error_kind (missing), ==, SLUICE_ERROR_HTTP_CLIENT);
  g_assert_nonnull (sluice_task_get_error_message (missing));
  g_assert_cmpint (sluice_task_get_state (scrape), ==, SLUICE_TASK_STATE_DONE);
  g_assert_nonnull (sluice_task_get_title (scrape));
  g_assert_cmpuint (sluice_scheduler_get_n_done (front), ==, 11);
  g_assert_cmpuint (sluice_scheduler_get_n_failed (front), ==, 1);
  g_assert_cmpuint (finished, ==, 12);
  g_assert_cmpuint (sluice_scheduler_get_bytes_received (front), ==, test_sum_bytes_received (G_LIST_MODEL (front)));
  g_assert_cmpuint (sluice_scheduler_get_bytes_received (front), >=, 55000);
  g_signal_handlers_disconnect_by_data (front, &finished);
  g_assert_finalize_object (g_steal_pointer (&front));
}

/* Cancel shows at once and the engine's word agrees; a retry runs again;
 * removed tasks go from both sides. */
static void
test_threaded_cancel_retry_remove (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(SluiceScheduler) front = new_threaded (f);
  SluiceTask *slow = test_add_task (front, f->server, "/slow/400000?rate=100000", SLUICE_TASK_KIND_DOWNLOAD);
  SluiceTask *quick = test_add_task (front, f->server, "/bytes/100", SLUICE_TASK_KIND_DOWNLOAD);

  TEST_RUN_UNTIL (sluice_task_get_bytes_received (slow) > 0, 5000);
  sluice_task_cancel (slow);
  g_assert_cmpint (sluice_task_get_state (slow), ==, SLUICE_TASK_STATE_CANCELLED);
  g_assert_cmpint (sluice_task_get_error_kind (slow), ==, SLUICE_ERROR_CANCELLED);
  /* Whatever the engine said before it heard of the cancel is old news. */
  _sluice_scheduler_sync (front);
  g_assert_cmpint (sluice_task_get_state (slow), ==, SLUICE_TASK_STATE_CANCELLED);
  TEST_RUN_UNTIL (sluice_task_get_state (quick) == SLUICE_TASK_STATE_DONE, 5000);
  TEST_RUN_UNTIL (test_count_files (f->dir, ".part") == 0, 5000);

  g_assert_true (sluice_task_retry (slow));
  g_assert_cmpint (sluice_task_get_state (slow), ==, SLUICE_TASK_STATE_QUEUED);
  g_assert_cmpint (sluice_task_get_bytes_received (slow), ==, 0);
  test_run_until_scheduler_idle (front, 10000);
  g_assert_cmpint (sluice_task_get_state (slow), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpint (sluice_task_get_bytes_received (slow), ==, 400000);

  g_assert_cmpuint (sluice_scheduler_remove_finished (front), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (front)), ==, 0);
  /* The engine let them go too: a new task is alone in its batch. */
  quick = test_add_task (front, f->server, "/bytes/200", SLUICE_TASK_KIND_DOWNLOAD);
  test_run_until_scheduler_idle (front, 5000);
  g_assert_cmpint (sluice_task_get_state (quick), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (front)), ==, 1);
  g_assert_cmpuint (sluice_scheduler_get_n_done (front), ==, 1);
  g_assert_finalize_object (g_steal_pointer (&front));
}

/* Settings changed here reach the engine: the server sees its limit. */
static void
test_threaded_settings (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(SluiceScheduler) front = new_threaded (f);

  sluice_scheduler_set_max_concurrent (front, 2);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *path = g_strdup_printf ("/slow/20000?rate=100000&n=%u", i);

      test_add_task (front, f->server, path, SLUICE_TASK_KIND_DOWNLOAD);
    }
  test_run_until_scheduler_idle (front, 10000);
  g_assert_cmpuint (test_server_get_peak_in_flight (f->server, "/slow"), ==, 2);
  g_assert_cmpuint (sluice_scheduler_get_n_done (front), ==, 6);
  g_assert_finalize_object (g_steal_pointer (&front));
}

/* Quitting stops the engine's transfers and keeps their partial files. */
static void
test_threaded_shutdown (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(SluiceScheduler) front = new_threaded (f);
  SluiceTask *running = test_add_task (front, f->server, "/slow/100000?rate=20000", SLUICE_TASK_KIND_DOWNLOAD);
  gboolean done = FALSE;

  TEST_RUN_UNTIL (sluice_task_get_bytes_received (running) > 0, 5000);
  sluice_scheduler_shutdown_async (front, NULL, on_shutdown, &done);
  g_assert_cmpint (sluice_task_get_state (running), ==, SLUICE_TASK_STATE_CANCELLED);
  TEST_RUN_UNTIL (done, 5000);
  g_assert_cmpint (sluice_task_get_state (running), ==, SLUICE_TASK_STATE_CANCELLED);
  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 1);
  g_assert_finalize_object (g_steal_pointer (&front));
}

/* The engine's word that a task had failed, arriving after the front
 * cancelled it: counted once as finished, in the right count. */
static void
test_threaded_finish_corrected (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(SluiceScheduler) front = new_threaded (f);
  g_autoptr(GUri) guri = g_uri_parse ("http://127.0.0.1:1/x", G_URI_FLAGS_ENCODED, NULL);
  g_autoptr(SluiceTask) engines = _sluice_task_new (NULL, guri, SLUICE_TASK_KIND_DOWNLOAD, 0);
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func ((GDestroyNotify) _sluice_task_snapshot_free);
  SluiceTask *task;
  guint finished = 0;

  /* Nothing to run it: the engine never sees this one. */
  sluice_scheduler_set_max_concurrent (front, 1);
  test_add_task (front, f->server, "/hang", SLUICE_TASK_KIND_DOWNLOAD);
  task = test_add_task (front, f->server, "/bytes/10", SLUICE_TASK_KIND_DOWNLOAD);
  g_signal_connect (front, "task-finished", G_CALLBACK (on_finished_count), &finished);
  sluice_task_cancel (task);
  g_assert_cmpuint (finished, ==, 1);
  g_assert_cmpuint (sluice_scheduler_get_n_cancelled (front), ==, 1);

  _sluice_task_restore (engines, SLUICE_TASK_STATE_FAILED, 1, 0, 0, 0, 0, -1);
  _sluice_task_set_mirror_id (engines, _sluice_task_get_mirror_id (task));
  g_ptr_array_add (changed, _sluice_task_snapshot (engines));
  _sluice_scheduler_apply_mirror (front, G_MAXUINT64, G_MAXUINT64, 0, none, changed);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpuint (finished, ==, 1);
  g_assert_cmpuint (sluice_scheduler_get_n_cancelled (front), ==, 0);
  g_assert_cmpuint (sluice_scheduler_get_n_failed (front), ==, 1);

  g_signal_handlers_disconnect_by_data (front, &finished);
  sluice_scheduler_cancel_all (front);
  test_run_until_scheduler_idle (front, 5000);
  g_assert_finalize_object (g_steal_pointer (&front));
}

/* A front is busy while the engine's transfers wind down, as a plain
 * scheduler is: by the time it is not, the cancelled download's partial
 * file is gone. */
static void
test_threaded_busy_winding_down (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(SluiceScheduler) front = new_threaded (f);
  SluiceTask *task = test_add_task (front, f->server, "/slow/400000?rate=100000", SLUICE_TASK_KIND_DOWNLOAD);

  TEST_RUN_UNTIL (sluice_task_get_bytes_received (task) > 0, 5000);
  sluice_task_cancel (task);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_CANCELLED);
  g_assert_true (sluice_scheduler_get_busy (front));
  test_run_until_scheduler_idle (front, 5000);
  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 0);
  g_assert_finalize_object (g_steal_pointer (&front));
}

static void
on_shutdown_drop_front (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (sluice_scheduler_shutdown_finish (SLUICE_SCHEDULER (source), result, NULL));
  /* The caller's reference: the shutdown's task holds the last one. */
  g_object_unref (source);
  *done = TRUE;
}

/* The front's last reference may go in a handler of what the engine
 * delivers (here, the shutdown's callback). */
static void
test_threaded_dropped_while_delivering (Fixture       *f,
                                        gconstpointer  data)
{
  SluiceScheduler *front = new_threaded (f);
  gboolean done = FALSE;

  test_add_task (front, f->server, "/bytes/10", SLUICE_TASK_KIND_DOWNLOAD);
  sluice_scheduler_shutdown_async (front, NULL, on_shutdown_drop_front, &done);
  TEST_RUN_UNTIL (done, 5000);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
on_cancel_all_counted (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  guint *count = user_data;

  *count = sluice_scheduler_cancel_all_finish (SLUICE_SCHEDULER (source), result, NULL);
}

/* Cancel all counts the tasks it stopped, a plain scheduler's and a
 * threaded one's (once its engine has). */
static void
test_cancel_all_counted (Fixture       *f,
                         gconstpointer  data)
{
  SluiceScheduler *schedulers[] = { f->scheduler, new_threaded (f) };

  for (guint i = 0; i < G_N_ELEMENTS (schedulers); i++)
    {
      SluiceScheduler *scheduler = schedulers[i];
      SluiceTask *done;
      guint count = G_MAXUINT;

      sluice_scheduler_set_max_concurrent (scheduler, 1);
      done = test_add_task (scheduler, f->server, "/bytes/10", SLUICE_TASK_KIND_DOWNLOAD);
      test_add_task (scheduler, f->server, "/hang?a", SLUICE_TASK_KIND_DOWNLOAD);
      test_add_task (scheduler, f->server, "/hang?b", SLUICE_TASK_KIND_DOWNLOAD);
      TEST_RUN_UNTIL (sluice_task_get_state (done) == SLUICE_TASK_STATE_DONE &&
                      sluice_scheduler_get_n_running (scheduler) == 1, 5000);
      sluice_scheduler_cancel_all_async (scheduler, NULL, on_cancel_all_counted, &count);
      g_assert_cmpuint (sluice_scheduler_get_n_cancelled (scheduler), ==, 2);
      TEST_RUN_UNTIL (count != G_MAXUINT, 5000);
      g_assert_cmpuint (count, ==, 2);
      test_run_until_scheduler_idle (scheduler, 5000);
    }
  g_assert_finalize_object (schedulers[1]);
}

/* The engine on a thread of its own */

enum { OWN_DONE, OWN_RETRIED, OWN_STALLED, OWN_CANCELLED, OWN_N_TASKS };

typedef struct {
  GMutex           lock;
  GCond            cond;
  GMainLoop       *server_loop;
  TestServer      *server;
  gboolean         server_ready;
  char            *dir;
  char            *session_path;
  gboolean         batch_over;
  /* What the engine's thread saw, checked on the test's thread. */
  SluiceTaskState  states[OWN_N_TASKS];
  SluiceError      errors[OWN_N_TASKS];
  gint64           bytes[OWN_N_TASKS];
  gboolean         session_flushed;
} OwnThread;

static gpointer
serve_on_own_thread (gpointer data)
{
  OwnThread *t = data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  g_mutex_lock (&t->lock);
  t->server_loop = g_main_loop_new (context, FALSE);
  t->server = test_server_new ();
  t->server_ready = TRUE;
  g_cond_signal (&t->cond);
  g_mutex_unlock (&t->lock);

  g_main_loop_run (t->server_loop);
  test_server_free (t->server);
  g_main_context_pop_thread_default (context);
  return NULL;
}

static gpointer
run_batch_on_own_thread (gpointer data)
{
  OwnThread *t = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GFile) file = g_file_new_for_path (t->session_path);
  g_autoptr(GError) error = NULL;
  SluiceScheduler *scheduler;
  SluiceSession *session;
  SluiceTask *tasks[OWN_N_TASKS];

  g_main_context_push_thread_default (context);
  scheduler = test_scheduler_new (t->dir, 1);
  sluice_scheduler_set_max_retries (scheduler, 1);
  sluice_scheduler_set_requests_per_second (scheduler, 20);
  sluice_scheduler_set_max_bytes_per_second (scheduler, 400000);
  session = sluice_session_new (scheduler, file);
  sluice_session_set_autosave (session, TRUE);

  /* Each waits on one of the engine's timers: progress and the speed
   * limit, a retry, the watchdog, a cancel; all behind the request rate. */
  tasks[OWN_DONE] = test_add_task (scheduler, t->server, "/bytes/100000", SLUICE_TASK_KIND_DOWNLOAD);
  tasks[OWN_RETRIED] = test_add_task (scheduler, t->server, "/status/503", SLUICE_TASK_KIND_DOWNLOAD);
  tasks[OWN_STALLED] = test_add_task (scheduler, t->server, "/hang", SLUICE_TASK_KIND_DOWNLOAD);
  tasks[OWN_CANCELLED] = test_add_task (scheduler, t->server, "/slow/1000000?rate=50000",
                                        SLUICE_TASK_KIND_DOWNLOAD);
  while (sluice_task_get_bytes_received (tasks[OWN_CANCELLED]) == 0)
    g_main_context_iteration (context, TRUE);
  sluice_task_cancel (tasks[OWN_CANCELLED]);
  while (sluice_scheduler_get_busy (scheduler))
    g_main_context_iteration (context, TRUE);

  for (guint i = 0; i < OWN_N_TASKS; i++)
    {
      t->states[i] = sluice_task_get_state (tasks[i]);
      t->errors[i] = sluice_task_get_error_kind (tasks[i]);
      t->bytes[i] = sluice_task_get_bytes_received (tasks[i]);
    }
  t->session_flushed = sluice_session_flush (session, &error);
  g_assert_no_error (error);
  g_object_unref (session);
  g_object_unref (scheduler);
  while (g_main_context_pending (context))
    g_main_context_iteration (context, FALSE);
  g_main_context_pop_thread_default (context);

  g_mutex_lock (&t->lock);
  t->batch_over = TRUE;
  g_cond_signal (&t->cond);
  g_mutex_unlock (&t->lock);
  return NULL;
}

/* A scheduler (and its session) on a thread with its own main context:
 * every timer it needs goes there.  This thread never runs the default
 * context, so one put there would never fire and the batch would hang. */
static void
test_own_thread (void)
{
  OwnThread t = { 0 };
  GThread *server_thread, *engine_thread;
  gint64 deadline;

  g_mutex_init (&t.lock);
  g_cond_init (&t.cond);
  t.dir = test_make_temp_dir ();
  t.session_path = g_build_filename (t.dir, "session.jsonl", NULL);

  server_thread = g_thread_new ("test-server", serve_on_own_thread, &t);
  g_mutex_lock (&t.lock);
  while (!t.server_ready)
    g_cond_wait (&t.cond, &t.lock);
  g_mutex_unlock (&t.lock);

  engine_thread = g_thread_new ("test-engine", run_batch_on_own_thread, &t);
  deadline = g_get_monotonic_time () + (gint64) test_scale_timeout (30000) * 1000;
  g_mutex_lock (&t.lock);
  while (!t.batch_over)
    if (!g_cond_wait_until (&t.cond, &t.lock, deadline))
      g_error ("The batch on its own thread did not end: a timer went to another context?");
  g_mutex_unlock (&t.lock);
  g_thread_join (engine_thread);
  g_main_loop_quit (t.server_loop);
  g_thread_join (server_thread);

  g_assert_cmpint (t.states[OWN_DONE], ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpint (t.bytes[OWN_DONE], ==, 100000);
  g_assert_cmpint (t.states[OWN_RETRIED], ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (t.errors[OWN_RETRIED], ==, SLUICE_ERROR_HTTP_SERVER);
  g_assert_cmpint (t.states[OWN_STALLED], ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (t.errors[OWN_STALLED], ==, SLUICE_ERROR_TIMEOUT);
  g_assert_cmpint (t.states[OWN_CANCELLED], ==, SLUICE_TASK_STATE_CANCELLED);
  g_assert_true (t.session_flushed);
  g_assert_true (g_file_test (t.session_path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (test_count_files (t.dir, ".part"), ==, 0);
  g_assert_false (g_main_context_pending (NULL));

  g_main_loop_unref (t.server_loop);
  test_remove_tree (t.dir);
  g_free (t.dir);
  g_free (t.session_path);
  g_cond_clear (&t.cond);
  g_mutex_clear (&t.lock);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add ("/scheduler/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("semaphore-exact", test_semaphore_exact);
  ADD ("limit-changes-live", test_limit_changes_live);
  ADD ("fifo-and-capped-host", test_fifo_and_capped_host);
  ADD ("cancel-each-state", test_cancel_each_state);
  ADD ("retry-after-then-done", test_retry_after_then_done);
  ADD ("not-found-not-retried", test_not_found_not_retried);
  ADD ("server-errors-retried-then-fail", test_server_errors_retried_then_fail);
  ADD ("rate-limited", test_rate_limited);
  ADD ("redirect-to-file-refused", test_redirect_to_file_refused);
  ADD ("redirects-followed", test_redirects_followed);
  ADD ("redirected-to-one-host", test_redirected_to_one_host);
  ADD ("held-by-host-follows-cap", test_held_by_host_follows_cap);
  ADD ("timeout", test_timeout);
  ADD ("connection-refused", test_connection_refused);
  ADD ("cancel-all-many", test_cancel_all_many);
  ADD ("list-model", test_list_model);
  ADD ("progress-coalesced", test_progress_coalesced);
  ADD ("requests-per-second", test_requests_per_second);
  ADD ("shutdown-keeps-parts", test_shutdown_keeps_parts);
  ADD ("hold-keeps-busy", test_hold_keeps_busy);
  ADD ("batch-totals", test_batch_totals);
  ADD ("threaded-batch", test_threaded_batch);
  ADD ("threaded-cancel-retry-remove", test_threaded_cancel_retry_remove);
  ADD ("threaded-settings", test_threaded_settings);
  ADD ("threaded-shutdown", test_threaded_shutdown);
  ADD ("threaded-finish-corrected", test_threaded_finish_corrected);
  ADD ("threaded-busy-winding-down", test_threaded_busy_winding_down);
  ADD ("threaded-dropped-while-delivering", test_threaded_dropped_while_delivering);
  ADD ("cancel-all-counted", test_cancel_all_counted);
#undef ADD
  g_test_add_func ("/scheduler/own-thread", test_own_thread);

  return g_test_run ();
}
