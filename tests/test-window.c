/* test-window.c: the window, driven as a person would, against loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "sluice-format.h"
#include "sluice-task-details.h"
#include "sluice-throughput-graph.h"
#include "sluice-window.h"
#include "test-ui-utils.h"
#include "test-utils.h"

typedef TestWindowFixture Fixture;

static GListModel *
view_model (Fixture *f)
{
  return G_LIST_MODEL (gtk_column_view_get_model (sluice_window_get_column_view (f->window)));
}

static SluiceTask *
task_at (Fixture *f,
         guint    position)
{
  SluiceTask *task = g_list_model_get_item (G_LIST_MODEL (f->scheduler), position);

  g_object_unref (task);  /* the scheduler keeps it */
  return task;
}

static void
test_empty_state (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_true (test_ui_shows_text (GTK_WIDGET (f->window), "Paste or Drop URLs to Begin"));
  /* F10 then a letter reaches each item of the main menu. */
  test_ui_assert_unique_menu_mnemonics (test_ui_get_primary_menu (GTK_WIDGET (f->window)));
  test_ui_save_screenshot (GTK_WIDGET (f->window), "screenshot-empty.png");
}

static void
test_five_rows_cancel_one (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *cancel_label = NULL;
  g_autofree char *name = NULL;
  g_autoptr(SluiceTask) first = NULL;
  SluiceTask *third;
  GtkWidget *button;

  sluice_scheduler_set_max_concurrent (f->scheduler, 5);
  first = test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD,
                    "/slow/400000?rate=200000&n=1", "/slow/300000?rate=150000&n=2",
                    "/slow/2000000?rate=100000&n=3", "/chunked/500000?n=4", "/bytes/800000?n=5", NULL);
  g_assert_nonnull (first);
  g_assert_cmpuint (g_list_model_get_n_items (view_model (f)), ==, 5);
  /* (The header follows within 100 ms; a loaded ASan run takes longer.) */
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (f->window), "running"), 5000);

  third = task_at (f, 2);
  TEST_RUN_UNTIL (sluice_task_get_bytes_received (third) > 0, 5000);
  test_ui_settle (300);
  test_ui_save_screenshot (GTK_WIDGET (f->window), "screenshot-running.png");

  name = sluice_format_name (third);
  cancel_label = g_strdup_printf ("Cancel %s", name);
  button = test_ui_find_button (GTK_WIDGET (f->window), cancel_label);
  g_assert_nonnull (button);
  /* Its tooltip is made when asked for, not set on every change. */
  g_assert_null (gtk_widget_get_tooltip_text (button));
  g_assert_true (test_ui_has_tooltip_now (button));
  g_signal_emit_by_name (button, "clicked");
  g_assert_cmpint (sluice_task_get_state (third), ==, SLUICE_TASK_STATE_CANCELLED);
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (f->window), "Cancelled"), 5000);

  test_run_until_scheduler_idle (f->scheduler, 20000);
  g_assert_cmpuint (sluice_scheduler_get_n_done (f->scheduler), ==, 4);
  g_assert_cmpuint (sluice_scheduler_get_n_cancelled (f->scheduler), ==, 1);
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (f->window), "4 done · 1 cancelled"), 5000);
  test_ui_save_screenshot (GTK_WIDGET (f->window), "screenshot-finished.png");
}

static void
test_failure_reason_and_retry (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(SluiceTask) task = NULL;
  g_autofree char *retry_label = NULL;
  g_autofree char *name = NULL;
  GtkWidget *button;

  sluice_scheduler_set_max_retries (f->scheduler, 0);
  task = test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD, "/retry-after/0?key=ui&times=1", NULL);
  TEST_RUN_UNTIL (sluice_task_is_finished (task), 5000);
  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_FAILED);
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (f->window), "The server answered 503 Service Unavailable (server error)"), 5000);

  name = sluice_format_name (task);
  retry_label = g_strdup_printf ("Retry %s", name);
  button = test_ui_find_button (GTK_WIDGET (f->window), retry_label);
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  TEST_RUN_UNTIL (sluice_task_get_state (task) == SLUICE_TASK_STATE_DONE, 5000);
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (f->window), "1 done"), 5000);
}

static void
test_filter_and_concurrency (Fixture       *f,
                             gconstpointer  data)
{
  GtkSpinButton *spin;
  GListModel *model = view_model (f);

  sluice_scheduler_set_max_retries (f->scheduler, 0);
  sluice_scheduler_set_max_concurrent (f->scheduler, 1);
  test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD, "/status/404", "/bytes/10", "/slow/100000?rate=50000&a",
            "/slow/100000?rate=50000&b", "/slow/100000?rate=50000&c", NULL);
  TEST_RUN_UNTIL (sluice_task_get_state (task_at (f, 2)) == SLUICE_TASK_STATE_RUNNING, 5000);
  g_assert_cmpuint (sluice_scheduler_get_n_running (f->scheduler), ==, 1);

  /* The spin button drives the semaphore live. */
  spin = GTK_SPIN_BUTTON (test_ui_find_of_type (GTK_WIDGET (f->window), GTK_TYPE_SPIN_BUTTON));
  g_assert_nonnull (spin);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin), ==, 1);
  gtk_spin_button_set_value (spin, 4);
  g_assert_cmpuint (sluice_scheduler_get_max_concurrent (f->scheduler), ==, 4);
  /* The engine starts them at once; the window shows it a moment later. */
  TEST_RUN_UNTIL (sluice_scheduler_get_n_running (f->scheduler) == 3, 5000);

  test_run_until_scheduler_idle (f->scheduler, 10000);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 5);

  sluice_window_set_filter (f->window, "failed");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  sluice_window_set_filter (f->window, "finished");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 4);
  sluice_window_set_filter (f->window, "active");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (f->window), "No Matching Tasks"), 5000);
  sluice_window_set_filter (f->window, "all");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 5);
}

static guint
shown_after_search (Fixture     *f,
                    GtkEditable *entry,
                    const char  *text)
{
  gtk_editable_set_text (entry, text);
  /* As the entry does once typing pauses. */
  g_signal_emit_by_name (entry, "search-changed");
  return g_list_model_get_n_items (view_model (f));
}

static void
count_emission (guint *count)
{
  (*count)++;
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *page_url = test_server_url (f->server, "/html/scrape-normal.html");
  g_autoptr(GUri) page = g_uri_parse (page_url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *text = NULL;
  g_autoptr(SluiceUrlList) list = NULL;
  GtkEditable *entry;
  guint n_searches = 0;

  /* A URL with a password in it: shown (and so searched) as "***". */
  text = g_strdup_printf ("%s\nhttp://ann:hunter2@%s:%d/bytes/10\n",
                          page_url, g_uri_get_host (page), g_uri_get_port (page));
  list = sluice_url_list_parse (text, -1);
  sluice_window_add_urls (f->window, list, SLUICE_TASK_KIND_SCRAPE, f->dir);
  test_run_until_scheduler_idle (f->scheduler, 10000);
  g_assert_cmpuint (g_list_model_get_n_items (view_model (f)), ==, 2);

  entry = GTK_EDITABLE (test_ui_find_of_type (GTK_WIDGET (f->window), GTK_TYPE_SEARCH_ENTRY));
  g_assert_nonnull (entry);
  /* By title, by URL, by neither. */
  g_assert_cmpuint (shown_after_search (f, entry, "sluice TEST page"), ==, 1);
  g_assert_cmpuint (shown_after_search (f, entry, "/bytes/10"), ==, 1);
  g_assert_cmpuint (shown_after_search (f, entry, "nothing like this"), ==, 0);
  /* What is hidden on screen is not found either; what is shown is. */
  g_assert_cmpuint (shown_after_search (f, entry, "hunter2"), ==, 0);
  g_assert_cmpuint (shown_after_search (f, entry, "ann:***@"), ==, 1);
  g_assert_cmpuint (shown_after_search (f, entry, ""), ==, 2);

  /* Searching first: a title that arrives later is found when it does.
   * (The entry's own delayed "search-changed" comes first, as it would
   * while someone types.) */
  g_signal_connect_swapped (entry, "search-changed", G_CALLBACK (count_emission), &n_searches);
  g_assert_cmpuint (shown_after_search (f, entry, "Überblick"), ==, 0);
  TEST_RUN_UNTIL (n_searches == 2, 5000);
  test_window_add_urls (f, SLUICE_TASK_KIND_SCRAPE, "/html/scrape-latin1.html", NULL);
  test_run_until_scheduler_idle (f->scheduler, 10000);
  TEST_RUN_UNTIL (g_list_model_get_n_items (view_model (f)) == 1, 5000);
  g_signal_handlers_disconnect_by_data (entry, &n_searches);
}

/* Sorting by Name follows the names the rows show: for tasks that never
 * got a file name or title, the URL's last segment, not the whole URL (so
 * not its host first), with a password hidden in it or not. */
static void
test_sort_by_name (Fixture       *f,
                   gconstpointer  data)
{
  const char *names[] = { "zebra.txt", "mango.txt", "apple.txt" };
  const char *hosts[] = { "127.0.0.1", "127.0.0.2", "127.0.0.3" };
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(SluiceUrlList) list = NULL;
  g_autoptr(GListModel) columns = NULL;
  g_autoptr(GtkColumnViewColumn) name_column = NULL;
  GtkColumnView *view = sluice_window_get_column_view (f->window);

  sluice_scheduler_set_max_retries (f->scheduler, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_strconcat ("/html/", names[i], NULL);
      g_autofree char *url = test_server_url_for_host (f->server, hosts[i], path);

      /* Each answers 404: no file name ever comes. */
      if (i == 1)
        g_string_append_printf (text, "http://ann:secret@%s\n", url + strlen ("http://"));
      else
        g_string_append_printf (text, "%s\n", url);
    }
  list = sluice_url_list_parse (text->str, -1);
  sluice_window_add_urls (f->window, list, SLUICE_TASK_KIND_DOWNLOAD, f->dir);
  test_run_until_scheduler_idle (f->scheduler, 10000);

  columns = g_object_ref (gtk_column_view_get_columns (view));
  name_column = g_list_model_get_item (columns, 1);
  gtk_column_view_sort_by_column (view, name_column, GTK_SORT_ASCENDING);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(SluiceTask) task = g_list_model_get_item (view_model (f), i);
      g_autofree char *shown = sluice_format_name (task);

      g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_FAILED);
      g_assert_cmpstr (shown, ==, names[G_N_ELEMENTS (names) - 1 - i]);
    }
}

static void
test_details_pane (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SluiceTask) page = NULL;
  GtkSelectionModel *selection = gtk_column_view_get_model (sluice_window_get_column_view (f->window));

  page = test_window_add_urls (f, SLUICE_TASK_KIND_SCRAPE, "/html/scrape-normal.html", NULL);
  test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD, "/disposition?name=report-2026.pdf&size=250000",
            "/status/404", "/bytes/3000000", NULL);
  test_run_until_scheduler_idle (f->scheduler, 10000);

  gtk_selection_model_select_item (selection, 0, TRUE);
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (f->window), "Headings"), 5000);
  g_assert_true (test_ui_shows_text (GTK_WIDGET (f->window), sluice_task_get_title (page)));
  test_ui_save_screenshot (GTK_WIDGET (f->window), "screenshot-details.png");

  gtk_selection_model_select_item (selection, 1, TRUE);
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (f->window), "SHA-256"), 5000);
  test_ui_save_screenshot (GTK_WIDGET (f->window), "screenshot-details-download.png");
}

static gboolean
is_label_of (GtkWidget     *widget,
             gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0;
}

/* The text of the details pane's value beside key, or NULL. */
static char *
details_value (Fixture    *f,
               const char *key)
{
  GtkWidget *details = test_ui_find_of_type (GTK_WIDGET (f->window), SLUICE_TYPE_TASK_DETAILS);
  GtkWidget *key_label = details != NULL ? test_ui_find (details, is_label_of, key) : NULL;
  GtkWidget *grid;
  int row;

  if (key_label == NULL)
    return NULL;
  grid = gtk_widget_get_parent (key_label);
  gtk_grid_query_child (GTK_GRID (grid), key_label, NULL, &row, NULL, NULL);
  return g_strdup (gtk_label_get_label (GTK_LABEL (gtk_grid_get_child_at (GTK_GRID (grid), 1, row))));
}

/* A selected task that gets no data (connecting, stalled, waiting) still
 * shows its time going on in the details, as its row does, without taking
 * the keyboard focus away from the pane's buttons. */
static void
test_details_clock (Fixture       *f,
                    gconstpointer  data)
{
  GtkSelectionModel *selection = gtk_column_view_get_model (sluice_window_get_column_view (f->window));
  g_autoptr(SluiceTask) hanging = test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD, "/hang", NULL);
  g_autofree char *first = NULL;

  GtkWidget *copy;

  TEST_RUN_UNTIL (sluice_task_get_state (hanging) == SLUICE_TASK_STATE_CONNECTING, 5000);
  gtk_selection_model_select_item (selection, 0, TRUE);
  TEST_RUN_UNTIL ((first = details_value (f, "Elapsed")) != NULL, 5000);
  /* Someone on the keyboard is about to copy the URL meanwhile. */
  copy = test_ui_find_button (test_ui_find_of_type (GTK_WIDGET (f->window), SLUICE_TYPE_TASK_DETAILS), "Copy URL");
  g_assert_nonnull (copy);
  g_assert_true (gtk_widget_grab_focus (copy));
  TEST_RUN_UNTIL (({ g_autofree char *now = details_value (f, "Elapsed");
                     g_strcmp0 (now, first) != 0; }), 5000);
  g_assert_cmpint (sluice_task_get_state (hanging), ==, SLUICE_TASK_STATE_CONNECTING);
  /* The ticking changed the value in place: the button is still there,
   * focused. */
  g_assert_true (gtk_window_get_focus (GTK_WINDOW (f->window)) == copy);
  sluice_task_cancel (hanging);
}

/* From the empty page's "Add URLs…" button, the focus goes to the table
 * that takes its place, not to the next focusable widget (the "At once"
 * spin button, where arrow keys would change a saved setting). */
static void
test_focus_after_first_tasks (Fixture       *f,
                              gconstpointer  data)
{
  GtkWidget *add_button = test_ui_find (GTK_WIDGET (f->window), test_ui_is_shown_button, "_Add URLs…");
  GtkWidget *column_view = GTK_WIDGET (sluice_window_get_column_view (f->window));
  g_autoptr(SluiceTask) task = NULL;
  GtkWidget *focus;

  g_assert_nonnull (add_button);
  g_assert_true (gtk_widget_grab_focus (add_button));
  task = test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD, "/bytes/10", NULL);
  test_run_until_scheduler_idle (f->scheduler, 5000);
  test_ui_settle (100);

  focus = gtk_window_get_focus (GTK_WINDOW (f->window));
  g_assert_nonnull (focus);
  g_assert_true (focus == column_view || gtk_widget_is_ancestor (focus, column_view));
}

/* At the window's default size every column shows, the row actions
 * included (GTK 4.8's column view does not scroll sideways to a focused
 * button: one past the edge is out of the keyboard's sight). */
static void
test_default_size_shows_actions (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(GVariant) width = g_settings_get_default_value (settings, "window-width");
  g_autoptr(GVariant) height = g_settings_get_default_value (settings, "window-height");
  g_autoptr(SluiceTask) task = NULL;
  graphene_rect_t bounds;
  GtkWidget *cancel;

  gtk_window_set_default_size (GTK_WINDOW (f->window), g_variant_get_int32 (width), g_variant_get_int32 (height));
  task = test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD, "/hang", NULL);
  TEST_RUN_UNTIL (sluice_task_get_state (task) == SLUICE_TASK_STATE_CONNECTING, 5000);
  test_ui_settle (500);

  cancel = test_ui_find_button (GTK_WIDGET (f->window), "Cancel hang");
  g_assert_nonnull (cancel);
  g_assert_true (gtk_widget_compute_bounds (cancel, GTK_WIDGET (f->window), &bounds));
  g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=, gtk_widget_get_width (GTK_WIDGET (f->window)));
  sluice_task_cancel (task);
}

/* Whether the header bar's button for win.NAME can be used. */
static gboolean
action_enabled (Fixture    *f,
                const char *name)
{
  g_autofree char *id = g_strconcat (g_str_equal (name, "cancel-all") ? "cancel_all"
                                     : g_str_equal (name, "retry-failed") ? "retry" : "clear",
                                     "_button", NULL);

  return gtk_widget_get_sensitive (test_ui_get_by_id (f->window, id));
}

/* Cancel all, Retry failed and Clear finished can be used exactly when
 * they have something to do. */
static void
test_batch_actions_enabled (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(SluiceTask) hanging = NULL;

  g_assert_false (action_enabled (f, "cancel-all"));
  g_assert_false (action_enabled (f, "retry-failed"));
  g_assert_false (action_enabled (f, "clear-finished"));

  hanging = test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD, "/hang", NULL);
  TEST_RUN_UNTIL (action_enabled (f, "cancel-all"), 5000);
  g_assert_false (action_enabled (f, "retry-failed"));
  g_assert_false (action_enabled (f, "clear-finished"));

  sluice_scheduler_set_max_retries (f->scheduler, 0);
  test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD, "/status/404", NULL);
  sluice_task_cancel (hanging);
  test_run_until_scheduler_idle (f->scheduler, 5000);
  TEST_RUN_UNTIL (!action_enabled (f, "cancel-all"), 5000);
  g_assert_true (action_enabled (f, "retry-failed"));
  g_assert_true (action_enabled (f, "clear-finished"));
}

/* The throughput graph takes a bar a second, however often tasks change
 * state (which refreshes the header more often). */
static void
test_graph_a_bar_a_second (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(SluiceUrlList) list = NULL;
  SluiceThroughputGraph *graph = SLUICE_THROUGHPUT_GRAPH (test_ui_find_of_type (GTK_WIDGET (f->window),
                                                                                SLUICE_TYPE_THROUGHPUT_GRAPH));
  gint64 started = g_get_monotonic_time ();
  double seconds;

  /* Many short tasks one after another for a few seconds. */
  sluice_scheduler_set_max_concurrent (f->scheduler, 2);
  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *path = g_strdup_printf ("/slow/2000?rate=40000&n=%u", i);
      g_autofree char *url = test_server_url (f->server, path);

      g_string_append_printf (text, "%s\n", url);
    }
  list = sluice_url_list_parse (text->str, -1);
  sluice_window_add_urls (f->window, list, SLUICE_TASK_KIND_DOWNLOAD, f->dir);
  test_run_until_scheduler_idle (f->scheduler, 60000);
  seconds = (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC;

  g_test_message ("%u bars in %.1f s", sluice_throughput_graph_get_n_samples (graph), seconds);
  g_assert_cmpuint (sluice_throughput_graph_get_n_samples (graph), <=, (guint) seconds + 1);
}

/* The details pane offers what the row's actions column does (which the
 * pane itself can cover): cancel, retry, and open or show a saved file;
 * the focus follows from Cancel to Retry. */
static void
test_details_actions (Fixture       *f,
                      gconstpointer  data)
{
  GtkSelectionModel *selection = gtk_column_view_get_model (sluice_window_get_column_view (f->window));
  GtkWidget *details = test_ui_find_of_type (GTK_WIDGET (f->window), SLUICE_TYPE_TASK_DETAILS);
  g_autoptr(SluiceTask) hanging = test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD, "/hang", NULL);
  g_autoptr(SluiceTask) saved = test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD, "/bytes/100", NULL);
  GtkWidget *button;

  TEST_RUN_UNTIL (sluice_task_get_state (hanging) == SLUICE_TASK_STATE_CONNECTING &&
                  sluice_task_get_state (saved) == SLUICE_TASK_STATE_DONE, 5000);
  gtk_selection_model_select_item (selection, 0, TRUE);
  TEST_RUN_UNTIL ((button = test_ui_find (details, test_ui_is_shown_button, "_Cancel Task")) != NULL, 5000);
  g_assert_null (test_ui_find (details, test_ui_is_shown_button, "_Retry"));
  g_assert_true (gtk_widget_grab_focus (button));
  /* (Enter on a button: it clicks once its pressed look has shown.) */
  g_assert_true (gtk_widget_activate (button));
  TEST_RUN_UNTIL (sluice_task_get_state (hanging) == SLUICE_TASK_STATE_CANCELLED, 5000);
  TEST_RUN_UNTIL ((button = test_ui_find (details, test_ui_is_shown_button, "_Retry")) != NULL, 5000);
  g_assert_true (gtk_window_get_focus (GTK_WINDOW (f->window)) == button);
  g_assert_null (test_ui_find (details, test_ui_is_shown_button, "_Cancel Task"));
  g_assert_true (gtk_widget_activate (button));
  TEST_RUN_UNTIL (sluice_task_get_state (hanging) == SLUICE_TASK_STATE_CONNECTING, 5000);
  sluice_task_cancel (hanging);

  gtk_selection_model_select_item (selection, 1, TRUE);
  TEST_RUN_UNTIL (test_ui_find (details, test_ui_is_shown_button, "Open _File") != NULL, 5000);
  g_assert_nonnull (test_ui_find (details, test_ui_is_shown_button, "_Show in Folder"));
  g_assert_null (test_ui_find (details, test_ui_is_shown_button, "_Retry"));
  test_ui_assert_unique_mnemonics (GTK_WIDGET (f->window));
  test_ui_save_screenshot (GTK_WIDGET (f->window), "screenshot-details-actions.png");
}

/* A toast shows its text as it is, markup characters and all (a damaged
 * session's message names "<data>", file names have "&"). */
static void
test_toast_text (Fixture       *f,
                 gconstpointer  data)
{
  sluice_window_show_toast (f->window, "Could not read <data>:1:5 in “a & b.txt”");
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (f->window), "Could not read <data>:1:5 in “a & b.txt”"), 5000);
}

/* The notification's words for how a batch ended: every kind of ending
 * counted, and no "All" for a single task. */
static void
test_batch_outcome (Fixture       *f,
                    gconstpointer  data)
{
  const struct {
    guint done, failed, cancelled;
    const char *text;
  } cases[] = {
    { 12, 0, 0, "All 12 tasks done" },
    { 1, 0, 0, "The task is done" },
    { 3, 0, 2, "3 done · 2 cancelled" },
    { 40, 2, 0, "40 done · 2 failed" },
    { 0, 1, 1, "1 failed · 1 cancelled" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = sluice_format_batch_outcome (cases[i].done, cases[i].failed, cases[i].cancelled);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

/* A batch as a person would see it mid-way, for the README and the
 * software centre. */
static void
test_realistic_batch (Fixture       *f,
                      gconstpointer  data)
{
  sluice_scheduler_set_max_retries (f->scheduler, 0);
  sluice_scheduler_set_max_concurrent (f->scheduler, 6);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 760);
  test_window_add_urls (f, SLUICE_TASK_KIND_SCRAPE, "/html/scrape-normal.html", "/html/scrape-latin1.html", NULL);
  test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD,
            "/disposition?name=annual-report-2026.pdf&size=2400000",
            "/disposition?name=dataset-part1.csv.gz&size=1800000",
            "/status/404",
            "/slow/9000000?rate=900000&f=1", "/slow/12000000?rate=700000&f=2",
            "/slow/6000000?rate=1200000&f=3", "/slow/20000000?rate=500000&f=4",
            "/chunked/30000000?f=5", "/slow/8000000?rate=800000&f=6",
            "/slow/8000000?rate=800000&f=7", "/slow/8000000?rate=800000&f=8",
            "/slow/8000000?rate=800000&f=9", "/slow/8000000?rate=800000&f=10",
            "/slow/8000000?rate=800000&f=11", "/slow/8000000?rate=800000&f=12", NULL);
  /* (A wait, not a sleep: long enough for a loaded machine under ASan.) */
  TEST_RUN_UNTIL (sluice_scheduler_get_n_done (f->scheduler) >= 4 &&
                  sluice_scheduler_get_n_failed (f->scheduler) >= 1, 30000);
  /* Let speeds and the graph build up. */
  {
    gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    TEST_RUN_UNTIL (g_get_monotonic_time () >= until, 5000);
  }
  g_assert_cmpuint (sluice_scheduler_get_n_running (f->scheduler), >, 0);
  test_ui_save_screenshot (GTK_WIDGET (f->window), "screenshot-batch.png");
}

typedef struct {
  Fixture *f;
  guint    times;  /* the scheduler went idle while a list was going in */
} IdleWhileAdding;

static void
count_idle_while_adding (IdleWhileAdding *probe)
{
  if (!sluice_scheduler_get_busy (probe->f->scheduler) && sluice_window_get_adding (probe->f->window))
    probe->times++;
}

/* A long list goes in a slice at a time between frames: its first rows at
 * once, the rest soon after, in order, a second list after the first, and
 * one toast for each. */
static void
test_long_list_in_slices (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(SluiceUrlList) first = test_window_numbered_urls (f, "a", 1000);
  g_autoptr(SluiceUrlList) second = test_window_numbered_urls (f, "b", 300);
  g_autoptr(SluiceUrlList) third = test_window_numbered_urls (f, "c", 1000);
  IdleWhileAdding idle_while_adding = { f, 0 };
  guint n;

  /* The batch is not over while a list is still going in, however fast
   * its first tasks finish. */
  g_signal_connect_swapped (f->scheduler, "notify::busy", G_CALLBACK (count_idle_while_adding), &idle_while_adding);
  sluice_scheduler_set_max_concurrent (f->scheduler, 16);
  sluice_window_add_urls (f->window, first, SLUICE_TASK_KIND_DOWNLOAD, f->dir);
  n = g_list_model_get_n_items (G_LIST_MODEL (f->scheduler));
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (n, <, 1000);
  /* The engine has them; the table is shown them a few rows a frame. */
  g_assert_cmpuint (g_list_model_get_n_items (view_model (f)), >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (view_model (f)), <, n);
  g_assert_true (sluice_window_get_adding (f->window));
  /* Given while the first is still going in: it waits its turn. */
  sluice_window_add_urls (f->window, second, SLUICE_TASK_KIND_SCRAPE, f->dir);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->scheduler)), ==, n);

  TEST_RUN_UNTIL (!sluice_window_get_adding (f->window), 20000);
  g_signal_handlers_disconnect_by_data (f->scheduler, &idle_while_adding);
  g_assert_cmpuint (idle_while_adding.times, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->scheduler)), ==, 1300);
  for (guint i = 0; i < 1300; i++)
    {
      SluiceTask *task = task_at (f, i);
      g_autofree char *suffix = i < 1000 ? g_strdup_printf ("/bytes/64?a=%u", i)
                                         : g_strdup_printf ("/bytes/64?b=%u", i - 1000);

      g_assert_true (g_str_has_suffix (sluice_task_get_uri (task), suffix));
      g_assert_cmpint (sluice_task_get_kind (task), ==,
                       i < 1000 ? SLUICE_TASK_KIND_DOWNLOAD : SLUICE_TASK_KIND_SCRAPE);
    }
  /* After the first list's toast has had its time. */
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (f->window), "300 URLs added · 1 refused"), 20000);
  TEST_RUN_UNTIL (g_list_model_get_n_items (view_model (f)) == 1300, 20000);
  test_ui_save_screenshot (GTK_WIDGET (f->window), "screenshot-long-list.png");

  /* Cancel all also stops a list going in. */
  sluice_window_add_urls (f->window, third, SLUICE_TASK_KIND_DOWNLOAD, f->dir);
  g_assert_true (sluice_window_get_adding (f->window));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.cancel-all", NULL);
  g_assert_false (sluice_window_get_adding (f->window));
  n = g_list_model_get_n_items (G_LIST_MODEL (f->scheduler));
  g_assert_cmpuint (n, <, 2300);
  test_run_until_scheduler_idle (f->scheduler, 10000);
  test_ui_settle (200);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->scheduler)), ==, n);

  /* And so does closing the window (the fixture destroys it). */
  sluice_window_add_urls (f->window, third, SLUICE_TASK_KIND_DOWNLOAD, f->dir);
  g_assert_true (sluice_window_get_adding (f->window));
}

/* The first rows of a long list go in one chunk per frame; when the filter
 * hides them there is nothing new to paint, and they still all go in. */
static void
test_long_list_behind_a_filter (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(SluiceUrlList) list = test_window_numbered_urls (f, "f", 1000);

  sluice_scheduler_set_max_concurrent (f->scheduler, 16);
  sluice_window_set_filter (f->window, "failed");
  sluice_window_add_urls (f->window, list, SLUICE_TASK_KIND_DOWNLOAD, f->dir);
  g_assert_true (sluice_window_get_adding (f->window));
  TEST_RUN_UNTIL (!sluice_window_get_adding (f->window), 20000);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->scheduler)), ==, 1000);
  g_assert_cmpuint (g_list_model_get_n_items (view_model (f)), ==, 0);
  sluice_window_set_filter (f->window, "all");
}

/* After Clear finished leaves few rows built, the next long list is shown
 * to the table a few rows a frame again, not all at once. */
static void
test_reveal_again_after_clear (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(SluiceUrlList) first = test_window_numbered_urls (f, "r", 300);
  g_autoptr(SluiceUrlList) second = test_window_numbered_urls (f, "s", 300);

  sluice_scheduler_set_max_concurrent (f->scheduler, 16);
  sluice_window_add_urls (f->window, first, SLUICE_TASK_KIND_DOWNLOAD, f->dir);
  TEST_RUN_UNTIL (!sluice_window_get_adding (f->window), 20000);
  test_run_until_scheduler_idle (f->scheduler, 20000);
  TEST_RUN_UNTIL (g_list_model_get_n_items (view_model (f)) == 300, 20000);

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.clear-finished", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (view_model (f)), ==, 0);
  sluice_window_add_urls (f->window, second, SLUICE_TASK_KIND_DOWNLOAD, f->dir);
  TEST_RUN_UNTIL (!sluice_window_get_adding (f->window), 20000);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->scheduler)), ==, 300);
  g_assert_cmpuint (g_list_model_get_n_items (view_model (f)), <, 300);
  TEST_RUN_UNTIL (g_list_model_get_n_items (view_model (f)) == 300, 20000);
  test_run_until_scheduler_idle (f->scheduler, 20000);
}

/* A window made when its scheduler already holds a long list (a restored
 * session) is shown it a few rows a frame too, and then all of it. */
static void
test_reveal_list_already_there (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
  SluiceWindow *second;
  GListModel *shown;

  sluice_scheduler_set_max_concurrent (f->scheduler, 1);
  for (guint i = 0; i < 300; i++)
    g_ptr_array_add (urls, test_server_url (f->server, "/hang"));
  g_ptr_array_add (urls, NULL);
  g_assert_cmpuint (sluice_scheduler_add_many (f->scheduler, (const char * const *) urls->pdata,
                                               SLUICE_TASK_KIND_DOWNLOAD), ==, 300);

  second = sluice_window_new (f->app);
  gtk_window_present (GTK_WINDOW (second));
  shown = G_LIST_MODEL (gtk_column_view_get_model (sluice_window_get_column_view (second)));
  g_assert_cmpuint (g_list_model_get_n_items (shown), <, 300);
  /* Four rows a frame: some fifty frames, slow on a loaded machine. */
  TEST_RUN_UNTIL (g_list_model_get_n_items (shown) == 300, 20000);
  gtk_window_destroy (GTK_WINDOW (second));
  sluice_scheduler_cancel_all (f->scheduler);
  test_run_until_scheduler_idle (f->scheduler, 5000);
}

/* Cancel all says how many tasks it stopped, once the engine has. */
static void
test_cancel_all_toast (Fixture       *f,
                       gconstpointer  data)
{
  sluice_scheduler_set_max_concurrent (f->scheduler, 1);
  test_window_add_urls (f, SLUICE_TASK_KIND_DOWNLOAD, "/bytes/10", "/hang?a", "/hang?b", "/hang?c", NULL);
  TEST_RUN_UNTIL (sluice_scheduler_get_n_done (f->scheduler) == 1 &&
                  sluice_scheduler_get_n_running (f->scheduler) == 1, 5000);
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.cancel-all", NULL);
  g_assert_cmpuint (sluice_scheduler_get_n_cancelled (f->scheduler), ==, 3);
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (f->window), "3 tasks cancelled"), 5000);
  test_run_until_scheduler_idle (f->scheduler, 5000);
}

int
main (int    argc,
      char **argv)
{
  test_ui_init (&argc, &argv);

#define ADD(name, func) g_test_add ("/window/" name, Fixture, NULL, test_window_fixture_set_up, func, test_window_fixture_tear_down)
  ADD ("empty-state", test_empty_state);
  ADD ("five-rows-cancel-one", test_five_rows_cancel_one);
  ADD ("failure-reason-and-retry", test_failure_reason_and_retry);
  ADD ("filter-and-concurrency", test_filter_and_concurrency);
  ADD ("search", test_search);
  ADD ("sort-by-name", test_sort_by_name);
  ADD ("details-clock", test_details_clock);
  ADD ("details-actions", test_details_actions);
  ADD ("batch-outcome", test_batch_outcome);
  ADD ("toast-text", test_toast_text);
  ADD ("focus-after-first-tasks", test_focus_after_first_tasks);
  ADD ("default-size-shows-actions", test_default_size_shows_actions);
  ADD ("batch-actions-enabled", test_batch_actions_enabled);
  ADD ("graph-a-bar-a-second", test_graph_a_bar_a_second);
  ADD ("details-pane", test_details_pane);
  ADD ("long-list-in-slices", test_long_list_in_slices);
  ADD ("reveal-again-after-clear", test_reveal_again_after_clear);
  ADD ("reveal-list-already-there", test_reveal_list_already_there);
  ADD ("cancel-all-toast", test_cancel_all_toast);
  ADD ("long-list-behind-a-filter", test_long_list_behind_a_filter);
  ADD ("realistic-batch", test_realistic_batch);
#undef ADD

  return test_ui_run ();
}
