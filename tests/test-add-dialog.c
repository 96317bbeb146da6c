/* test-add-dialog.c: the Add URLs dialog parses as you paste
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "sluice-add-dialog.h"
#include "test-ui-utils.h"
#include "test-utils.h"

/* Helpers */

static GSettings *
new_settings (void)
{
  GSettings *settings = g_settings_new (APPLICATION_ID);

  /* The memory backend keeps values for the whole program. */
  g_settings_reset (settings, "default-kind");
  g_settings_reset (settings, "download-folder");

  return settings;
}

static void
wait_for_parse (SluiceAddDialog *dialog)
{
  TEST_RUN_UNTIL (!sluice_add_dialog_get_busy (dialog), 20000);
}

/* The texts of the labels in the refused-lines list, in order. */
static GPtrArray *
get_refused_texts (SluiceAddDialog *dialog)
{
  /* A collapsed expander keeps its child out of the widget tree. */
  GtkExpander *expander = GTK_EXPANDER (test_ui_get_by_id (dialog, "refused_expander"));
  GtkWidget *box = test_ui_find_by_id (gtk_expander_get_child (expander), "refused_box");
  GPtrArray *texts = g_ptr_array_new ();

  g_assert_nonnull (box);

  for (GtkWidget *child = gtk_widget_get_first_child (box);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    g_ptr_array_add (texts, (gpointer) gtk_label_get_text (GTK_LABEL (child)));

  return texts;
}

/* Summary and refused lines */

static const char mixed_text[] =
  "https://example.com/a.iso\n"
  "https://example.com/b.iso\n"
  "ftp://mirror.example.net/c.iso\n"
  "# a comment\n"
  "\n"
  "https://example.com/a.iso\n"
  "http://example.org/d.tar.gz\n";

static void
test_add_dialog_summary (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  SluiceAddDialog *dialog = sluice_add_dialog_new (NULL, settings);
  g_autoptr(GPtrArray) refused = NULL;
  SluiceUrlList *list;

  g_assert_cmpstr (sluice_add_dialog_get_summary (dialog), ==, "No URLs yet");
  g_assert_false (sluice_add_dialog_get_can_add (dialog));
  g_assert_null (sluice_add_dialog_get_url_list (dialog));

  sluice_add_dialog_set_text (dialog, mixed_text);
  g_assert_true (sluice_add_dialog_get_busy (dialog));
  wait_for_parse (dialog);

  g_assert_cmpstr (sluice_add_dialog_get_summary (dialog), ==, "3 URLs · 1 refused · 1 duplicate");
  g_assert_true (sluice_add_dialog_get_can_add (dialog));
  g_assert_true (gtk_widget_get_sensitive (test_ui_get_by_id (dialog, "add_button")));

  list = sluice_add_dialog_get_url_list (dialog);
  g_assert_nonnull (list);
  g_assert_cmpuint (sluice_url_list_get_n_urls (list), ==, 3);
  g_assert_cmpstr (sluice_url_list_get_url (list, 2), ==, "http://example.org/d.tar.gz");

  g_assert_true (gtk_widget_get_visible (test_ui_get_by_id (dialog, "refused_expander")));
  refused = get_refused_texts (dialog);
  g_assert_cmpuint (refused->len, ==, 1);
  g_assert_true (g_str_has_prefix (refused->pdata[0], "Line 3: "));
  g_assert_true (g_str_has_suffix (refused->pdata[0], " — ftp://mirror.example.net/c.iso"));

  /* Clearing the text goes back to the start. */
  sluice_add_dialog_set_text (dialog, "");
  wait_for_parse (dialog);
  g_assert_cmpstr (sluice_add_dialog_get_summary (dialog), ==, "No URLs yet");
  g_assert_false (sluice_add_dialog_get_can_add (dialog));
  g_assert_false (gtk_widget_get_visible (test_ui_get_by_id (dialog, "refused_expander")));
  g_assert_true (gtk_widget_get_visible (test_ui_get_by_id (dialog, "hint_label")));

  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_add_dialog_only_invalid (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  SluiceAddDialog *dialog = sluice_add_dialog_new (NULL, settings);
  g_autoptr(GPtrArray) refused = NULL;

  sluice_add_dialog_set_text (dialog,
                              "# nothing usable here\n"
                              "ftp://example.com/file\n"
                              "\n"
                              "example dot com\n");
  wait_for_parse (dialog);

  g_assert_cmpstr (sluice_add_dialog_get_summary (dialog), ==, "0 URLs · 2 refused");
  g_assert_false (sluice_add_dialog_get_can_add (dialog));
  g_assert_false (gtk_widget_get_sensitive (test_ui_get_by_id (dialog, "add_button")));

  refused = get_refused_texts (dialog);
  g_assert_cmpuint (refused->len, ==, 2);
  g_assert_true (g_str_has_prefix (refused->pdata[0], "Line 2: Only http and https"));
  g_assert_true (g_str_has_prefix (refused->pdata[1], "Line 4: "));
  g_assert_true (g_str_has_suffix (refused->pdata[1], "example dot com"));

  /* Add does nothing then, even when activated directly. */
  gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.add", NULL);
  g_assert_false (sluice_add_dialog_get_busy (dialog));

  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_add_dialog_many_refused (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  SluiceAddDialog *dialog = sluice_add_dialog_new (NULL, settings);
  g_autoptr(GString) text = g_string_new ("https://example.com/\n");
  g_autoptr(GPtrArray) refused = NULL;

  for (guint i = 0; i < 250; i++)
    g_string_append_printf (text, "gopher://example.com/%u\n", i);

  sluice_add_dialog_set_text (dialog, text->str);
  wait_for_parse (dialog);

  g_assert_cmpstr (sluice_add_dialog_get_summary (dialog), ==, "1 URL · 250 refused");
  refused = get_refused_texts (dialog);
  g_assert_cmpuint (refused->len, ==, 201);
  g_assert_true (g_str_has_prefix (refused->pdata[0], "Line 2: "));
  g_assert_true (g_str_has_prefix (refused->pdata[199], "Line 201: "));
  g_assert_cmpstr (refused->pdata[200], ==, "and 50 more");

  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* Kind and folder */

static void
test_add_dialog_kind (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  SluiceAddDialog *dialog;
  GtkToggleButton *download_button;
  GtkToggleButton *scrape_button;
  GtkWidget *folder_row;

  /* The default comes from the settings. */
  g_settings_set_enum (settings, "default-kind", SLUICE_TASK_KIND_SCRAPE);
  dialog = sluice_add_dialog_new (NULL, settings);
  download_button = GTK_TOGGLE_BUTTON (test_ui_get_by_id (dialog, "download_button"));
  scrape_button = GTK_TOGGLE_BUTTON (test_ui_get_by_id (dialog, "scrape_button"));
  folder_row = test_ui_get_by_id (dialog, "folder_row");

  g_assert_cmpint (sluice_add_dialog_get_kind (dialog), ==, SLUICE_TASK_KIND_SCRAPE);
  g_assert_true (gtk_toggle_button_get_active (scrape_button));
  g_assert_false (gtk_toggle_button_get_active (download_button));
  g_assert_false (gtk_widget_get_visible (folder_row));

  /* The buttons change the kind … */
  gtk_toggle_button_set_active (download_button, TRUE);
  g_assert_cmpint (sluice_add_dialog_get_kind (dialog), ==, SLUICE_TASK_KIND_DOWNLOAD);
  g_assert_false (gtk_toggle_button_get_active (scrape_button));
  g_assert_true (gtk_widget_get_visible (folder_row));

  /* … and the kind the buttons. */
  sluice_add_dialog_set_kind (dialog, SLUICE_TASK_KIND_SCRAPE);
  g_assert_true (gtk_toggle_button_get_active (scrape_button));
  g_assert_false (gtk_toggle_button_get_active (download_button));
  g_assert_false (gtk_widget_get_visible (folder_row));

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_settings_reset (settings, "default-kind");
}

static void
test_add_dialog_folder (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autofree char *tmp = test_make_temp_dir ();
  g_autofree char *expected = NULL;
  SluiceAddDialog *dialog;
  AdwActionRow *folder_row;

  /* Unset: the XDG download folder (or home). */
  dialog = sluice_add_dialog_new (NULL, settings);
  g_assert_true (g_path_is_absolute (sluice_add_dialog_get_directory (dialog)));
  gtk_window_destroy (GTK_WINDOW (dialog));

  g_settings_set_string (settings, "download-folder", tmp);
  dialog = sluice_add_dialog_new (NULL, settings);
  g_assert_cmpstr (sluice_add_dialog_get_directory (dialog), ==, tmp);

  folder_row = ADW_ACTION_ROW (test_ui_get_by_id (dialog, "folder_row"));
  expected = g_filename_display_name (tmp);
  g_assert_true (g_str_has_suffix (adw_action_row_get_subtitle (folder_row),
                                   strrchr (expected, '/')));

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_settings_reset (settings, "download-folder");
  test_remove_tree (tmp);
}

/* Adding */

typedef struct {
  guint           n_emitted;
  GStrv           urls;
  SluiceTaskKind  kind;
  char           *directory;
} AddRecord;

/* Destroyed, that is: GTK no longer holds it as a toplevel (the test's own
 * reference keeps the object). */
static gboolean
is_toplevel (gpointer window)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (toplevels, i);

      if (item == window)
        return TRUE;
    }

  return FALSE;
}

static void
add_cb (SluiceAddDialog *dialog,
        SluiceUrlList   *list,
        SluiceTaskKind   kind,
        const char      *directory,
        AddRecord       *record)
{
  record->n_emitted++;
  g_strfreev (record->urls);
  record->urls = g_strdupv ((char **) sluice_url_list_get_urls (list));
  record->kind = kind;
  g_free (record->directory);
  record->directory = g_strdup (directory);

  /* The dialog is still open while the window takes the URLs. */
  g_assert_true (is_toplevel (dialog));
}

static void
add_record_clear (AddRecord *record)
{
  g_clear_pointer (&record->urls, g_strfreev);
  g_clear_pointer (&record->directory, g_free);
}

static void
test_add_dialog_add (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autofree char *tmp = test_make_temp_dir ();
  g_autoptr(SluiceAddDialog) dialog = NULL;
  AddRecord record = { 0 };
  const char *expected[] = {
    "https://example.com/a.iso",
    "https://example.com/b.iso",
    "http://example.org/d.tar.gz",
    NULL
  };

  dialog = g_object_ref_sink (sluice_add_dialog_new (NULL, settings));
  g_signal_connect (dialog, "add", G_CALLBACK (add_cb), &record);
  test_ui_present_and_wait (GTK_WINDOW (dialog));

  sluice_add_dialog_set_text (dialog, mixed_text);
  sluice_add_dialog_set_directory (dialog, tmp);
  sluice_add_dialog_set_kind (dialog, SLUICE_TASK_KIND_DOWNLOAD);
  wait_for_parse (dialog);

  /* A realized button shows itself pressed for a moment, then clicks. */
  g_assert_true (gtk_widget_activate (test_ui_get_by_id (dialog, "add_button")));
  TEST_RUN_UNTIL (record.n_emitted > 0, 5000);

  g_assert_cmpuint (record.n_emitted, ==, 1);
  g_assert_cmpstrv (record.urls, expected);
  g_assert_cmpint (record.kind, ==, SLUICE_TASK_KIND_DOWNLOAD);
  g_assert_cmpstr (record.directory, ==, tmp);
  g_assert_false (is_toplevel (dialog));

  add_record_clear (&record);
  test_remove_tree (tmp);
}

/* Ctrl+Enter adds, from anywhere in the dialog: the shortcut runs in the
 * capture phase, before the text view would take the key for a newline. */
static void
test_add_dialog_shortcut (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autoptr(SluiceAddDialog) dialog = NULL;
  g_autoptr(GListModel) controllers = NULL;
  GtkShortcut *found = NULL;
  AddRecord record = { 0 };

  dialog = g_object_ref_sink (sluice_add_dialog_new (NULL, settings));
  g_signal_connect (dialog, "add", G_CALLBACK (add_cb), &record);

  controllers = gtk_widget_observe_controllers (GTK_WIDGET (dialog));
  for (guint i = 0; i < g_list_model_get_n_items (controllers) && found == NULL; i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller) ||
          gtk_event_controller_get_propagation_phase (controller) != GTK_PHASE_CAPTURE)
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          g_autofree char *trigger = gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (shortcut));

          if (g_strcmp0 (trigger, "<Control>Return|<Control>KP_Enter") == 0)
            found = shortcut;
        }
    }
  g_assert_nonnull (found);

  sluice_add_dialog_set_text (dialog, mixed_text);
  wait_for_parse (dialog);
  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (found), 0,
                                               GTK_WIDGET (dialog), NULL));
  g_assert_cmpuint (record.n_emitted, ==, 1);
  g_assert_cmpuint (g_strv_length (record.urls), ==, 3);

  add_record_clear (&record);
}

/* Add pressed (here Ctrl+Enter's action) before the debounced parse has
 * run adds what is in the box now, once it is parsed, not the previous
 * parse. */
static void
test_add_dialog_add_before_parse (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autoptr(SluiceAddDialog) dialog = NULL;
  AddRecord record = { 0 };
  const char *expected[] = { "https://example.net/new", NULL };

  dialog = g_object_ref_sink (sluice_add_dialog_new (NULL, settings));
  g_signal_connect (dialog, "add", G_CALLBACK (add_cb), &record);

  sluice_add_dialog_set_text (dialog, "https://example.net/old\n");
  wait_for_parse (dialog);
  sluice_add_dialog_set_kind (dialog, SLUICE_TASK_KIND_SCRAPE);
  sluice_add_dialog_set_text (dialog, "https://example.net/new\n");
  g_assert_true (sluice_add_dialog_get_busy (dialog));

  gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.add", NULL);
  g_assert_cmpuint (record.n_emitted, ==, 0);
  TEST_RUN_UNTIL (record.n_emitted > 0, 5000);

  g_assert_cmpuint (record.n_emitted, ==, 1);
  g_assert_cmpstrv (record.urls, expected);
  g_assert_cmpint (record.kind, ==, SLUICE_TASK_KIND_SCRAPE);
  g_assert_true (g_path_is_absolute (record.directory));
  g_assert_false (is_toplevel (dialog));

  test_ui_settle (300);
  g_assert_cmpuint (record.n_emitted, ==, 1);

  add_record_clear (&record);
}

static void
test_add_dialog_cancel (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autoptr(SluiceAddDialog) dialog = NULL;
  AddRecord record = { 0 };

  dialog = g_object_ref_sink (sluice_add_dialog_new (NULL, settings));
  g_signal_connect (dialog, "add", G_CALLBACK (add_cb), &record);
  test_ui_present_and_wait (GTK_WINDOW (dialog));

  /* Closed while a parse is pending or running. */
  sluice_add_dialog_set_text (dialog, mixed_text);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "window.close", NULL);

  g_assert_false (is_toplevel (dialog));
  g_assert_cmpuint (record.n_emitted, ==, 0);
  test_ui_settle (300);

  add_record_clear (&record);
}

/* The dialog opens ready to take URLs: typing goes into the text, empty or
 * already filled (from the clipboard, a file); no two of its buttons share
 * an Alt+letter. */
static void
test_add_dialog_focus_on_text (void)
{
  g_autoptr(GSettings) settings = new_settings ();

  for (guint filled = 0; filled < 2; filled++)
    {
      SluiceAddDialog *dialog = sluice_add_dialog_new (NULL, settings);
      GtkWidget *text_view = test_ui_get_by_id (dialog, "text_view");

      if (filled)
        sluice_add_dialog_set_text (dialog, mixed_text);
      test_ui_present_and_wait (GTK_WINDOW (dialog));
      TEST_RUN_UNTIL (gtk_window_get_focus (GTK_WINDOW (dialog)) != NULL, 5000);
      g_assert_true (gtk_window_get_focus (GTK_WINDOW (dialog)) == text_view);
      /* And Alt+letter reaches each button (refused lines shown, filled). */
      if (filled)
        {
          wait_for_parse (dialog);
          test_ui_settle (100);
          test_ui_assert_unique_mnemonics (GTK_WIDGET (dialog));
        }
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
}

/* Long texts */

static char *
make_url_lines (guint first,
                guint n_lines)
{
  GString *text = g_string_sized_new (n_lines * 48);

  for (guint i = first; i < first + n_lines; i++)
    g_string_append_printf (text, "https://files.example.com/batch/%06u/data.bin\n", i);

  return g_string_free (text, FALSE);
}

static void
test_add_dialog_long_text (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autofree char *text = make_url_lines (0, 20000);
  g_autofree char *more = make_url_lines (20000, 5);
  g_autofree char *copy = NULL;
  g_autofree char *shown = NULL;
  SluiceAddDialog *dialog = sluice_add_dialog_new (NULL, settings);
  GtkTextView *text_view = GTK_TEXT_VIEW (test_ui_get_by_id (dialog, "text_view"));
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (text_view);
  GtkWidget *preview_bar = test_ui_get_by_id (dialog, "preview_bar");
  GtkLabel *preview_label = GTK_LABEL (test_ui_get_by_id (dialog, "preview_label"));
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (text_view));
  GtkTextIter start, end;

  /* A short text is edited in place. */
  sluice_add_dialog_set_text (dialog, mixed_text);
  wait_for_parse (dialog);
  g_assert_true (gtk_text_view_get_editable (text_view));
  g_assert_false (gtk_widget_get_visible (preview_bar));

  /* A long one is kept by the dialog; the view shows its beginning. */
  sluice_add_dialog_set_text (dialog, text);
  wait_for_parse (dialog);
  g_assert_cmpstr (sluice_add_dialog_get_summary (dialog), ==, "20000 URLs");
  g_assert_false (gtk_text_view_get_editable (text_view));
  g_assert_true (gtk_widget_get_visible (preview_bar));
  g_assert_cmpstr (gtk_label_get_text (preview_label), ==,
                   "Showing the first 1000 of 20000 lines, too many to edit here. Pasting adds to the list.");
  g_assert_cmpint (gtk_text_buffer_get_line_count (buffer), ==, 1001);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  shown = gtk_text_buffer_get_text (buffer, &start, &end, TRUE);
  g_assert_true (g_str_has_prefix (text, shown));
  copy = sluice_add_dialog_dup_text (dialog);
  g_assert_cmpstr (copy, ==, text);

  /* Pasting appends. */
  gdk_clipboard_set_text (clipboard, "https://example.com/a\nhttps://example.com/a\nhttps://example.com/b");
  g_signal_emit_by_name (text_view, "paste-clipboard");
  TEST_RUN_UNTIL (g_strcmp0 (sluice_add_dialog_get_summary (dialog), "20002 URLs · 1 duplicate") == 0, 10000);

  /* Clear goes back to editing. */
  gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.clear", NULL);
  wait_for_parse (dialog);
  g_assert_cmpstr (sluice_add_dialog_get_summary (dialog), ==, "No URLs yet");
  g_assert_true (gtk_text_view_get_editable (text_view));
  g_assert_false (gtk_widget_get_visible (preview_bar));
  g_assert_true (gtk_widget_get_visible (test_ui_get_by_id (dialog, "hint_label")));

  /* A short paste goes into the view at the cursor … */
  gdk_clipboard_set_text (clipboard, more);
  g_signal_emit_by_name (text_view, "paste-clipboard");
  TEST_RUN_UNTIL (g_strcmp0 (sluice_add_dialog_get_summary (dialog), "5 URLs") == 0, 10000);
  g_assert_true (gtk_text_view_get_editable (text_view));
  g_clear_pointer (&copy, g_free);
  copy = sluice_add_dialog_dup_text (dialog);
  g_assert_cmpstr (copy, ==, more);

  /* … and a long one into the dialog's copy, around what was there. */
  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_place_cursor (buffer, &start);
  gdk_clipboard_set_text (clipboard, text);
  g_signal_emit_by_name (text_view, "paste-clipboard");
  TEST_RUN_UNTIL (g_strcmp0 (sluice_add_dialog_get_summary (dialog), "20005 URLs") == 0, 10000);
  g_assert_false (gtk_text_view_get_editable (text_view));
  g_clear_pointer (&copy, g_free);
  copy = sluice_add_dialog_dup_text (dialog);
  g_assert_true (g_str_has_prefix (copy, text));
  g_assert_true (g_str_has_suffix (copy, more));

  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_add_dialog_not_utf8 (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  SluiceAddDialog *dialog = sluice_add_dialog_new (NULL, settings);
  g_autoptr(GPtrArray) refused = NULL;

  /* Kept as is, so the parser can say which line is broken. */
  sluice_add_dialog_set_text (dialog, "https://example.com/ok\nhttps://example.com/\xff\xfe\n");
  wait_for_parse (dialog);

  g_assert_cmpstr (sluice_add_dialog_get_summary (dialog), ==, "1 URL · 1 refused");
  refused = get_refused_texts (dialog);
  g_assert_cmpuint (refused->len, ==, 1);
  g_assert_true (g_str_has_prefix (refused->pdata[0], "Line 2: Not valid UTF-8"));
  g_assert_true (gtk_widget_get_visible (test_ui_get_by_id (dialog, "preview_bar")));

  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* GTK 4.8 keeps the cursor blinking for a while after the view loses the
 * focus, and aborts (blink_cb: cursor_visible) if the cursor is hidden
 * meanwhile: a long text arriving while another widget has the focus, or
 * the window is in the background, must not do that. */
static void
test_add_dialog_read_only_unfocused (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autofree char *text = make_url_lines (0, 20000);
  SluiceAddDialog *dialog = sluice_add_dialog_new (NULL, settings);
  GtkWidget *text_view = test_ui_get_by_id (dialog, "text_view");
  GtkWidget *folder_button = test_ui_get_by_id (dialog, "folder_button");

  g_object_set (gtk_widget_get_settings (text_view), "gtk-cursor-blink", TRUE, NULL);
  test_ui_present_and_wait (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (text_view);
  TEST_RUN_UNTIL (gtk_widget_has_focus (text_view), 5000);
  test_ui_settle (100);

  /* The focus moves on; the view still blinks. */
  gtk_widget_grab_focus (folder_button);
  g_assert_false (gtk_widget_has_focus (text_view));
  sluice_add_dialog_set_text (dialog, text);
  wait_for_parse (dialog);
  g_assert_false (gtk_text_view_get_editable (GTK_TEXT_VIEW (text_view)));
  /* Frames go by: the blink would run now. */
  test_ui_settle (600);

  /* Back in the view, a read-only text shows no cursor. */
  gtk_widget_grab_focus (text_view);
  TEST_RUN_UNTIL (!gtk_text_view_get_cursor_visible (GTK_TEXT_VIEW (text_view)), 5000);
  test_ui_settle (300);

  /* And editing again brings it back, focused or not. */
  gtk_widget_grab_focus (folder_button);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.clear", NULL);
  wait_for_parse (dialog);
  g_assert_true (gtk_text_view_get_editable (GTK_TEXT_VIEW (text_view)));
  g_assert_true (gtk_text_view_get_cursor_visible (GTK_TEXT_VIEW (text_view)));
  test_ui_settle (300);

  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* 100 000 lines: how long the main loop stops */

typedef struct {
  gint64 last;
  gint64 max_gap;
} StallProbe;

static gboolean
probe_tick_cb (gpointer user_data)
{
  StallProbe *probe = user_data;
  gint64 now = g_get_monotonic_time ();

  if (probe->last != 0)
    probe->max_gap = MAX (probe->max_gap, now - probe->last);
  probe->last = now;

  return G_SOURCE_CONTINUE;
}

static void
probe_reset (StallProbe *probe)
{
  probe->last = g_get_monotonic_time ();
  probe->max_gap = 0;
}

typedef struct {
  GtkTextBuffer *buffer;
  guint          n_typed;
} Typist;

static gboolean
type_one_cb (gpointer user_data)
{
  Typist *typist = user_data;

  gtk_text_buffer_insert_interactive_at_cursor (typist->buffer, "x", 1, TRUE);
  typist->n_typed++;

  return typist->n_typed < 10 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
test_add_dialog_large (void)
{
  const guint n_lines = 100000;
  const guint n_editable = 9999;
  g_autoptr(GSettings) settings = new_settings ();
  g_autofree char *text = make_url_lines (0, n_lines);
  g_autofree char *editable_text = make_url_lines (0, n_editable);
  g_autofree char *expected = g_strdup_printf ("%u URLs", n_lines);
  g_autofree char *expected_typed = g_strdup_printf ("%u URLs · 1 refused", n_editable);
  SluiceAddDialog *dialog = sluice_add_dialog_new (NULL, settings);
  GtkWidget *text_view = test_ui_get_by_id (dialog, "text_view");
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view));
  GdkClipboard *clipboard = gtk_widget_get_clipboard (text_view);
  StallProbe probe = { 0 };
  Typist typist = { buffer, 0 };
  GtkTextIter end;
  gint64 start, call_us, summary_us;
  int preview_height;
  guint probe_id;

  gtk_window_set_default_size (GTK_WINDOW (dialog), 640, 600);
  test_ui_present_and_wait (GTK_WINDOW (dialog));
  test_ui_settle (200);
  probe_id = g_timeout_add (1, probe_tick_cb, &probe);

  /* sluice_add_dialog_set_text (), as the window does with a dropped list */
  probe_reset (&probe);
  start = g_get_monotonic_time ();
  sluice_add_dialog_set_text (dialog, text);
  call_us = g_get_monotonic_time () - start;
  TEST_RUN_UNTIL (g_strcmp0 (sluice_add_dialog_get_summary (dialog), expected) == 0, 30000);
  summary_us = g_get_monotonic_time () - start;
  test_ui_settle (1000);
  g_test_message ("set_text, %u lines (%zu bytes): the call %.1f ms; summary “%s” after %.1f ms; "
                  "max main-loop stall %.1f ms",
                  n_lines, strlen (text), call_us / 1000.0,
                  sluice_add_dialog_get_summary (dialog), summary_us / 1000.0,
                  probe.max_gap / 1000.0);

  /* Ctrl+V into the empty dialog */
  gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.clear", NULL);
  wait_for_parse (dialog);
  test_ui_settle (200);
  gdk_clipboard_set_text (clipboard, text);
  probe_reset (&probe);
  start = g_get_monotonic_time ();
  g_signal_emit_by_name (text_view, "paste-clipboard");
  TEST_RUN_UNTIL (g_strcmp0 (sluice_add_dialog_get_summary (dialog), expected) == 0, 30000);
  summary_us = g_get_monotonic_time () - start;
  test_ui_settle (1000);
  g_test_message ("paste, %u lines: summary after %.1f ms; max main-loop stall %.1f ms",
                  n_lines, summary_us / 1000.0, probe.max_gap / 1000.0);
  g_assert_true (sluice_add_dialog_get_can_add (dialog));
  preview_height = gtk_widget_get_height (gtk_widget_get_parent (text_view));

  /* Typing at the end of the longest text still edited in the view, a key
   * every 50 ms */
  sluice_add_dialog_set_text (dialog, editable_text);
  g_assert_true (gtk_text_view_get_editable (GTK_TEXT_VIEW (text_view)));
  wait_for_parse (dialog);
  test_ui_settle (1000);
  /* The notice about long texts covers the view and never resizes it:
   * resizing a GtkTextView with thousands of lines still to lay out makes
   * it lay out all of them in every frame (300 ms each here). */
  g_assert_cmpint (gtk_widget_get_height (gtk_widget_get_parent (text_view)), ==, preview_height);
  gtk_widget_grab_focus (text_view);
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_place_cursor (buffer, &end);
  probe_reset (&probe);
  start = g_get_monotonic_time ();
  g_timeout_add (50, type_one_cb, &typist);
  TEST_RUN_UNTIL (typist.n_typed == 10, 30000);
  TEST_RUN_UNTIL (g_strcmp0 (sluice_add_dialog_get_summary (dialog), expected_typed) == 0, 30000);
  g_test_message ("typing 10 keys into %u lines: max main-loop stall %.1f ms; "
                  "summary after %.1f ms",
                  n_editable, probe.max_gap / 1000.0,
                  (g_get_monotonic_time () - start) / 1000.0);

  g_source_remove (probe_id);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* What the dialog avoids: a plain GtkTextView given all 100 000 lines.
 * Only with -m slow (or -m thorough); it takes a while. */
static void
test_add_dialog_large_baseline (void)
{
  const guint n_lines = 100000;
  g_autofree char *text = make_url_lines (0, n_lines);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *text_view = gtk_text_view_new ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view));
  GdkClipboard *clipboard = gtk_widget_get_clipboard (text_view);
  StallProbe probe = { 0 };
  g_autofree char *copy = NULL;
  GtkTextIter start_iter, end_iter;
  gint64 start, call_us;
  guint probe_id;

  if (!g_test_slow ())
    {
      g_test_skip ("a measurement; run with -m slow");
      return;
    }

  gtk_text_view_set_monospace (GTK_TEXT_VIEW (text_view), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), text_view);
  gtk_window_set_child (GTK_WINDOW (window), scroller);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 600);
  test_ui_present_and_wait (GTK_WINDOW (window));
  test_ui_settle (200);
  probe_id = g_timeout_add (1, probe_tick_cb, &probe);

  start = g_get_monotonic_time ();
  gtk_text_buffer_set_text (buffer, text, -1);
  call_us = g_get_monotonic_time () - start;
  probe_reset (&probe);
  test_ui_settle (3000);
  g_test_message ("baseline: gtk_text_buffer_set_text, %u lines: %.1f ms; then max stall %.1f ms",
                  n_lines, call_us / 1000.0, probe.max_gap / 1000.0);

  gtk_text_buffer_get_bounds (buffer, &start_iter, &end_iter);
  start = g_get_monotonic_time ();
  copy = gtk_text_buffer_get_text (buffer, &start_iter, &end_iter, TRUE);
  g_test_message ("baseline: gtk_text_buffer_get_text, %u lines: %.1f ms",
                  n_lines, (g_get_monotonic_time () - start) / 1000.0);

  gtk_text_buffer_set_text (buffer, "", 0);
  test_ui_settle (500);
  gdk_clipboard_set_text (clipboard, text);
  probe_reset (&probe);
  start = g_get_monotonic_time ();
  g_signal_emit_by_name (text_view, "paste-clipboard");
  TEST_RUN_UNTIL (gtk_text_buffer_get_line_count (buffer) > (int) n_lines, 30000);
  call_us = g_get_monotonic_time () - start;
  test_ui_settle (3000);
  g_test_message ("baseline: paste, %u lines: in the buffer after %.1f ms; max stall %.1f ms",
                  n_lines, call_us / 1000.0, probe.max_gap / 1000.0);

  g_source_remove (probe_id);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Screenshots */

static void
test_add_dialog_screenshot (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autofree char *folder = g_build_filename (g_get_home_dir (), "Downloads", "Talks", NULL);
  g_autofree char *long_text = make_url_lines (0, 20000);
  SluiceAddDialog *dialog;

  g_settings_set_string (settings, "download-folder", folder);
  dialog = sluice_add_dialog_new (NULL, settings);
  gtk_window_set_default_size (GTK_WINDOW (dialog), 640, 600);
  test_ui_present_and_wait (GTK_WINDOW (dialog));
  test_ui_settle (300);
  test_ui_save_screenshot (GTK_WIDGET (dialog), "add-dialog-empty.png");

  sluice_add_dialog_set_text (dialog,
                              "# Conference recordings, day 2\n"
                              "https://media.example.org/talks/2024/opening-keynote.webm\n"
                              "https://media.example.org/talks/2024/gtk-rendering-deep-dive.webm\n"
                              "https://media.example.org/talks/2024/accessibility-in-practice.webm\n"
                              "media.example.org/talks/2024/lightning-talks.webm\n"
                              "https://media.example.org/talks/2024/opening-keynote.webm\n"
                              "https://cdn.example.net/slides/rendering.pdf\n"
                              "ftp://archive.example.net/pub/talks/2023-recap.tar.gz\n"
                              "https://cdn.example.net/slides/accessibility.pdf\n"
                              "\n"
                              "https://cdn.example.net/slides/closing remarks.pdf\n"
                              "http://example.com:8080/schedule.ics\n");
  wait_for_parse (dialog);
  gtk_expander_set_expanded (GTK_EXPANDER (test_ui_get_by_id (dialog, "refused_expander")), TRUE);
  test_ui_settle (500);

  test_ui_save_screenshot (GTK_WIDGET (dialog), "add-dialog.png");

  sluice_add_dialog_set_kind (dialog, SLUICE_TASK_KIND_SCRAPE);
  sluice_add_dialog_set_text (dialog, long_text);
  wait_for_parse (dialog);
  test_ui_settle (500);
  test_ui_save_screenshot (GTK_WIDGET (dialog), "add-dialog-long.png");

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_settings_reset (settings, "download-folder");
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/add-dialog/summary", test_add_dialog_summary);
  g_test_add_func ("/add-dialog/only-invalid", test_add_dialog_only_invalid);
  g_test_add_func ("/add-dialog/many-refused", test_add_dialog_many_refused);
  g_test_add_func ("/add-dialog/kind", test_add_dialog_kind);
  g_test_add_func ("/add-dialog/folder", test_add_dialog_folder);
  g_test_add_func ("/add-dialog/add", test_add_dialog_add);
  g_test_add_func ("/add-dialog/shortcut", test_add_dialog_shortcut);
  g_test_add_func ("/add-dialog/add-before-parse", test_add_dialog_add_before_parse);
  g_test_add_func ("/add-dialog/cancel", test_add_dialog_cancel);
  g_test_add_func ("/add-dialog/focus-on-text", test_add_dialog_focus_on_text);
  g_test_add_func ("/add-dialog/long-text", test_add_dialog_long_text);
  g_test_add_func ("/add-dialog/not-utf8", test_add_dialog_not_utf8);
  g_test_add_func ("/add-dialog/read-only-unfocused", test_add_dialog_read_only_unfocused);
  g_test_add_func ("/add-dialog/large", test_add_dialog_large);
  g_test_add_func ("/add-dialog/large-baseline", test_add_dialog_large_baseline);
  g_test_add_func ("/add-dialog/screenshot", test_add_dialog_screenshot);

  return g_test_run ();
}
