/* test-window-more.c: export, import, and closing while tasks run
 *
 * A program of its own: stopping shuts the scheduler down for good.  (Under
 * ASan without the leak check: see tests/meson.build.)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "sluice-preferences-window.h"
#include "sluice-window.h"
#include "test-ui-utils.h"
#include "test-utils.h"

typedef TestWindowFixture Fixture;

/* Export what the table shows (or everything) and import a URL file. */
static void
test_export_and_import (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *csv_path = g_build_filename (f->dir, "results.csv", NULL);
  g_autofree char *json_path = g_build_filename (f->dir, "all.json", NULL);
  g_autofree char *list_path = g_build_filename (f->dir, "urls.txt", NULL);
  g_autoptr(GFile) csv = g_file_new_for_path (csv_path);
  g_autoptr(GFile) json = g_file_new_for_path (json_path);
  g_autoptr(GFile) list = g_file_new_for_path (list_path);
  g_autofree char *csv_text = NULL;
  g_autofree char *json_text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  GtkWindow *dialog;

  sluice_scheduler_set_max_retries (f->scheduler, 0);
  test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD, "/bytes/100", "/status/404", NULL);
  test_run_until_scheduler_idle (f->scheduler, 5000);

  /* Only the failed row is shown: only it is exported. */
  sluice_window_set_filter (f->window, "failed");
  sluice_window_export (f->window, csv, TRUE);
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (f->window), "Exported to “results.csv”"), 5000);
  g_assert_true (g_file_get_contents (csv_path, &csv_text, NULL, NULL));
  g_assert_true (g_str_has_prefix (csv_text, "url,kind,state,"));
  g_assert_nonnull (strstr (csv_text, "/status/404,download,failed,404,"));
  g_assert_null (strstr (csv_text, "/bytes/100"));

  sluice_window_set_filter (f->window, "all");
  sluice_window_export (f->window, json, FALSE);
  /* Written once the toast says so (a new file is written in place). */
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (f->window), "Exported to “all.json”"), 5000);
  g_assert_true (g_file_get_contents (json_path, &json_text, NULL, NULL));
  json_parser_load_from_data (parser, json_text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (json_parser_get_root (parser))), ==, 2);

  g_assert_true (g_file_set_contents (list_path, "# from a file\nhttps://example.org/a.iso\nnot a url\n", -1, NULL));
  dialog = sluice_window_import_file (f->window, list);
  g_assert_nonnull (dialog);
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (dialog), "1 URL · 1 refused"), 5000);
  gtk_window_destroy (dialog);
}

static gboolean
file_has_prefix (const char *path,
                 const char *prefix)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) && g_str_has_prefix (text, prefix);
}

/* A list file in a legacy encoding is read (the parser says which lines
 * it cannot use); a binary file is refused with a word, not cut at its
 * first NUL byte; a name ending in ".CSV" gets CSV. */
static void
test_import_text_and_binary (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *latin1_path = g_build_filename (f->dir, "liste.txt", NULL);
  g_autofree char *binary_path = g_build_filename (f->dir, "urls.bin", NULL);
  g_autofree char *upper_path = g_build_filename (f->dir, "RESULTS.CSV", NULL);
  g_autoptr(GFile) latin1 = g_file_new_for_path (latin1_path);
  g_autoptr(GFile) binary = g_file_new_for_path (binary_path);
  g_autoptr(GFile) upper = g_file_new_for_path (upper_path);
  static const char latin1_text[] = "# Liste f\xfcr Downloads\nhttps://example.org/a\nhttps://example.org/b\n";
  static const char binary_text[] = "https://example.org/a\nhttps://example.org/b\n\0https://example.org/c\n";
  g_autofree char *message = g_strdup_printf ("“%s” is not a text file", binary_path);
  GtkWindow *dialog;

  g_assert_true (g_file_set_contents (latin1_path, latin1_text, sizeof latin1_text - 1, NULL));
  dialog = sluice_window_import_file (f->window, latin1);
  g_assert_nonnull (dialog);
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (dialog), "2 URLs"), 5000);
  gtk_window_destroy (dialog);

  g_assert_true (g_file_set_contents (binary_path, binary_text, sizeof binary_text - 1, NULL));
  g_assert_null (sluice_window_import_file (f->window, binary));
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (f->window), message), 5000);

  test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD, "/bytes/10", NULL);
  test_run_until_scheduler_idle (f->scheduler, 5000);
  sluice_window_export (f->window, upper, FALSE);
  /* (Its toast waits behind the others: the file is what counts.) */
  TEST_RUN_UNTIL (file_has_prefix (upper_path, "url,kind,state,"), 5000);
}

static gboolean
is_message_dialog_titled (GtkWindow     *window,
                          gconstpointer  title)
{
  return ADW_IS_MESSAGE_DIALOG (window) &&
         g_strcmp0 (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (window)), title) == 0;
}

static gboolean
is_preferences (GtkWindow     *window,
                gconstpointer  data)
{
  return SLUICE_IS_PREFERENCES_WINDOW (window);
}

static gboolean
is_about (GtkWindow     *window,
          gconstpointer  data)
{
  return ADW_IS_ABOUT_WINDOW (window);
}

/* The application's shortcuts (Ctrl+Q, Ctrl+,) reach its dialogs too: the
 * Add dialog and Preferences are the application's windows, and go with
 * the window they belong to. */
static void
test_dialogs_take_app_shortcuts (Fixture       *f,
                                 gconstpointer  data)
{
  GtkWindow *dialogs[2];

  dialogs[0] = sluice_window_open_add_dialog (f->window, NULL);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  TEST_RUN_UNTIL ((dialogs[1] = test_ui_find_toplevel (is_preferences, NULL)) != NULL, 5000);

  /* Preferences last opened, first closed: it may have gone on top of the
   * Add dialog, and would go with it. */
  for (guint i = G_N_ELEMENTS (dialogs); i-- > 0;)
    {
      GtkWindow *about;

      g_assert_true (gtk_window_get_application (dialogs[i]) == GTK_APPLICATION (f->app));
      g_assert_true (gtk_window_get_destroy_with_parent (dialogs[i]));
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialogs[i]), "app.about", NULL));
      TEST_RUN_UNTIL ((about = test_ui_find_toplevel (is_about, NULL)) != NULL, 5000);
      gtk_window_destroy (about);
      gtk_window_destroy (dialogs[i]);
    }
}

/* Closing with unfinished tasks asks first; "Stop and Quit" stops them,
 * keeps the partial download, keeps the whole of a list still going in
 * (for the next session) and closes.  (Last: the scheduler is shut down
 * for good afterwards.) */
static void
test_close_asks_first (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(SluiceTask) task = NULL;
  g_autoptr(SluiceUrlList) long_list = NULL;
  GtkWindow *preferences;
  GtkWindow *dialog;

  task = test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD, "/slow/1000000?rate=50000", NULL);
  TEST_RUN_UNTIL (sluice_task_get_bytes_received (task) > 0, 5000);
  g_object_add_weak_pointer (G_OBJECT (f->window), (gpointer *) &f->window);

  /* Quit (Ctrl+Q) from Preferences: the task window is the one that asks. */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  TEST_RUN_UNTIL ((preferences = test_ui_find_toplevel (is_preferences, NULL)) != NULL, 5000);
  test_ui_present_and_wait (preferences);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
  TEST_RUN_UNTIL ((dialog = test_ui_find_toplevel (is_message_dialog_titled, "Stop Transfers and Quit?")) != NULL, 5000);
  g_assert_nonnull (f->window);
  g_assert_nonnull (test_ui_find_toplevel (is_preferences, NULL));
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_RUNNING);

  /* "Keep Running" changes nothing. */
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_assert_nonnull (f->window);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_RUNNING);

  long_list = test_window_numbered_urls (f, "late", 1000);
  sluice_window_add_urls (f->window, long_list, SLUICE_TASK_KIND_DOWNLOAD, f->dir);
  g_assert_true (sluice_window_get_adding (f->window));

  gtk_window_close (GTK_WINDOW (f->window));
  TEST_RUN_UNTIL ((dialog = test_ui_find_toplevel (is_message_dialog_titled, "Stop Transfers and Quit?")) != NULL, 5000);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "stop");
  TEST_RUN_UNTIL (f->window == NULL, 10000);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_CANCELLED);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->scheduler)), ==, 1 + 1000);
  /* The partial file stays for the next session to resume. */
  {
    g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
    const char *name = g_dir_read_name (dir);

    g_assert_nonnull (name);
    g_assert_true (g_str_has_suffix (name, ".part"));
  }
}

int
main (int    argc,
      char **argv)
{
  test_ui_init (&argc, &argv);

  g_test_add ("/window-more/export-and-import", Fixture, NULL, test_window_fixture_set_up, test_export_and_import, test_window_fixture_tear_down);
  /* Last: it shuts the scheduler down. */
  g_test_add ("/window-more/import-text-and-binary", Fixture, NULL, test_window_fixture_set_up, test_import_text_and_binary, test_window_fixture_tear_down);
  g_test_add ("/window-more/dialogs-take-app-shortcuts", Fixture, NULL, test_window_fixture_set_up, test_dialogs_take_app_shortcuts, test_window_fixture_tear_down);
  g_test_add ("/window-more/close-asks-first", Fixture, NULL, test_window_fixture_set_up, test_close_asks_first, test_window_fixture_tear_down);

  return test_ui_run ();
}
