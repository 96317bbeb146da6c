/* test-drop.c: dropping text, a URI list and text files onto the window
 *
 * The drop is delivered to the window's own GtkDropTarget as GTK delivers
 * it after a drag ends (the "drop" signal with the deserialized value):
 * Xvfb has no second client to drag from.  What it checks is what Sluice
 * does with it: the Add dialog opens with the dropped URLs, nothing starts
 * before the person confirms, and a drop with nothing usable is refused.
 * (Under ASan without the leak check: see tests/meson.build.)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sluice-add-dialog.h"
#include "sluice-window.h"
#include "test-ui-utils.h"
#include "test-utils.h"

typedef TestWindowFixture Fixture;

static GtkDropTarget *
window_drop_target (SluiceWindow *window)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        return GTK_DROP_TARGET (controller);  /* the window keeps it */
    }
  g_assert_not_reached ();
}

static gboolean
is_shown_add_dialog (GtkWindow     *window,
                     gconstpointer  data)
{
  return SLUICE_IS_ADD_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window));
}

static SluiceAddDialog *
find_add_dialog (void)
{
  return SLUICE_ADD_DIALOG (test_ui_find_toplevel (is_shown_add_dialog, NULL));
}

/* Emits "drop" as GTK does when the drag ends over the window. */
static gboolean
drop_value (Fixture      *f,
            const GValue *value)
{
  GtkDropTarget *target = window_drop_target (f->window);
  GType types[] = { G_VALUE_TYPE (value) };
  gboolean accepted = FALSE;
  gsize n_types = 0;
  const GType *accepted_types = gtk_drop_target_get_gtypes (target, &n_types);
  gboolean listed = FALSE;

  /* Only types the target asks for ever reach it. */
  for (gsize i = 0; i < n_types; i++)
    listed |= accepted_types[i] == types[0];
  g_assert_true (listed);
  g_assert_true (gdk_drag_action_is_unique (gtk_drop_target_get_actions (target)));

  g_signal_emit_by_name (target, "drop", value, 100.0, 100.0, &accepted);
  return accepted;
}

static void
close_add_dialog (void)
{
  SluiceAddDialog *dialog = find_add_dialog ();

  if (dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (dialog));
  TEST_RUN_UNTIL (find_add_dialog () == NULL, 5000);
}

/* Plain text (from a browser's address bar or an editor). */
static void
test_drop_text (Fixture       *f,
                gconstpointer  data)
{
  g_auto(GValue) value = G_VALUE_INIT;
  SluiceAddDialog *dialog;
  g_autofree char *text = NULL;


  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "https://example.org/a.iso\nhttps://example.org/b.iso\nftp://example.org/c\n");
  g_assert_true (drop_value (f, &value));

  TEST_RUN_UNTIL ((dialog = find_add_dialog ()) != NULL, 5000);
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (dialog), "2 URLs · 1 refused"), 5000);
  text = sluice_add_dialog_dup_text (dialog);
  g_assert_cmpstr (text, ==, "https://example.org/a.iso\nhttps://example.org/b.iso\nftp://example.org/c\n");
  /* Nothing runs until the person says Add. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->scheduler)), ==, 0);
  close_add_dialog ();
}

/* A text/uri-list (links dragged from a browser) arrives as a file list of
 * http(s) URIs; a text file dragged from Files adds its lines.  Then Add
 * runs them against the loopback server. */
static void
test_drop_uri_list_and_file (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *list_path = g_build_filename (f->dir, "more urls.txt", NULL);
  g_autofree char *in_file = test_server_url (f->server, "/bytes/300");
  g_autofree char *dragged = test_server_url (f->server, "/bytes/200");
  g_autofree char *contents = g_strdup_printf ("# saved links\n%s\n", in_file);
  g_autoptr(GFile) link = g_file_new_for_uri (dragged);
  g_autoptr(GFile) list_file = g_file_new_for_path (list_path);
  g_autoptr(GSList) files = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  SluiceAddDialog *dialog;


  g_assert_true (g_file_set_contents (list_path, contents, -1, NULL));
  files = g_slist_append (files, link);
  files = g_slist_append (files, list_file);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_list (files));
  g_assert_true (drop_value (f, &value));

  TEST_RUN_UNTIL ((dialog = find_add_dialog ()) != NULL, 5000);
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (dialog), "2 URLs"), 5000);
  sluice_add_dialog_set_kind (dialog, SLUICE_TASK_KIND_DOWNLOAD);
  sluice_add_dialog_set_directory (dialog, f->dir);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.add", NULL);
  TEST_RUN_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (f->scheduler)) == 2, 5000);
  test_run_until_scheduler_idle (f->scheduler, 10000);
  g_assert_cmpuint (sluice_scheduler_get_n_done (f->scheduler), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(SluiceTask) task = g_list_model_get_item (G_LIST_MODEL (f->scheduler), i);

      g_assert_cmpstr (sluice_task_get_uri (task), ==, i == 0 ? dragged : in_file);
      g_assert_cmpint (sluice_task_get_bytes_received (task), ==, i == 0 ? 200 : 300);
    }
  close_add_dialog ();
}

/* Files that are not text, and an empty drop, are refused: no dialog. */
static void
test_drop_refused (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *binary_path = g_build_filename (f->dir, "image.png", NULL);
  /* A PNG's signature and the start of its first chunk. */
  static const char binary[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
  g_autoptr(GFile) binary_file = g_file_new_for_path (binary_path);
  g_autoptr(GFile) missing = g_file_new_for_path ("/nonexistent/urls.txt");
  g_autoptr(GSList) files = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  g_auto(GValue) empty = G_VALUE_INIT;


  g_assert_true (g_file_set_contents (binary_path, binary, sizeof binary - 1, NULL));
  files = g_slist_append (files, binary_file);
  files = g_slist_append (files, missing);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_list (files));
  g_assert_false (drop_value (f, &value));

  g_value_init (&empty, G_TYPE_STRING);
  g_value_set_string (&empty, "");
  g_assert_false (drop_value (f, &empty));

  test_ui_settle (200);
  g_assert_null (find_add_dialog ());
}

int
main (int    argc,
      char **argv)
{
  test_ui_init (&argc, &argv);

  g_test_add ("/drop/text", Fixture, NULL, test_window_fixture_set_up, test_drop_text, test_window_fixture_tear_down);
  g_test_add ("/drop/uri-list-and-file", Fixture, NULL, test_window_fixture_set_up, test_drop_uri_list_and_file, test_window_fixture_tear_down);
  g_test_add ("/drop/refused", Fixture, NULL, test_window_fixture_set_up, test_drop_refused, test_window_fixture_tear_down);

  return test_ui_run ();
}
