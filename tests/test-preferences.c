/* test-preferences.c: the preferences window edits the settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "sluice-preferences-window.h"
#include "sluice-task.h"
#include "test-ui-utils.h"
#include "test-utils.h"

static GSettings *
new_settings (void)
{
  GSettings *settings = g_settings_new (APPLICATION_ID);
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  /* The memory backend keeps values for the whole program. */
  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);

  return settings;
}

static void
test_preferences_opens (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  SluicePreferencesWindow *window = sluice_preferences_window_new (NULL, settings);

  /* Tall enough for the screenshot to show every row. */
  gtk_window_set_default_size (GTK_WINDOW (window), 600, 980);
  test_ui_present_and_wait (GTK_WINDOW (window));
  test_ui_settle (500);

  /* The widgets show the defaults. */
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (test_ui_get_by_id (window, "max_concurrent_spin"))), ==, 8);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (test_ui_get_by_id (window, "max_per_host_spin"))), ==, 6);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (test_ui_get_by_id (window, "timeout_spin"))), ==, 30);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (test_ui_get_by_id (window, "max_retries_spin"))), ==, 3);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (test_ui_get_by_id (window, "notify_switch"))));
  g_assert_false (gtk_widget_get_visible (test_ui_get_by_id (window, "reset_folder_button")));

  test_ui_save_screenshot (GTK_WIDGET (window), "preferences.png");

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_preferences_spin_binding (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  SluicePreferencesWindow *window = sluice_preferences_window_new (NULL, settings);
  GtkSpinButton *spin = GTK_SPIN_BUTTON (test_ui_get_by_id (window, "max_concurrent_spin"));
  GtkSpinButton *rate_spin = GTK_SPIN_BUTTON (test_ui_get_by_id (window, "requests_per_second_spin"));

  /* Widget → key */
  gtk_spin_button_set_value (spin, 32);
  g_assert_cmpuint (g_settings_get_uint (settings, "max-concurrent"), ==, 32);

  /* Key → widget */
  g_settings_set_uint (settings, "max-concurrent", 3);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 3);

  /* The range is the schema's. */
  gtk_spin_button_set_value (spin, 1000);
  g_assert_cmpuint (g_settings_get_uint (settings, "max-concurrent"), ==, 256);

  gtk_spin_button_set_value (rate_spin, 2.5);
  g_assert_cmpfloat (g_settings_get_double (settings, "requests-per-second"), ==, 2.5);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_preferences_speed_limit (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  SluicePreferencesWindow *window = sluice_preferences_window_new (NULL, settings);
  GtkSpinButton *spin = GTK_SPIN_BUTTON (test_ui_get_by_id (window, "speed_limit_spin"));

  g_assert_cmpfloat (gtk_spin_button_get_value (spin), ==, 0.0);

  /* kB/s in the window, bytes per second in the key */
  gtk_spin_button_set_value (spin, 500);
  g_assert_cmpuint (g_settings_get_uint64 (settings, "max-bytes-per-second"), ==, 500000);

  g_settings_set_uint64 (settings, "max-bytes-per-second", 2000000);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 2000);

  gtk_spin_button_set_value (spin, 0);
  g_assert_cmpuint (g_settings_get_uint64 (settings, "max-bytes-per-second"), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_preferences_default_kind (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  SluicePreferencesWindow *window = sluice_preferences_window_new (NULL, settings);
  AdwComboRow *row = ADW_COMBO_ROW (test_ui_get_by_id (window, "default_kind_row"));

  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 0);

  adw_combo_row_set_selected (row, 1);
  g_assert_cmpint (g_settings_get_enum (settings, "default-kind"), ==, SLUICE_TASK_KIND_SCRAPE);

  g_settings_set_enum (settings, "default-kind", SLUICE_TASK_KIND_DOWNLOAD);
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 0);

  /* The switch too */
  gtk_switch_set_active (GTK_SWITCH (test_ui_get_by_id (window, "notify_switch")), FALSE);
  g_assert_false (g_settings_get_boolean (settings, "notify-when-done"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_preferences_folder (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autofree char *tmp = test_make_temp_dir ();
  g_autofree char *folder = NULL;
  SluicePreferencesWindow *window = sluice_preferences_window_new (NULL, settings);
  AdwActionRow *row = ADW_ACTION_ROW (test_ui_get_by_id (window, "folder_row"));
  GtkWidget *reset_button = test_ui_get_by_id (window, "reset_folder_button");

  folder = sluice_preferences_dup_download_folder (settings);
  g_assert_true (g_path_is_absolute (folder));
  g_assert_true (g_str_has_suffix (adw_action_row_get_subtitle (row), "(default)"));

  g_settings_set_string (settings, "download-folder", tmp);
  g_assert_false (g_str_has_suffix (adw_action_row_get_subtitle (row), "(default)"));
  g_assert_true (g_str_has_suffix (adw_action_row_get_subtitle (row), strrchr (tmp, '/')));
  g_assert_true (gtk_widget_get_visible (reset_button));
  g_clear_pointer (&folder, g_free);
  folder = sluice_preferences_dup_download_folder (settings);
  g_assert_cmpstr (folder, ==, tmp);

  /* A button clicks only when realized, and after showing itself pressed. */
  test_ui_present_and_wait (GTK_WINDOW (window));
  g_assert_true (gtk_widget_activate (reset_button));
  TEST_RUN_UNTIL (!gtk_widget_get_visible (reset_button), 5000);
  g_clear_pointer (&folder, g_free);
  folder = g_settings_get_string (settings, "download-folder");
  g_assert_cmpstr (folder, ==, "");
  g_assert_false (gtk_widget_get_visible (reset_button));

  gtk_window_destroy (GTK_WINDOW (window));
  test_remove_tree (tmp);
}

static void
test_preferences_format_folder (void)
{
  g_autofree char *home = sluice_preferences_format_folder (g_get_home_dir ());
  g_autofree char *sub = g_build_filename (g_get_home_dir (), "Downloads", NULL);
  g_autofree char *sub_shown = sluice_preferences_format_folder (sub);
  g_autofree char *other = sluice_preferences_format_folder ("/srv/data");

  g_assert_cmpstr (home, ==, "~");
  g_assert_cmpstr (sub_shown, ==, "~/Downloads");
  g_assert_cmpstr (other, ==, "/srv/data");
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/preferences/opens", test_preferences_opens);
  g_test_add_func ("/preferences/spin-binding", test_preferences_spin_binding);
  g_test_add_func ("/preferences/speed-limit", test_preferences_speed_limit);
  g_test_add_func ("/preferences/default-kind", test_preferences_default_kind);
  g_test_add_func ("/preferences/folder", test_preferences_folder);
  g_test_add_func ("/preferences/format-folder", test_preferences_format_folder);

  return g_test_run ();
}
