/* test-session.c: tasks saved to a file and restored, after a quit or a crash
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice-scheduler.h"
#include "sluice-session.h"
#include "test-utils.h"

typedef struct {
  TestServer      *server;
  char            *dir;          /* downloads */
  char            *state_dir;    /* the session file, apart from downloads */
  char            *session_path;
  GFile           *session_file;

  /* The headless child. */
  GSubprocess     *process;
  const char      *cwd;          /* its folder, or NULL for ours */
  char            *out;
  char            *err;
  gboolean         finished;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = test_server_new ();
  f->dir = test_make_temp_dir ();
  f->state_dir = test_make_temp_dir ();
  f->session_path = g_build_filename (f->state_dir, "session.json", NULL);
  f->session_file = g_file_new_for_path (f->session_path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->process);
  g_clear_pointer (&f->out, g_free);
  g_clear_pointer (&f->err, g_free);
  g_clear_object (&f->session_file);
  g_free (f->session_path);
  test_server_free (f->server);
  test_remove_tree (f->dir);
  test_remove_tree (f->state_dir);
  g_free (f->dir);
  g_free (f->state_dir);
}

static SluiceScheduler *
new_scheduler (Fixture *f)
{
  return test_scheduler_new (f->dir, 10);
}

static SluiceTask *
add (Fixture         *f,
     SluiceScheduler *scheduler,
     const char      *path,
     SluiceTaskKind   kind)
{
  return test_add_task (scheduler, f->server, path, kind);
}

static void
run_until_idle (SluiceScheduler *scheduler,
                guint            timeout_ms)
{
  test_run_until_scheduler_idle (scheduler, timeout_ms);
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
shutdown (SluiceScheduler *scheduler)
{
  gboolean done = FALSE;

  sluice_scheduler_shutdown_async (scheduler, NULL, on_shutdown, &done);
  TEST_RUN_UNTIL (done, 10000);
}

static SluiceTask *
task_at (SluiceScheduler *scheduler,
         guint            position)
{
  g_autoptr(SluiceTask) task = g_list_model_get_item (G_LIST_MODEL (scheduler), position);

  g_assert_nonnull (task);
  /* The scheduler keeps it alive. */
  return task;
}

static char *
find_file_with_prefix (const char *dir,
                       const char *prefix)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, prefix))
      return g_build_filename (dir, name, NULL);
  return NULL;
}

static char *
read_text (const char *path)
{
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static JsonObject *
read_session_json (Fixture *f)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, f->session_path, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static guint
count_requests (TestServer *server,
                const char *path)
{
  GPtrArray *requests = test_server_get_requests (server);
  guint n = 0;

  for (guint i = 0; i < requests->len; i++)
    if (g_str_equal (((TestRequest *) g_ptr_array_index (requests, i))->path, path) ||
        (g_str_has_suffix (path, "/") &&
         g_str_has_prefix (((TestRequest *) g_ptr_array_index (requests, i))->path, path)))
      n++;
  return n;
}

static void
assert_same_task (SluiceTask *a,
                  SluiceTask *b)
{
  g_assert_cmpstr (sluice_task_get_uri (a), ==, sluice_task_get_uri (b));
  g_assert_cmpint (sluice_task_get_kind (a), ==, sluice_task_get_kind (b));
  g_assert_cmpint (sluice_task_get_state (a), ==, sluice_task_get_state (b));
  g_assert_cmpuint (sluice_task_get_http_status (a), ==, sluice_task_get_http_status (b));
  g_assert_cmpstr (sluice_task_get_final_uri (a), ==, sluice_task_get_final_uri (b));
  g_assert_cmpstr (sluice_task_get_content_type (a), ==, sluice_task_get_content_type (b));
  g_assert_cmpint (sluice_task_get_error_kind (a), ==, sluice_task_get_error_kind (b));
  g_assert_cmpstr (sluice_task_get_error_message (a), ==, sluice_task_get_error_message (b));
  g_assert_cmpstr (sluice_task_get_path (a), ==, sluice_task_get_path (b));
  g_assert_cmpstr (sluice_task_get_sha256 (a), ==, sluice_task_get_sha256 (b));
  g_assert_cmpstr (sluice_task_get_title (a), ==, sluice_task_get_title (b));
  g_assert_true (g_strv_equal (sluice_task_get_headings (a), sluice_task_get_headings (b)));
  g_assert_cmpuint (sluice_task_get_link_count (a), ==, sluice_task_get_link_count (b));
  g_assert_cmpstr (sluice_task_get_description (a), ==, sluice_task_get_description (b));
  g_assert_cmpuint (sluice_task_get_attempt (a), ==, sluice_task_get_attempt (b));
  g_assert_cmpint (sluice_task_get_bytes_received (a), ==, sluice_task_get_bytes_received (b));
  g_assert_cmpint (sluice_task_get_bytes_total (a), ==, sluice_task_get_bytes_total (b));
  g_assert_cmpint (sluice_task_get_created_wall (a), ==, sluice_task_get_created_wall (b));
  g_assert_cmpint (sluice_task_get_started_wall (a), ==, sluice_task_get_started_wall (b));
  g_assert_cmpint (sluice_task_get_finished_wall (a), ==, sluice_task_get_finished_wall (b));
  /* Restored elapsed comes from the wall clock, the original's from the
   * monotonic clock: the two may differ by the time between reading one
   * clock and the other (over a millisecond under valgrind). */
  g_assert_cmpfloat_with_epsilon (sluice_task_get_elapsed (a), sluice_task_get_elapsed (b), 1e-2);
  g_assert_cmpint (sluice_task_get_started (b), >, 0);
}

/* Finished tasks come back with every result and are not fetched again;
 * unfinished ones come back queued and run. */
static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(SluiceScheduler) a = new_scheduler (f);
  g_autoptr(SluiceScheduler) b = NULL;
  g_autoptr(SluiceSession) saved = NULL;
  g_autoptr(SluiceSession) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha = test_pattern_sha256 (3000);
  SluiceTask *cancelled;
  guint n_finished;

  sluice_scheduler_set_max_retries (a, 0);
  add (f, a, "/bytes/1000", SLUICE_TASK_KIND_DOWNLOAD);
  add (f, a, "/bytes/2000", SLUICE_TASK_KIND_DOWNLOAD);
  add (f, a, "/status/404", SLUICE_TASK_KIND_DOWNLOAD);
  add (f, a, "/html/scrape-normal.html", SLUICE_TASK_KIND_SCRAPE);
  cancelled = add (f, a, "/slow/200000?rate=20000", SLUICE_TASK_KIND_DOWNLOAD);
  TEST_RUN_UNTIL (sluice_task_get_bytes_received (cancelled) > 0, 5000);
  /* Cancelling by hand still deletes the partial file. */
  sluice_task_cancel (cancelled);
  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 0);
  run_until_idle (a, 10000);
  n_finished = g_list_model_get_n_items (G_LIST_MODEL (a));

  /* Two more that have not finished when the session is saved. */
  add (f, a, "/bytes/3000", SLUICE_TASK_KIND_DOWNLOAD);
  add (f, a, "/links/4", SLUICE_TASK_KIND_SCRAPE);
  saved = sluice_session_new (a, f->session_file);
  g_assert_true (sluice_session_save (saved, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sluice_session_get_n_saves (saved), ==, 1);
  shutdown (a);

  test_server_reset_counters (f->server);
  b = new_scheduler (f);
  loaded = sluice_session_new (b, f->session_file);
  g_assert_true (sluice_session_load (loaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (b)), ==, n_finished + 2);

  for (guint i = 0; i < n_finished; i++)
    assert_same_task (task_at (a, i), task_at (b, i));
  g_assert_cmpint (sluice_task_get_state (task_at (b, 2)), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (sluice_task_get_error_kind (task_at (b, 2)), ==, SLUICE_ERROR_HTTP_CLIENT);
  g_assert_cmpint (sluice_task_get_state (task_at (b, 4)), ==, SLUICE_TASK_STATE_CANCELLED);
  g_assert_nonnull (sluice_task_get_title (task_at (b, 3)));
  g_assert_cmpuint (sluice_scheduler_get_n_done (b), ==, 2 + 1);
  /* Restored tasks count in the batch's totals with what they had. */
  g_assert_cmpuint (sluice_scheduler_get_bytes_received (b), >, 0);
  g_assert_cmpuint (sluice_scheduler_get_bytes_received (b), ==, test_sum_bytes_received (G_LIST_MODEL (b)));

  run_until_idle (b, 10000);
  /* Only the unfinished ones went to the server. */
  g_assert_cmpuint (count_requests (f->server, "/bytes/1000"), ==, 0);
  g_assert_cmpuint (count_requests (f->server, "/bytes/2000"), ==, 0);
  g_assert_cmpuint (count_requests (f->server, "/status/404"), ==, 0);
  g_assert_cmpuint (count_requests (f->server, "/html/"), ==, 0);
  g_assert_cmpuint (count_requests (f->server, "/slow/"), ==, 0);
  g_assert_cmpuint (count_requests (f->server, "/bytes/3000"), >=, 1);
  g_assert_cmpuint (count_requests (f->server, "/links/4"), >=, 1);
  g_assert_cmpint (sluice_task_get_state (task_at (b, n_finished)), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpstr (sluice_task_get_sha256 (task_at (b, n_finished)), ==, sha);
  g_assert_cmpint (sluice_task_get_state (task_at (b, n_finished + 1)), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpuint (sluice_task_get_link_count (task_at (b, n_finished + 1)), ==, 4);

  g_assert_finalize_object (g_steal_pointer (&saved));
  g_assert_finalize_object (g_steal_pointer (&loaded));
  g_assert_finalize_object (g_steal_pointer (&a));
  g_assert_finalize_object (g_steal_pointer (&b));
}

/* Quitting keeps the .part files of running downloads and of downloads
 * waiting to retry; the next session resumes them with Range. */
static void
test_resume_after_quit (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(SluiceScheduler) a = new_scheduler (f);
  g_autoptr(SluiceScheduler) b = NULL;
  g_autoptr(SluiceSession) session_a = NULL;
  g_autoptr(SluiceSession) session_b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) root = NULL;
  const struct {
    const char *path;
    const char *prefix;
    goffset     size;
  } cases[] = {
    { "/range/400000?rate=100000", "/range/400000", 400000 },
    { "/range/300000?rate=100000", "/range/300000", 300000 },
    { "/reset/50000?total=150000", "/reset/50000", 150000 },
  };
  SluiceTask *tasks[G_N_ELEMENTS (cases)];
  JsonArray *saved_tasks;

  /* The reset one fails after 50000 bytes and waits a minute to retry. */
  sluice_scheduler_set_retry_delay (a, 60);
  session_a = sluice_session_new (a, f->session_file);
  sluice_session_set_autosave (session_a, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    tasks[i] = add (f, a, cases[i].path, SLUICE_TASK_KIND_DOWNLOAD);
  TEST_RUN_UNTIL (sluice_task_get_bytes_received (tasks[0]) > 50000 &&
                  sluice_task_get_bytes_received (tasks[1]) > 50000 &&
                  sluice_task_get_state (tasks[2]) == SLUICE_TASK_STATE_WAITING_RETRY, 10000);

  shutdown (a);
  g_assert_true (sluice_session_flush (session_a, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 3);

  /* Saved to be resumed, not as cancelled. */
  root = read_session_json (f);
  g_assert_cmpint (json_object_get_int_member (root, "version"), ==, SLUICE_SESSION_VERSION);
  saved_tasks = json_object_get_array_member (root, "tasks");
  g_assert_cmpuint (json_array_get_length (saved_tasks), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *task = json_array_get_object_element (saved_tasks, i);

      g_assert_cmpstr (json_object_get_string_member (task, "state"), ==, "queued");
      g_assert_true (json_object_has_member (task, "file"));
    }
  g_assert_finalize_object (g_steal_pointer (&session_a));
  g_assert_finalize_object (g_steal_pointer (&a));

  test_server_reset_counters (f->server);
  b = new_scheduler (f);
  session_b = sluice_session_new (b, f->session_file);
  g_assert_true (sluice_session_load (session_b, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (b)), ==, 3);
  run_until_idle (b, 20000);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SluiceTask *task = task_at (b, i);
      TestRequest *request = test_server_get_last_request (f->server, cases[i].prefix);
      g_autofree char *sha = test_pattern_sha256 (cases[i].size);
      const char *range;
      guint64 offset;

      g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);
      g_assert_cmpuint (sluice_task_get_http_status (task), ==, 206);
      g_assert_cmpstr (sluice_task_get_sha256 (task), ==, sha);
      g_assert_true (test_file_has_pattern (sluice_task_get_path (task), cases[i].size));
      g_assert_cmpint (sluice_task_get_bytes_received (task), ==, cases[i].size);

      g_assert_nonnull (request);
      range = soup_message_headers_get_one (request->headers, "Range");
      g_assert_nonnull (range);
      g_assert_true (g_str_has_prefix (range, "bytes="));
      g_assert_true (g_str_has_suffix (range, "-"));
      offset = g_ascii_strtoull (range + 6, NULL, 10);
      g_assert_cmpuint (offset, >, 0);
      g_assert_cmpuint (offset, <, cases[i].size);
      g_assert_nonnull (soup_message_headers_get_one (request->headers, "If-Range"));
    }
  /* One request each: resumed, not started over. */
  g_assert_cmpuint (test_server_get_requests (f->server)->len, ==, G_N_ELEMENTS (cases));
  g_assert_cmpstr (soup_message_headers_get_one (test_server_get_last_request (f->server, "/reset")->headers, "Range"),
                   ==, "bytes=50000-");
  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 0);
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 3);

  g_assert_finalize_object (g_steal_pointer (&session_b));
  g_assert_finalize_object (g_steal_pointer (&b));
}

/* The headless child */

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &f->out, &f->err, &error);
  g_assert_no_error (error);
  f->finished = TRUE;
}

/* sluice --headless --session FILE -o DIR [args…]; each "/…" becomes a
 * URL of the loopback server, which keeps answering on this main loop. */
static void
start_headless (Fixture            *f,
                const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  const char *binary = g_getenv ("SLUICE_BINARY");

  g_assert_nonnull (binary);
  g_clear_object (&f->process);
  g_clear_pointer (&f->out, g_free);
  g_clear_pointer (&f->err, g_free);
  f->finished = FALSE;

  g_ptr_array_add (argv, g_strdup (binary));
  g_ptr_array_add (argv, g_strdup ("--headless"));
  g_ptr_array_add (argv, g_strdup ("--session"));
  g_ptr_array_add (argv, g_strdup (f->session_path));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup (f->dir));
  g_ptr_array_add (argv, g_strdup ("--retry-delay=0.01"));
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, args[i][0] == '/' ? test_server_url (f->server, args[i]) : g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_cwd (launcher, f->cwd);
  f->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (f->process, "", NULL, on_communicated, f);
}

static int
wait_headless (Fixture *f,
               guint    timeout_ms)
{
  TEST_RUN_UNTIL (f->finished, timeout_ms);
  g_test_message ("stdout:\n%s\nstderr:\n%s", f->out, f->err);
  if (g_subprocess_get_if_signaled (f->process))
    return -g_subprocess_get_term_sig (f->process);
  g_assert_true (g_subprocess_get_if_exited (f->process));
  return g_subprocess_get_exit_status (f->process);
}

static goffset
file_size (const char *path)
{
  GStatBuf st;

  return g_lstat (path, &st) == 0 ? st.st_size : -1;
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    if (*p == '\n')
      n++;
  return n;
}

typedef struct {
  const char *dir;
  guint       min_done;
} KillPoint;

/* Some files finished, some half-way (and bytes flowing). */
static gboolean
mid_transfer (KillPoint *point)
{
  guint all = test_count_files (point->dir, NULL);
  guint parts = test_count_files (point->dir, ".part");

  return all - parts >= point->min_done && parts > 0;
}

/* A batch killed with SIGKILL, twice, resumes to exactly the files it
 * should have made: complete, not duplicated, no .part left. */
static void
test_crash_safety (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) sizes = g_ptr_array_new ();
  g_autoptr(JsonObject) root = NULL;
  JsonArray *saved_tasks;
  KillPoint point = { f->dir, 8 };
  const char * const no_urls[] = { "-j", "8", "--per-host", "8", NULL };

  g_ptr_array_add (args, g_strdup ("-j"));
  g_ptr_array_add (args, g_strdup ("8"));
  g_ptr_array_add (args, g_strdup ("--per-host"));
  g_ptr_array_add (args, g_strdup ("8"));
  for (guint i = 0; i < 64; i++)
    {
      /* Distinct sizes name distinct files.  /range resumes with Range;
       * /slow has no validator, so it starts over in the same .part. */
      guint size = 30000 + i * 1500 + (i % 2);

      g_ptr_array_add (sizes, GUINT_TO_POINTER (size));
      g_ptr_array_add (args, g_strdup_printf (i % 2 == 0 ? "/range/%u?rate=150000" : "/slow/%u?rate=150000",
                                              size));
    }
  g_ptr_array_add (args, NULL);

  start_headless (f, (const char * const *) args->pdata);
  TEST_RUN_UNTIL (mid_transfer (&point), 30000);
  g_test_message ("first kill: %u files, %u partial", test_count_files (f->dir, NULL), test_count_files (f->dir, ".part"));
  g_subprocess_force_exit (f->process);
  g_assert_cmpint (wait_headless (f, 10000), ==, -SIGKILL);

  /* Again with the same URLs: nothing is added twice. */
  point.min_done = test_count_files (f->dir, NULL) - test_count_files (f->dir, ".part") + 8;
  start_headless (f, (const char * const *) args->pdata);
  TEST_RUN_UNTIL (mid_transfer (&point), 30000);
  g_test_message ("second kill: %u files, %u partial", test_count_files (f->dir, NULL), test_count_files (f->dir, ".part"));
  g_subprocess_force_exit (f->process);
  g_assert_cmpint (wait_headless (f, 10000), ==, -SIGKILL);

  /* And with no URL at all: the session holds the batch. */
  start_headless (f, no_urls);
  g_assert_cmpint (wait_headless (f, 60000), ==, 0);

  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 0);
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 64);
  for (guint i = 0; i < sizes->len; i++)
    {
      guint size = GPOINTER_TO_UINT (g_ptr_array_index (sizes, i));
      g_autofree char *name = g_strdup_printf ("%u", size);
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      /* Whole, under its own name, not half-written and no " (1)" twin. */
      if (!test_file_has_pattern (path, size))
        g_error ("%s is not the %u bytes it should be", path, size);
    }

  root = read_session_json (f);
  saved_tasks = json_object_get_array_member (root, "tasks");
  g_assert_cmpuint (json_array_get_length (saved_tasks), ==, 64);
  for (guint i = 0; i < 64; i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (saved_tasks, i), "state"),
                     ==, "done");
}

/* The journal is replayed over the snapshot: newer lines only, an
 * unreadable or torn line skipped. */
static void
test_journal_replay (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SluiceScheduler) scheduler = new_scheduler (f);
  g_autoptr(SluiceSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) root = NULL;
  g_autofree char *a = test_server_url (f->server, "/bytes/100");
  g_autofree char *b = test_server_url (f->server, "/bytes/200");
  g_autofree char *c = test_server_url (f->server, "/bytes/300");
  g_autofree char *snapshot = NULL;
  g_autofree char *journal = NULL;
  g_autofree char *journal_path = g_strconcat (f->session_path, ".journal", NULL);
  SluiceTask *task;

  snapshot = g_strdup_printf ("{\"version\": 1, \"serial\": 5, \"next_id\": 3, \"tasks\": ["
                              "{\"id\": 1, \"url\": \"%s\", \"state\": \"queued\"},"
                              "{\"id\": 2, \"url\": \"%s\", \"state\": \"queued\"}]}", a, b);
  journal = g_strdup_printf ("{\"serial\": 4, \"remove\": 1}\n"
                             "{\"serial\": 6, \"task\": {\"id\": 1, \"url\": \"%s\", \"state\": \"done\","
                             " \"http_status\": 200, \"path\": \"/nowhere/100\", \"sha256\": \"abc\","
                             " \"started\": \"2024-01-01T00:00:00Z\", \"finished\": \"2024-01-01T00:00:02Z\"}}\n"
                             "{\"serial\": 7, \"remove\": 2}\n"
                             "not json at all\n"
                             "{\"serial\": 8, \"task\": {\"id\": 9, \"url\": \"%s\", \"state\": \"failed\","
                             " \"error_kind\": \"http-server\", \"error\": \"boom\"}}\n"
                             "{\"serial\": 9, \"task\": {\"id\": 10, \"url\": \"%s", a, c, b);
  g_assert_true (g_file_set_contents (f->session_path, snapshot, -1, NULL));
  g_assert_true (g_file_set_contents (journal_path, journal, -1, NULL));

  session = sluice_session_new (scheduler, f->session_file);
  g_assert_true (sluice_session_load (session, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (scheduler)), ==, 2);
  task = task_at (scheduler, 0);
  g_assert_cmpstr (sluice_task_get_uri (task), ==, a);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpstr (sluice_task_get_sha256 (task), ==, "abc");
  g_assert_cmpfloat (sluice_task_get_elapsed (task), ==, 2.0);
  task = task_at (scheduler, 1);
  g_assert_cmpstr (sluice_task_get_uri (task), ==, c);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (sluice_task_get_error_kind (task), ==, SLUICE_ERROR_HTTP_SERVER);
  g_assert_cmpstr (sluice_task_get_error_message (task), ==, "boom");
  g_assert_false (sluice_scheduler_get_busy (scheduler));

  /* A snapshot takes the journal in. */
  g_assert_true (sluice_session_save (session, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (journal_path, G_FILE_TEST_EXISTS));
  root = read_session_json (f);
  g_assert_cmpint (json_object_get_int_member (root, "serial"), >=, 8);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "tasks")), ==, 2);
  g_assert_cmpuint (test_server_get_request_count (f->server, NULL), ==, 0);

  g_assert_finalize_object (g_steal_pointer (&session));
  g_assert_finalize_object (g_steal_pointer (&scheduler));
}

static void
write_pattern_file (const char *path,
                    gsize       size)
{
  g_autofree guint8 *bytes = g_malloc (size);

  test_fill_pattern (bytes, 0, size);
  g_assert_true (g_file_set_contents (path, (const char *) bytes, size, NULL));
}

/* A crash after the whole body was written down as complete: before the
 * rename the .part is finished now, after it the final file is claimed
 * only if it is exactly what was written down. */
static void
test_complete_before_rename (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(SluiceScheduler) scheduler = new_scheduler (f);
  g_autoptr(SluiceSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new ("{\"version\": 1, \"tasks\": [");
  g_autofree char *zeros = g_malloc0 (30000);
  g_autofree char *mine = g_build_filename (f->dir, "40000", NULL);
  g_autofree char *contents = NULL;
  const guint sizes[] = { 10000, 20000, 30000, 40000 };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *path = g_strdup_printf ("/range/%u", sizes[i]);
      g_autofree char *url = test_server_url (f->server, path);
      g_autofree char *sha = test_pattern_sha256 (sizes[i]);

      g_string_append_printf (text, "%s{\"id\": %u, \"url\": \"%s\", \"directory\": \"%s\","
                              " \"file\": {\"name\": \"%u\", \"part\": \"%u.part\", \"complete\": true,"
                              " \"size\": %u, \"sha256\": \"%s\"}}",
                              i > 0 ? "," : "", i + 1, url, f->dir, sizes[i], sizes[i], sizes[i], sha);
    }
  g_string_append (text, "]}");
  g_assert_true (g_file_set_contents (f->session_path, text->str, -1, NULL));

  /* Not renamed yet; renamed; a .part that is not what was written down;
   * a final file that is someone else's. */
  {
    g_autofree char *p1 = g_build_filename (f->dir, "10000.part", NULL);
    g_autofree char *p2 = g_build_filename (f->dir, "20000", NULL);
    g_autofree char *p3 = g_build_filename (f->dir, "30000.part", NULL);

    write_pattern_file (p1, 10000);
    write_pattern_file (p2, 20000);
    g_assert_true (g_file_set_contents (p3, zeros, 30000, NULL));
    g_assert_true (g_file_set_contents (mine, "mine", -1, NULL));
  }

  session = sluice_session_new (scheduler, f->session_file);
  g_assert_true (sluice_session_load (session, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sluice_task_get_state (task_at (scheduler, 0)), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpint (sluice_task_get_state (task_at (scheduler, 1)), ==, SLUICE_TASK_STATE_DONE);
  run_until_idle (scheduler, 5000);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      SluiceTask *task = task_at (scheduler, i);
      g_autofree char *name = g_strdup_printf (i < 3 ? "%u" : "%u (1)", sizes[i]);
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_autofree char *sha = test_pattern_sha256 (sizes[i]);

      g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);
      g_assert_cmpstr (sluice_task_get_path (task), ==, path);
      g_assert_cmpstr (sluice_task_get_sha256 (task), ==, sha);
      g_assert_true (test_file_has_pattern (path, sizes[i]));
    }
  g_assert_true (g_file_get_contents (mine, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "mine");
  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 0);
  g_assert_cmpuint (count_requests (f->server, "/range/10000"), ==, 0);
  g_assert_cmpuint (count_requests (f->server, "/range/20000"), ==, 0);

  g_assert_finalize_object (g_steal_pointer (&session));
  g_assert_finalize_object (g_steal_pointer (&scheduler));
}

/* Broken files */

static void
load_broken (Fixture    *f,
             const char *contents,
             gssize      length)
{
  g_autoptr(SluiceScheduler) scheduler = new_scheduler (f);
  g_autoptr(SluiceSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *aside = NULL;
  g_autofree char *kept = NULL;
  gsize kept_length = 0;
  SluiceTask *task;

  g_assert_true (g_file_set_contents (f->session_path, contents, length, NULL));
  session = sluice_session_new (scheduler, f->session_file);
  g_assert_false (sluice_session_load (session, &error));
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID);
  g_test_message ("%s", error->message);

  /* Moved aside, unchanged, under a dated name the message gives. */
  g_assert_false (g_file_test (f->session_path, G_FILE_TEST_EXISTS));
  aside = find_file_with_prefix (f->state_dir, "session.json.broken-");
  g_assert_nonnull (aside);
  g_assert_true (g_regex_match_simple ("session\\.json\\.broken-[0-9]{8}-[0-9]{6}$", aside, 0, 0));
  g_assert_nonnull (strstr (error->message, strrchr (aside, '/') + 1));
  g_assert_true (g_file_get_contents (aside, &kept, &kept_length, NULL));
  g_assert_cmpmem (kept, kept_length, contents, length >= 0 ? (gsize) length : strlen (contents));
  g_unlink (aside);
  g_clear_error (&error);

  /* Still usable, and saving starts a fresh file. */
  task = add (f, scheduler, "/bytes/10", SLUICE_TASK_KIND_DOWNLOAD);
  run_until_idle (scheduler, 5000);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);
  g_assert_true (sluice_session_save (session, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (g_steal_pointer (&session));
  g_assert_finalize_object (g_steal_pointer (&scheduler));
  g_unlink (f->session_path);
  test_remove_tree (f->dir);
  g_mkdir (f->dir, 0700);
}

static void
test_corrupt_files (Fixture       *f,
                    gconstpointer  data)
{
  static const guint8 garbage[] = { 0x7b, 0x00, 0xff, 0xfe, 0x22, 0x80, 0x0a, 0x5b };
  g_autoptr(GString) deep = g_string_new ("{\"tasks\":");
  const char *valid = "{\"version\":1,\"tasks\":[{\"id\":1,\"url\":\"http://127.0.0.1:1/a\",\"kind\":\"download\",\"state\":\"done\"}]}";
  g_autofree char *truncated = g_strndup (valid, strlen (valid) / 2);

  load_broken (f, (const char *) garbage, sizeof garbage);
  load_broken (f, truncated, -1);
  load_broken (f, "", 0);
  load_broken (f, "[1, 2, 3]", -1);
  load_broken (f, "\"tasks\"", -1);
  load_broken (f, "{\"version\":1,\"tasks\":{\"url\":\"x\"}}", -1);
  load_broken (f, "{\"version\":1}", -1);
  /* Far deeper than a session: refused before the parser recurses. */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  load_broken (f, deep->str, deep->len);
}

/* Older, newer and odd shapes: what can be read is, the rest skipped. */
static void
test_tolerant_shapes (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(SluiceScheduler) scheduler = new_scheduler (f);
  g_autoptr(SluiceSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = test_server_url (f->server, "/bytes/100");
  g_autofree char *b = test_server_url (f->server, "/bytes/200");
  g_autofree char *c = test_server_url (f->server, "/html/scrape-normal.html");
  g_autofree char *text = NULL;
  SluiceTask *task;

  text = g_strdup_printf ("{\"future\": {\"x\": [1, 2]}, \"tasks\": ["
                          /* an older shape: a URL, nothing else */
                          "{\"url\": \"%s\"},"
                          /* unknown fields and wrong types everywhere but the URL */
                          "{\"url\": \"%s\", \"state\": 5, \"kind\": \"download\", \"http_status\": \"x\","
                          " \"created\": \"yesterday\", \"file\": 7, \"wish\": true},"
                          /* a finished scrape with odd members */
                          "{\"url\": \"%s\", \"kind\": \"scrape\", \"state\": \"done\", \"http_status\": 200,"
                          " \"title\": \"T\", \"h1\": [\"one\", 2, null, \"two\"], \"links\": \"many\","
                          " \"started\": \"2024-02-03T04:05:06.000007Z\","
                          " \"finished\": \"2024-02-03T04:05:07.5Z\"},"
                          /* skipped: no URL, a URL we do not fetch, an unknown kind, not an object */
                          "{\"kind\": \"download\"}, {\"url\": \"ftp://x/y\"}, {\"url\": \"%s\", \"kind\": \"torrent\"},"
                          " 42, [\"%s\"], null"
                          "]}", a, b, c, a, a);
  g_assert_true (g_file_set_contents (f->session_path, text, -1, NULL));

  session = sluice_session_new (scheduler, f->session_file);
  g_assert_true (sluice_session_load (session, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (f->session_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (scheduler)), ==, 3);

  task = task_at (scheduler, 2);
  g_assert_cmpint (sluice_task_get_kind (task), ==, SLUICE_TASK_KIND_SCRAPE);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpstr (sluice_task_get_title (task), ==, "T");
  g_assert_cmpstr (sluice_task_get_headings (task)[0], ==, "one");
  g_assert_cmpstr (sluice_task_get_headings (task)[1], ==, "two");
  g_assert_null (sluice_task_get_headings (task)[2]);
  g_assert_cmpuint (sluice_task_get_link_count (task), ==, 0);
  g_assert_cmpint (sluice_task_get_started_wall (task) % G_USEC_PER_SEC, ==, 7);
  g_assert_cmpfloat_with_epsilon (sluice_task_get_elapsed (task), 1.499993, 1e-9);

  run_until_idle (scheduler, 5000);
  g_assert_cmpint (sluice_task_get_state (task_at (scheduler, 0)), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpint (sluice_task_get_state (task_at (scheduler, 1)), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpuint (test_server_get_request_count (f->server, "/html"), ==, 0);

  g_assert_finalize_object (g_steal_pointer (&session));
  g_assert_finalize_object (g_steal_pointer (&scheduler));
}

/* A .part named in the session that is a symlink, or a FIFO, is never
 * opened through: the download starts over under another name. */
static void
test_planted_part_not_followed (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(SluiceScheduler) scheduler = new_scheduler (f);
  g_autoptr(SluiceSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *target = g_build_filename (f->state_dir, "target", NULL);
  g_autofree char *link = g_build_filename (f->dir, "5000.part", NULL);
  g_autofree char *fifo = g_build_filename (f->dir, "6000.part", NULL);
  g_autofree char *url_a = test_server_url (f->server, "/range/5000");
  g_autofree char *url_b = test_server_url (f->server, "/range/6000");
  g_autofree char *url_c = test_server_url (f->server, "/range/7000");
  g_autofree char *text = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *expected_a = g_build_filename (f->dir, "5000 (1)", NULL);
  g_autofree char *expected_b = g_build_filename (f->dir, "6000 (1)", NULL);

  g_assert_true (g_file_set_contents (target, "untouched", -1, NULL));
  g_assert_cmpint (symlink (target, link), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  text = g_strdup_printf ("{\"version\": 1, \"tasks\": ["
                          "{\"id\": 1, \"url\": \"%s\", \"state\": \"queued\", \"directory\": \"%s\","
                          " \"file\": {\"name\": \"5000\", \"part\": \"5000.part\", \"validator\": \"\\\"range-5000\\\"\"}},"
                          "{\"id\": 2, \"url\": \"%s\", \"state\": \"queued\", \"directory\": \"%s\","
                          " \"file\": {\"name\": \"6000\", \"part\": \"6000.part\", \"validator\": \"\\\"range-6000\\\"\"}},"
                          /* names that would leave the folder are refused */
                          "{\"id\": 3, \"url\": \"%s\", \"state\": \"queued\", \"directory\": \"%s\","
                          " \"file\": {\"name\": \"../target\", \"part\": \"../target.part\"}}"
                          "]}", url_a, f->dir, url_b, f->dir, url_c, f->dir);
  g_assert_true (g_file_set_contents (f->session_path, text, -1, NULL));

  session = sluice_session_new (scheduler, f->session_file);
  g_assert_true (sluice_session_load (session, &error));
  g_assert_no_error (error);
  run_until_idle (scheduler, 5000);

  g_assert_cmpint (sluice_task_get_state (task_at (scheduler, 0)), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpstr (sluice_task_get_path (task_at (scheduler, 0)), ==, expected_a);
  g_assert_true (test_file_has_pattern (expected_a, 5000));
  g_assert_cmpint (sluice_task_get_state (task_at (scheduler, 1)), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpstr (sluice_task_get_path (task_at (scheduler, 1)), ==, expected_b);
  g_assert_cmpint (sluice_task_get_state (task_at (scheduler, 2)), ==, SLUICE_TASK_STATE_DONE);
  g_assert_true (g_file_get_contents (target, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "untouched");
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));

  g_assert_finalize_object (g_steal_pointer (&session));
  g_assert_finalize_object (g_steal_pointer (&scheduler));
}

/* Passwords never reach the snapshot or the journal; a task that would
 * need one to resume comes back failed, a finished one keeps its result. */
static void
test_no_passwords (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SluiceScheduler) a = new_scheduler (f);
  g_autoptr(SluiceScheduler) b = NULL;
  g_autoptr(SluiceSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *done_url = g_strdup_printf ("http://user:s3cr3t-pw@127.0.0.1:%u/bytes/100",
                                               test_server_get_port (f->server));
  g_autofree char *slow_url = g_strdup_printf ("http://user:s3cr3t-pw@127.0.0.1:%u/slow/100000?rate=10000",
                                               test_server_get_port (f->server));
  g_autofree char *journal_path = g_strconcat (f->session_path, ".journal", NULL);
  g_autofree char *journal = NULL;
  g_autofree char *snapshot = NULL;
  SluiceTask *done, *running, *restored;

  session = sluice_session_new (a, f->session_file);
  sluice_session_set_autosave (session, TRUE);
  done = sluice_scheduler_add (a, done_url, SLUICE_TASK_KIND_DOWNLOAD);
  running = sluice_scheduler_add (a, slow_url, SLUICE_TASK_KIND_DOWNLOAD);
  TEST_RUN_UNTIL (sluice_task_get_state (done) == SLUICE_TASK_STATE_DONE &&
                  sluice_task_get_bytes_received (running) > 0, 5000);

  /* The journal has the running download's file by now. */
  journal = read_text (journal_path);
  g_assert_nonnull (strstr (journal, "100000.part"));
  g_assert_null (strstr (journal, "s3cr3t"));

  shutdown (a);
  g_assert_true (sluice_session_flush (session, &error));
  g_assert_no_error (error);
  snapshot = read_text (f->session_path);
  g_assert_null (strstr (snapshot, "s3cr3t"));
  g_assert_nonnull (strstr (snapshot, "user:***@"));
  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 1);
  g_assert_finalize_object (g_steal_pointer (&session));
  g_assert_finalize_object (g_steal_pointer (&a));

  test_server_reset_counters (f->server);
  b = new_scheduler (f);
  session = sluice_session_new (b, f->session_file);
  g_assert_true (sluice_session_load (session, &error));
  g_assert_no_error (error);
  g_assert_false (sluice_scheduler_get_busy (b));

  restored = task_at (b, 0);
  g_assert_cmpint (sluice_task_get_state (restored), ==, SLUICE_TASK_STATE_DONE);
  g_assert_nonnull (sluice_task_get_sha256 (restored));
  restored = task_at (b, 1);
  g_assert_cmpint (sluice_task_get_state (restored), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (sluice_task_get_error_kind (restored), ==, SLUICE_ERROR_INVALID);
  g_assert_nonnull (strstr (sluice_task_get_error_message (restored), "password"));
  /* Its .part could never be resumed: gone. */
  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 0);
  g_assert_cmpuint (test_server_get_request_count (f->server, NULL), ==, 0);

  g_assert_finalize_object (g_steal_pointer (&session));
  g_assert_finalize_object (g_steal_pointer (&b));
}

static void
on_notify_count (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static gboolean
session_says_done (Fixture *f)
{
  g_autofree char *text = read_text (f->session_path);

  return strstr (text, "\"done\"") != NULL;
}

/* Progress never writes the file; state changes do, a second apart. */
static void
test_debounce (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(SluiceScheduler) scheduler = new_scheduler (f);
  g_autoptr(SluiceSession) session = sluice_session_new (scheduler, f->session_file);
  SluiceTask *task;
  guint notifies = 0;
  guint saves;
  gint64 started, elapsed_us;

  sluice_session_set_autosave (session, TRUE);
  started = g_get_monotonic_time ();
  task = add (f, scheduler, "/slow/300000?rate=150000", SLUICE_TASK_KIND_DOWNLOAD);
  g_signal_connect (task, "notify::bytes-received", G_CALLBACK (on_notify_count), &notifies);
  run_until_idle (scheduler, 10000);
  elapsed_us = g_get_monotonic_time () - started;
  g_signal_handlers_disconnect_by_data (task, &notifies);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);

  saves = sluice_session_get_n_saves (session);
  g_test_message ("%u progress notifications, %u saves in %.2f s", notifies, saves, elapsed_us / 1e6);
  g_assert_cmpuint (notifies, >=, 8);
  /* At most one save per second of changes, however often progress moved. */
  g_assert_cmpuint (saves, <=, (guint) (elapsed_us / G_USEC_PER_SEC) + 1);

  /* The final state is written without anyone asking. */
  TEST_RUN_UNTIL (session_says_done (f), 5000);
  /* Written by a worker thread: counted once back on the main thread. */
  TEST_RUN_UNTIL (sluice_session_get_n_saves (session) == saves + 1, 5000);
  g_assert_cmpuint (sluice_session_get_n_saves (session), <, notifies);

  /* The writing thread lets go of its reference after it reports, maybe a
   * moment after the main thread has counted the save. */
  TEST_RUN_UNTIL (g_atomic_int_get (&G_OBJECT (session)->ref_count) == 1, 5000);
  g_assert_finalize_object (g_steal_pointer (&session));
  g_assert_finalize_object (g_steal_pointer (&scheduler));
}

/* Flushing while an autosave is still being written (the app does, when
 * it quits) returns only once everything is on disk. */
static void
test_flush_while_saving (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(SluiceScheduler) scheduler = new_scheduler (f);
  g_autoptr(SluiceSession) session = sluice_session_new (scheduler, f->session_file);
  g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SluiceScheduler) loaded = new_scheduler (f);
  g_autoptr(SluiceSession) reader = NULL;
  g_autoptr(GError) error = NULL;

  /* A big session takes a while to write; nothing ever answers. */
  sluice_scheduler_set_max_concurrent (scheduler, 1);
  sluice_session_set_autosave (session, TRUE);
  add (f, scheduler, "/hang", SLUICE_TASK_KIND_DOWNLOAD);
  for (guint i = 0; i < 20000; i++)
    g_ptr_array_add (urls, g_strdup_printf ("http://127.0.0.1:%u/hang?n=%u", test_server_get_port (f->server), i));
  g_ptr_array_add (urls, NULL);
  g_assert_cmpuint (sluice_scheduler_add_many_full (scheduler, (const char * const *) urls->pdata,
                                                    SLUICE_TASK_KIND_DOWNLOAD, NULL), ==, 20000);

  TEST_RUN_UNTIL (sluice_session_get_saving (session), 5000);
  g_assert_true (sluice_session_flush (session, &error));
  g_assert_no_error (error);

  /* Read back at once, the main loop not run again. */
  reader = sluice_session_new (loaded, f->session_file);
  g_assert_true (sluice_session_load (reader, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (loaded)), ==, 20001);

  /* Both started on the hanging tasks. */
  shutdown (loaded);
  shutdown (scheduler);
  TEST_RUN_UNTIL (!sluice_session_get_saving (session), 5000);
  g_assert_finalize_object (g_steal_pointer (&reader));
  g_assert_finalize_object (g_steal_pointer (&loaded));
  g_assert_finalize_object (g_steal_pointer (&session));
  g_assert_finalize_object (g_steal_pointer (&scheduler));
}

/* Tasks just added are on disk before any snapshot (which waits up to a
 * minute for a big session): a crash right after a paste loses none. */
static void
test_added_tasks_journalled (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(SluiceScheduler) scheduler = new_scheduler (f);
  g_autoptr(SluiceScheduler) after_crash = new_scheduler (f);
  g_autoptr(SluiceSession) session = sluice_session_new (scheduler, f->session_file);
  g_autoptr(SluiceSession) reloaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *silent = test_server_silent_url (f->server, "/x");
  g_autofree char *one = g_strconcat (silent, "?1", NULL);
  g_autofree char *two = g_strconcat (silent, "?2", NULL);
  const char * const urls[] = { one, two, NULL };

  sluice_session_set_autosave (session, TRUE);
  g_assert_true (sluice_session_load (session, &error));
  g_assert_no_error (error);
  sluice_scheduler_set_max_concurrent (scheduler, 1);
  g_assert_cmpuint (sluice_scheduler_add_many (scheduler, urls, SLUICE_TASK_KIND_DOWNLOAD), ==, 2);

  /* No snapshot yet, no main-loop turn: what a crash now would leave. */
  g_assert_false (g_file_test (f->session_path, G_FILE_TEST_EXISTS));
  reloaded = sluice_session_new (after_crash, f->session_file);
  g_assert_true (sluice_session_load (reloaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (after_crash)), ==, 2);
  g_assert_cmpstr (sluice_task_get_uri (task_at (after_crash, 1)), ==, two);

  sluice_scheduler_cancel_all (scheduler);
  sluice_scheduler_cancel_all (after_crash);
  run_until_idle (scheduler, 5000);
  run_until_idle (after_crash, 5000);
  g_assert_finalize_object (g_steal_pointer (&reloaded));
  g_assert_finalize_object (g_steal_pointer (&session));
  g_assert_finalize_object (g_steal_pointer (&scheduler));
  g_assert_finalize_object (g_steal_pointer (&after_crash));
}

/* Text from the web (quotes, backslashes, control characters, RTL
 * overrides, emoji) survives the snapshot and the journal unchanged. */
static void
assert_same_scrape (SluiceTask *expected,
                    SluiceTask *actual)
{
  g_assert_cmpint (sluice_task_get_state (actual), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpstr (sluice_task_get_title (actual), ==, sluice_task_get_title (expected));
  g_assert_cmpstr (sluice_task_get_description (actual), ==, sluice_task_get_description (expected));
  g_assert_cmpstrv (sluice_task_get_headings (actual), sluice_task_get_headings (expected));
  g_assert_cmpuint (sluice_task_get_link_count (actual), ==, sluice_task_get_link_count (expected));
}

static void
test_hostile_text (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SluiceScheduler) a = new_scheduler (f);
  g_autoptr(SluiceScheduler) from_journal = new_scheduler (f);
  g_autoptr(SluiceScheduler) from_snapshot = new_scheduler (f);
  g_autoptr(SluiceSession) saved = sluice_session_new (a, f->session_file);
  g_autoptr(SluiceSession) journal_loaded = NULL;
  g_autoptr(SluiceSession) snapshot_loaded = NULL;
  g_autoptr(GError) error = NULL;
  SluiceTask *task;

  sluice_session_set_autosave (saved, TRUE);
  task = add (f, a, "/html/scrape-hostile-text.html", SLUICE_TASK_KIND_SCRAPE);
  run_until_idle (a, 10000);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);
  /* What the page holds, as extracted. */
  g_assert_nonnull (strstr (sluice_task_get_title (task), "\"quoted\" \\back\\slash\\"));
  g_assert_nonnull (strstr (sluice_task_get_title (task), "\u202eRTL override\u202c and \U0001f41f"));
  g_assert_nonnull (strstr (sluice_task_get_description (task), "\x7f"));
  g_assert_cmpstr (sluice_task_get_headings (task)[0], ==, "{\"json\": [1, 2]}");

  /* The journal has it (no snapshot yet, or one: either must read back). */
  journal_loaded = sluice_session_new (from_journal, f->session_file);
  g_assert_true (sluice_session_load (journal_loaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (from_journal)), ==, 1);
  assert_same_scrape (task, task_at (from_journal, 0));

  g_assert_true (sluice_session_save (saved, &error));
  g_assert_no_error (error);
  snapshot_loaded = sluice_session_new (from_snapshot, f->session_file);
  g_assert_true (sluice_session_load (snapshot_loaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (from_snapshot)), ==, 1);
  assert_same_scrape (task, task_at (from_snapshot, 0));

  g_assert_finalize_object (g_steal_pointer (&saved));
  g_assert_finalize_object (g_steal_pointer (&journal_loaded));
  g_assert_finalize_object (g_steal_pointer (&snapshot_loaded));
  g_assert_finalize_object (g_steal_pointer (&a));
  g_assert_finalize_object (g_steal_pointer (&from_journal));
  g_assert_finalize_object (g_steal_pointer (&from_snapshot));
}

/* sluice --headless --session: finished tasks are not re-run nor printed
 * again, URLs already in the session are not added twice, and Ctrl+C or
 * SIGTERM saves unfinished ones for the next run. */
static void
test_headless_session (Fixture       *f,
                       gconstpointer  data)
{
  const char * const first[] = { "/bytes/1000", "/bytes/2000", NULL };
  const char * const second[] = { "/bytes/1000", "/bytes/3000", NULL };
  const char * const slow[] = { "/range/60000?rate=20000", NULL };
  const char * const none[] = { NULL };
  g_autoptr(JsonObject) root = NULL;
  g_autofree char *path = g_build_filename (f->dir, "60000", NULL);
  g_autofree char *part = g_build_filename (f->dir, "60000.part", NULL);
  TestRequest *request;

  start_headless (f, first);
  g_assert_cmpint (wait_headless (f, 20000), ==, 0);
  g_assert_cmpuint (count_lines (f->out), ==, 2);
  g_assert_nonnull (strstr (f->err, "2 done, 0 failed, 0 cancelled"));

  start_headless (f, second);
  g_assert_cmpint (wait_headless (f, 20000), ==, 0);
  g_assert_cmpuint (count_lines (f->out), ==, 1);
  g_assert_nonnull (strstr (f->out, "/bytes/3000"));
  g_assert_nonnull (strstr (f->err, "1 done, 0 failed, 0 cancelled"));
  g_assert_cmpuint (test_server_get_request_count (f->server, "/bytes"), ==, 3);

  start_headless (f, none);
  g_assert_cmpint (wait_headless (f, 20000), ==, 0);
  g_assert_cmpstr (f->out, ==, "");
  g_assert_nonnull (strstr (f->err, "0 done, 0 failed, 0 cancelled"));

  /* SIGTERM mid-transfer: stopped, kept, resumed by the next run. */
  start_headless (f, slow);
  TEST_RUN_UNTIL (file_size (part) > 0, 10000);
  g_subprocess_send_signal (f->process, SIGTERM);
  g_assert_cmpint (wait_headless (f, 20000), ==, 1);
  g_assert_cmpstr (f->out, ==, "");
  g_assert_nonnull (strstr (f->err, "1 unfinished task saved"));
  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 1);

  test_server_reset_counters (f->server);
  start_headless (f, none);
  g_assert_cmpint (wait_headless (f, 30000), ==, 0);
  g_assert_cmpuint (count_lines (f->out), ==, 1);
  g_assert_true (test_file_has_pattern (path, 60000));
  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 0);
  request = test_server_get_last_request (f->server, "/range");
  g_assert_nonnull (soup_message_headers_get_one (request->headers, "Range"));
  g_assert_cmpuint (test_server_get_request_count (f->server, NULL), ==, 1);

  root = read_session_json (f);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "tasks")), ==, 4);
}

/* Running the same command again with a session: a URL with a password
 * that is done stays done (the session keeps it without the password); a
 * task that failed is tried again, and the exit status says the session
 * still holds it; a relative -o is kept as the folder it meant. */
static void
test_headless_rerun (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *plain = test_server_url (f->server, "/bytes/100?pw");
  g_autofree char *with_password = g_strconcat ("http://ann:pw@", plain + strlen ("http://"), NULL);
  const char * const password[] = { with_password, NULL };
  const char * const missing[] = { "--retries=0", "/status/404", NULL };
  const char * const relative[] = { "-o", ".", "/range/60000?rate=20000", NULL };
  const char * const none[] = { NULL };
  g_autofree char *path = g_build_filename (f->dir, "60000", NULL);
  g_autofree char *part = g_build_filename (f->dir, "60000.part", NULL);
  const char * const refused[] = { "ftp://127.0.0.1/x", NULL };
  TestRequest *request;

  /* Nothing to do, in a session with nothing either: a usage error. */
  start_headless (f, refused);
  g_assert_cmpint (wait_headless (f, 20000), ==, 2);
  g_assert_nonnull (strstr (f->err, "no valid URL given"));

  start_headless (f, password);
  g_assert_cmpint (wait_headless (f, 20000), ==, 0);
  start_headless (f, password);
  g_assert_cmpint (wait_headless (f, 20000), ==, 0);
  g_assert_cmpstr (f->out, ==, "");
  g_assert_cmpuint (test_server_get_request_count (f->server, "/bytes"), ==, 1);
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 1);

  /* Stopped mid-transfer in a folder given relative to the first run's. */
  f->cwd = f->dir;
  start_headless (f, relative);
  TEST_RUN_UNTIL (file_size (part) > 0, 10000);
  g_subprocess_send_signal (f->process, SIGTERM);
  g_assert_cmpint (wait_headless (f, 20000), ==, 1);
  test_server_reset_counters (f->server);
  f->cwd = f->state_dir;
  start_headless (f, none);
  g_assert_cmpint (wait_headless (f, 30000), ==, 0);
  g_assert_true (test_file_has_pattern (path, 60000));
  g_assert_cmpuint (test_count_files (f->dir, ".part"), ==, 0);
  request = test_server_get_last_request (f->server, "/range");
  g_assert_nonnull (soup_message_headers_get_one (request->headers, "Range"));
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 2);

  start_headless (f, missing);
  g_assert_cmpint (wait_headless (f, 20000), ==, 1);
  start_headless (f, missing);
  g_assert_cmpint (wait_headless (f, 20000), ==, 1);
  g_assert_cmpuint (test_server_get_request_count (f->server, "/status"), ==, 2);
  start_headless (f, none);
  g_assert_cmpint (wait_headless (f, 20000), ==, 1);
  g_assert_cmpuint (test_server_get_request_count (f->server, "/status"), ==, 2);
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 2);
}

/* A window's scheduler runs its tasks on an engine's thread, and its
 * session lives there too: what the session restores shows here as soon
 * as loading returns, and what is removed here leaves the file. */
static SluiceScheduler *
new_threaded_scheduler (Fixture *f)
{
  SluiceScheduler *scheduler = sluice_scheduler_new_threaded ();

  g_object_set (scheduler, "download-directory", f->dir, "retry-delay", 0.01,
                "max-retries", 0, NULL);
  return scheduler;
}

static void
test_threaded_round_trip (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(SluiceScheduler) a = new_threaded_scheduler (f);
  g_autoptr(SluiceScheduler) b = NULL;
  g_autoptr(SluiceScheduler) c = NULL;
  g_autoptr(SluiceSession) saved = NULL;
  g_autoptr(SluiceSession) loaded = NULL;
  g_autoptr(SluiceSession) reloaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *sha = NULL;
  SluiceTask *done;

  saved = sluice_session_new (a, f->session_file);
  sluice_session_set_autosave (saved, TRUE);
  g_assert_true (sluice_session_get_autosave (saved));
  done = add (f, a, "/bytes/1000", SLUICE_TASK_KIND_DOWNLOAD);
  add (f, a, "/status/404", SLUICE_TASK_KIND_DOWNLOAD);
  add (f, a, "/html/scrape-normal.html", SLUICE_TASK_KIND_SCRAPE);
  run_until_idle (a, 10000);
  path = g_strdup (sluice_task_get_path (done));
  sha = g_strdup (sluice_task_get_sha256 (done));
  g_assert_nonnull (path);
  g_assert_true (sluice_session_flush (saved, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sluice_session_get_n_saves (saved), >=, 1);
  g_assert_finalize_object (g_steal_pointer (&saved));
  shutdown (a);
  g_assert_finalize_object (g_steal_pointer (&a));

  b = new_threaded_scheduler (f);
  loaded = sluice_session_new (b, f->session_file);
  g_assert_true (sluice_session_load (loaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (b)), ==, 3);
  g_assert_cmpint (sluice_task_get_state (task_at (b, 0)), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpstr (sluice_task_get_path (task_at (b, 0)), ==, path);
  g_assert_cmpstr (sluice_task_get_sha256 (task_at (b, 0)), ==, sha);
  g_assert_cmpint (sluice_task_get_bytes_received (task_at (b, 0)), ==, 1000);
  g_assert_cmpint (sluice_task_get_state (task_at (b, 1)), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (sluice_task_get_error_kind (task_at (b, 1)), ==, SLUICE_ERROR_HTTP_CLIENT);
  g_assert_nonnull (sluice_task_get_title (task_at (b, 2)));
  g_assert_cmpuint (sluice_scheduler_get_n_done (b), ==, 2);
  g_assert_cmpuint (sluice_scheduler_get_bytes_received (b), ==, test_sum_bytes_received (G_LIST_MODEL (b)));

  /* A restored task is the engine's like any other: retried there. */
  test_server_reset_counters (f->server);
  g_assert_true (sluice_task_retry (task_at (b, 1)));
  run_until_idle (b, 10000);
  g_assert_cmpint (sluice_task_get_state (task_at (b, 1)), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpuint (count_requests (f->server, "/status/404"), ==, 1);

  g_assert_cmpuint (sluice_scheduler_remove_finished (b), ==, 3);
  g_assert_true (sluice_session_save (loaded, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (g_steal_pointer (&loaded));
  g_assert_finalize_object (g_steal_pointer (&b));

  c = new_scheduler (f);
  reloaded = sluice_session_new (c, f->session_file);
  g_assert_true (sluice_session_load (reloaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (c)), ==, 0);
  g_assert_finalize_object (g_steal_pointer (&reloaded));
}

/* A window's session on a file that is not local says so, as any does. */
static void
test_threaded_not_local (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(SluiceScheduler) scheduler = new_threaded_scheduler (f);
  g_autoptr(GFile) file = g_file_new_for_uri ("http://example.invalid/session.json");
  g_autoptr(SluiceSession) session = NULL;
  g_autoptr(GError) error = NULL;

  session = sluice_session_new (scheduler, file);
  g_assert_false (sluice_session_load (session, &error));
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_DISK);
  g_assert_finalize_object (g_steal_pointer (&session));
  g_assert_finalize_object (g_steal_pointer (&scheduler));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add ("/session/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("round-trip", test_round_trip);
  ADD ("resume-after-quit", test_resume_after_quit);
  ADD ("crash-safety", test_crash_safety);
  ADD ("journal-replay", test_journal_replay);
  ADD ("added-tasks-journalled", test_added_tasks_journalled);
  ADD ("complete-before-rename", test_complete_before_rename);
  ADD ("corrupt-files", test_corrupt_files);
  ADD ("tolerant-shapes", test_tolerant_shapes);
  ADD ("planted-part-not-followed", test_planted_part_not_followed);
  ADD ("no-passwords", test_no_passwords);
  ADD ("hostile-text", test_hostile_text);
  ADD ("flush-while-saving", test_flush_while_saving);
  ADD ("debounce", test_debounce);
  ADD ("headless-session", test_headless_session);
  ADD ("headless-rerun", test_headless_rerun);
  ADD ("threaded-round-trip", test_threaded_round_trip);
  ADD ("threaded-not-local", test_threaded_not_local);
#undef ADD

  return g_test_run ();
}
