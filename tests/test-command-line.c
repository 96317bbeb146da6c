/* test-command-line.c: `sluice URL…` opens the window with those tasks, and
 * a second `sluice URL…` adds to the window already running.
 *
 * The running app is observed from outside through its session file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>

#include "test-utils.h"

static gboolean
session_mentions (const char *path,
                  const char *text)
{
  g_autofree char *contents = NULL;
  g_autofree char *journal = g_strconcat (path, ".journal", NULL);
  g_autofree char *journal_contents = NULL;

  if (g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, text) != NULL)
    return TRUE;
  return g_file_get_contents (journal, &journal_contents, NULL, NULL) &&
         strstr (journal_contents, text) != NULL;
}

static GSubprocess *
spawn_sluice (GSubprocessLauncher *launcher,
              ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *process;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) g_getenv ("SLUICE_BINARY"));
  va_start (args, launcher);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

/* `sluice --help` names its arguments once in the usage line. */
static void
test_help (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) help = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  const char *first;

  help = spawn_sluice (launcher, "--help", NULL);
  g_assert_true (g_subprocess_communicate_utf8 (help, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (help));
  first = strstr (out, "[URL|FILE…]");
  g_assert_nonnull (first);
  g_assert_null (strstr (first + 1, "[URL|FILE…]"));
}

static void
test_second_instance_adds (void)
{
  TestServer *server = test_server_new ();
  g_autofree char *data_home = test_make_temp_dir ();
  g_autofree char *downloads = test_make_temp_dir ();
  g_autofree char *config_home = test_make_temp_dir ();
  g_autofree char *user_dirs = g_build_filename (config_home, "user-dirs.dirs", NULL);
  g_autofree char *user_dirs_text = g_strdup_printf ("XDG_DOWNLOAD_DIR=\"%s\"\n", downloads);
  g_autofree char *home_part = g_build_filename (g_get_home_dir (), "100000.part", NULL);
  gboolean part_at_home = g_file_test (home_part, G_FILE_TEST_EXISTS);
  g_autofree char *session = g_build_filename (data_home, "sluice", "session.json", NULL);
  g_autofree char *first_url = test_server_url (server, "/slow/100000?rate=10000&first");
  g_autofree char *second_url = test_server_url (server, "/html/scrape-normal.html?second");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) primary = NULL;
  g_autoptr(GSubprocess) second = NULL;
  gboolean second_exited = FALSE;
  gboolean primary_exited = FALSE;

  g_assert_nonnull (g_getenv ("SLUICE_BINARY"));
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
  /* GLib finds the Downloads folder in user-dirs.dirs, not in the
   * environment. */
  g_assert_true (g_file_set_contents (user_dirs, user_dirs_text, -1, NULL));
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config_home, TRUE);

  primary = spawn_sluice (launcher, first_url, NULL);
  /* The window runs the task (the server sees it) and saves it. */
  TEST_RUN_UNTIL (test_server_get_request_count (server, "/slow") == 1, 20000);
  TEST_RUN_UNTIL (session_mentions (session, "first"), 20000);

  /* A second invocation hands its URLs to the first and leaves. */
  second = spawn_sluice (launcher, "--scrape", second_url, NULL);
  g_subprocess_wait_async (second, NULL, on_exited, &second_exited);
  TEST_RUN_UNTIL (second_exited, 20000);
  g_assert_true (g_subprocess_get_successful (second));
  TEST_RUN_UNTIL (test_server_get_request_count (server, "/html") == 1, 20000);
  TEST_RUN_UNTIL (session_mentions (session, "second"), 20000);
  g_assert_true (session_mentions (session, "\"scrape\""));

  /* A list given as a file:// URI goes in; a file that does not exist and
   * a line that is no web address are said on that invocation's stderr,
   * with status 1. */
  {
    g_autofree char *list = g_build_filename (downloads, "list.txt", NULL);
    g_autofree char *list_uri = g_filename_to_uri (list, NULL, NULL);
    g_autofree char *third_url = test_server_url (server, "/bytes/10?third");
    g_autofree char *third_file = g_build_filename (downloads, "10", NULL);
    g_autofree char *list_text = g_strconcat (third_url, "\nftp://127.0.0.1/x\n", NULL);
    g_autoptr(GSubprocessLauncher) piped = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_autoptr(GSubprocess) third = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (g_file_set_contents (list, list_text, -1, NULL));
    g_subprocess_launcher_setenv (piped, "XDG_DATA_HOME", data_home, TRUE);
    g_subprocess_launcher_setenv (piped, "XDG_CONFIG_HOME", config_home, TRUE);
    third = spawn_sluice (piped, list_uri, "no-such-list.txt", NULL);
    g_assert_true (g_subprocess_communicate_utf8 (third, NULL, NULL, NULL, &err, &error));
    g_assert_no_error (error);
    g_test_message ("stderr: %s", err);
    g_assert_cmpint (g_subprocess_get_exit_status (third), ==, 1);
    g_assert_nonnull (strstr (err, "no-such-list.txt"));
    g_assert_nonnull (strstr (err, "ftp://127.0.0.1/x"));
    TEST_RUN_UNTIL (test_server_get_request_count (server, "/bytes") == 1, 20000);
    /* Done, not half-way, before the window is stopped below. */
    TEST_RUN_UNTIL (g_file_test (third_file, G_FILE_TEST_IS_REGULAR), 20000);
  }

  g_subprocess_send_signal (primary, SIGTERM);
  g_subprocess_wait_async (primary, NULL, on_exited, &primary_exited);
  TEST_RUN_UNTIL (primary_exited, 20000);
  /* Stopped mid-way: its partial file is in the Downloads folder given,
   * kept for the next session, and nothing went to the home folder. */
  g_assert_cmpuint (test_count_files (downloads, ".part"), ==, 1);
  g_assert_cmpint (g_file_test (home_part, G_FILE_TEST_EXISTS), ==, part_at_home);

  test_server_free (server);
  test_remove_tree (data_home);
  test_remove_tree (downloads);
  test_remove_tree (config_home);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/command-line/help", test_help);
  g_test_add_func ("/command-line/second-instance-adds", test_second_instance_adds);
  return g_test_run ();
}
