/* test-download.c: files on disk — names, resume, never overwrite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice-scheduler.h"
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
  g_assert_finalize_object (f->scheduler);
  test_server_free (f->server);
  /* Give the directory back writable so it can be removed. */
  g_chmod (f->dir, 0755);
  test_remove_tree (f->dir);
  g_free (f->dir);
}

static SluiceTask *
add (Fixture    *f,
     const char *path)
{
  return test_add_task (f->scheduler, f->server, path, SLUICE_TASK_KIND_DOWNLOAD);
}

static void
run_until_idle (Fixture *f)
{
  test_run_until_scheduler_idle (f->scheduler, 20000);
}

static char *
in_dir (Fixture    *f,
        const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static void
assert_done_with_pattern (Fixture    *f,
                          SluiceTask *task,
                          const char *name,
                          goffset     size)
{
  g_autofree char *path = in_dir (f, name);
  g_autofree char *sha = test_pattern_sha256 (size);

  g_assert_cmpstr (sluice_error_to_nick (sluice_task_get_error_kind (task)), ==, "none");
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpstr (sluice_task_get_path (task), ==, path);
  g_assert_true (test_file_has_pattern (path, size));
  g_assert_cmpstr (sluice_task_get_sha256 (task), ==, sha);
  g_assert_cmpint (sluice_task_get_bytes_received (task), ==, size);
}

static void
test_content_length (Fixture       *f,
                     gconstpointer  data)
{
  SluiceTask *task = add (f, "/bytes/1000000");

  run_until_idle (f);
  assert_done_with_pattern (f, task, "1000000", 1000000);
  g_assert_cmpint (sluice_task_get_bytes_total (task), ==, 1000000);
  g_assert_cmpuint (sluice_task_get_http_status (task), ==, 200);
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 1);
}

/* Past 1 MiB the hash moves to a worker thread: still the same digest. */
static void
test_large_file_hashed_off_thread (Fixture       *f,
                                   gconstpointer  data)
{
  SluiceTask *task = add (f, "/bytes/12345678");

  run_until_idle (f);
  assert_done_with_pattern (f, task, "12345678", 12345678);
}

static void
test_chunked_unknown_length (Fixture       *f,
                             gconstpointer  data)
{
  SluiceTask *task = add (f, "/chunked/300000");

  TEST_RUN_UNTIL (sluice_task_get_state (task) == SLUICE_TASK_STATE_RUNNING ||
                  sluice_task_is_finished (task), 5000);
  g_assert_cmpint (sluice_task_get_bytes_total (task), ==, -1);
  g_assert_cmpfloat (sluice_task_get_fraction (task), ==, -1);
  run_until_idle (f);
  assert_done_with_pattern (f, task, "300000", 300000);
}

static void
test_empty_body (Fixture       *f,
                 gconstpointer  data)
{
  SluiceTask *task = add (f, "/bytes/0");

  run_until_idle (f);
  assert_done_with_pattern (f, task, "0", 0);
}

static void
test_truncated_body_fails (Fixture       *f,
                           gconstpointer  data)
{
  SluiceTask *task;

  sluice_scheduler_set_max_retries (f->scheduler, 0);
  task = add (f, "/reset/5000?total=10000");
  run_until_idle (f);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (sluice_task_get_error_kind (task), ==, SLUICE_ERROR_NETWORK);
  /* Nothing half-written under any name. */
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 0);
}

static void
test_reset_then_resume (Fixture       *f,
                        gconstpointer  data)
{
  SluiceTask *task = add (f, "/reset/70000?total=200000");
  TestRequest *last;
  GPtrArray *requests;

  run_until_idle (f);
  assert_done_with_pattern (f, task, "70000", 200000);
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, 2);
  g_assert_cmpuint (sluice_task_get_http_status (task), ==, 206);

  requests = test_server_get_requests (f->server);
  g_assert_cmpuint (requests->len, ==, 2);
  g_assert_null (soup_message_headers_get_one (((TestRequest *) requests->pdata[0])->headers, "Range"));
  last = test_server_get_last_request (f->server, "/reset");
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "Range"), ==, "bytes=70000-");
  g_assert_cmpstr (soup_message_headers_get_one (last->headers, "If-Range"), ==, "\"reset-200000\"");
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 1);
}

static void
test_range_answered_with_200 (Fixture       *f,
                              gconstpointer  data)
{
  SluiceTask *task = add (f, "/reset/70000?total=200000&ignore-range=1");

  run_until_idle (f);
  /* The second answer starts over from zero: no doubled bytes. */
  assert_done_with_pattern (f, task, "70000", 200000);
  g_assert_cmpuint (sluice_task_get_http_status (task), ==, 200);
}

static void
test_disposition_names (Fixture       *f,
                        gconstpointer  data)
{
  struct {
    const char *path;
    const char *expected;
  } cases[] = {
    { "/disposition?name=../../escape.txt", "escape.txt" },
    { "/disposition?name=/etc/passwd", "passwd" },
    { "/disposition?name=..%5C..%5Cwin.ini", "win.ini" },
    { "/disposition?name=.hidden", "hidden" },
    { "/disposition?value=attachment%3B%20filename%3D%22plain.txt%22%3B%20filename*%3DUTF-8''%25E2%2582%25AC%2520rates.pdf", "€ rates.pdf" },
  };
  SluiceTask *tasks[G_N_ELEMENTS (cases)];

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    tasks[i] = add (f, cases[i].path);
  run_until_idle (f);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *expected = in_dir (f, cases[i].expected);

      g_assert_cmpint (sluice_task_get_state (tasks[i]), ==, SLUICE_TASK_STATE_DONE);
      g_assert_cmpstr (sluice_task_get_path (tasks[i]), ==, expected);
      g_assert_true (g_file_test (expected, G_FILE_TEST_IS_REGULAR));
    }
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, G_N_ELEMENTS (cases));
}

static void
test_same_name_twice (Fixture       *f,
                      gconstpointer  data)
{
  SluiceTask *a = add (f, "/slow/50000?rate=200000&name=a");
  SluiceTask *b = add (f, "/slow/50000?rate=200000&name=b");
  SluiceTask *c = add (f, "/disposition?name=archive.tar.gz");
  SluiceTask *d = add (f, "/disposition?name=archive.tar.gz&x=1");

  run_until_idle (f);
  g_assert_cmpstr (sluice_task_get_path (a), !=, sluice_task_get_path (b));
  assert_done_with_pattern (f, a, "50000", 50000);
  assert_done_with_pattern (f, b, "50000 (1)", 50000);
  g_assert_true (g_str_has_suffix (sluice_task_get_path (c), "/archive.tar.gz"));
  g_assert_true (g_str_has_suffix (sluice_task_get_path (d), "/archive (1).tar.gz"));
}

static void
test_existing_file_kept (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *existing = in_dir (f, "1234");
  g_autofree char *contents = NULL;
  SluiceTask *task;

  g_assert_true (g_file_set_contents (existing, "mine", -1, NULL));
  task = add (f, "/bytes/1234");
  run_until_idle (f);
  assert_done_with_pattern (f, task, "1234 (1)", 1234);
  g_assert_true (g_file_get_contents (existing, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "mine");
}

static void
test_symlink_not_followed (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *target = in_dir (f, "target");
  g_autofree char *final_link = in_dir (f, "777");
  g_autofree char *part_link = in_dir (f, "778.part");
  g_autofree char *contents = NULL;
  SluiceTask *a, *b;

  g_assert_true (g_file_set_contents (target, "untouched", -1, NULL));
  g_assert_cmpint (symlink (target, final_link), ==, 0);
  g_assert_cmpint (symlink (target, part_link), ==, 0);

  a = add (f, "/bytes/777");
  b = add (f, "/bytes/778");
  run_until_idle (f);
  assert_done_with_pattern (f, a, "777 (1)", 777);
  assert_done_with_pattern (f, b, "778 (1)", 778);
  g_assert_true (g_file_get_contents (target, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "untouched");
}

static void
test_read_only_folder (Fixture       *f,
                       gconstpointer  data)
{
  SluiceTask *task;

  if (geteuid () == 0)
    {
      /* root writes anywhere; point at a path that is not a folder instead. */
      g_autofree char *file = in_dir (f, "not-a-folder");

      g_assert_true (g_file_set_contents (file, "", -1, NULL));
      sluice_scheduler_set_download_directory (f->scheduler, file);
    }
  else
    g_assert_cmpint (g_chmod (f->dir, 0555), ==, 0);

  task = add (f, "/bytes/100");
  run_until_idle (f);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (sluice_task_get_error_kind (task), ==, SLUICE_ERROR_DISK);
  g_assert_nonnull (sluice_task_get_error_message (task));
  g_test_message ("%s", sluice_task_get_error_message (task));
}

static void
test_cancel_running_removes_part (Fixture       *f,
                                  gconstpointer  data)
{
  SluiceTask *task = add (f, "/slow/200000?rate=100000");

  TEST_RUN_UNTIL (sluice_task_get_bytes_received (task) > 0, 5000);
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 1);
  sluice_task_cancel (task);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_CANCELLED);
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 0);
  run_until_idle (f);

  /* Retry after cancel starts over and finishes. */
  g_assert_true (sluice_task_retry (task));
  sluice_scheduler_set_max_concurrent (f->scheduler, 2);
  run_until_idle (f);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);
}

static void
test_speed_limit (Fixture       *f,
                  gconstpointer  data)
{
  gint64 started = g_get_monotonic_time ();
  SluiceTask *task;
  double seconds;

  sluice_scheduler_set_max_bytes_per_second (f->scheduler, 400000);
  task = add (f, "/bytes/1000000");
  run_until_idle (f);
  seconds = (g_get_monotonic_time () - started) / 1e6;
  g_test_message ("1 MB at 400 kB/s took %.2f s", seconds);
  assert_done_with_pattern (f, task, "1000000", 1000000);
  g_assert_cmpfloat (seconds, >=, 2.0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add ("/download/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("content-length", test_content_length);
  ADD ("large-file-hashed-off-thread", test_large_file_hashed_off_thread);
  ADD ("chunked-unknown-length", test_chunked_unknown_length);
  ADD ("empty-body", test_empty_body);
  ADD ("truncated-body-fails", test_truncated_body_fails);
  ADD ("reset-then-resume", test_reset_then_resume);
  ADD ("range-answered-with-200", test_range_answered_with_200);
  ADD ("disposition-names", test_disposition_names);
  ADD ("same-name-twice", test_same_name_twice);
  ADD ("existing-file-kept", test_existing_file_kept);
  ADD ("symlink-not-followed", test_symlink_not_followed);
  ADD ("read-only-folder", test_read_only_folder);
  ADD ("cancel-running-removes-part", test_cancel_running_removes_part);
  ADD ("speed-limit", test_speed_limit);
#undef ADD

  return g_test_run ();
}
