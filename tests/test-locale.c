/* test-locale.c: the real window, in German
 *
 * Runs under de_DE.UTF-8 with the text domain bound to the catalogues
 * built in this build tree (po/<lang>/LC_MESSAGES/sluice.mo), builds the
 * window as the application does and checks that a person sees German.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "sluice-window.h"
#include "test-ui-utils.h"
#include "test-utils.h"

#define LOCALE "de_DE.UTF-8"

/* What the German catalogue says for strings the window shows. */
#define EMPTY_TITLE_EN "Paste or Drop URLs to Begin"
#define EMPTY_TITLE_DE "Zum Beginnen URLs einfügen oder ablegen"
#define ADD_BUTTON_DE  "URLs _hinzufügen …"

static const char *locale_problem;

/* A missing locale is a machine that was not set up, not a passing test:
 * skip and say how to fix it; on CI (which sets it up) fail instead. */
static gboolean
locale_unavailable (void)
{
  if (locale_problem == NULL)
    return FALSE;
  if (g_getenv ("CI") != NULL && *g_getenv ("CI") != '\0')
    {
      g_test_message ("%s", locale_problem);
      g_test_fail ();
    }
  else
    g_test_skip (locale_problem);
  return TRUE;
}

static gboolean
is_shown_status_page (GtkWidget     *widget,
                      gconstpointer  data)
{
  return ADW_IS_STATUS_PAGE (widget) && gtk_widget_get_mapped (widget);
}

/* The catalogue itself: a plain string, a plural and a context. */
static void
test_catalogue (void)
{
  if (locale_unavailable ())
    return;

  g_assert_cmpstr (g_dgettext (GETTEXT_PACKAGE, EMPTY_TITLE_EN), ==, EMPTY_TITLE_DE);
  /* German has two plural forms: one and other. */
  g_assert_cmpstr (g_dngettext (GETTEXT_PACKAGE, "%u queued", "%u queued", 1), ==, "%u wartet");
  g_assert_cmpstr (g_dngettext (GETTEXT_PACKAGE, "%u queued", "%u queued", 2), ==, "%u warten");
  g_assert_cmpstr (g_dpgettext2 (GETTEXT_PACKAGE, "shortcut window", "General"), ==, "Allgemein");
}

static SluiceWindow *
open_window (int width,
             int height)
{
  SluiceWindow *window = sluice_window_new (test_ui_get_application ());

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  test_ui_present_and_wait (GTK_WINDOW (window));
  test_ui_settle (300);
  return window;
}

static void
test_window_in_german (void)
{
  SluiceWindow *window;
  GtkWidget *page;

  if (locale_unavailable ())
    return;

  window = open_window (1000, 640);

  /* An empty batch shows its status page, in German. */
  page = test_ui_find (GTK_WIDGET (window), is_shown_status_page, NULL);
  g_assert_nonnull (page);
  g_test_message ("empty page: „%s“ — %s",
                  adw_status_page_get_title (ADW_STATUS_PAGE (page)),
                  adw_status_page_get_description (ADW_STATUS_PAGE (page)));
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (page)), ==, EMPTY_TITLE_DE);
  g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (page)), "Strg+V"));
  g_assert_nonnull (test_ui_find (page, test_ui_is_shown_button, ADD_BUTTON_DE));

  test_ui_save_screenshot (GTK_WIDGET (window), "screenshot-de.png");

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A batch with a finished, a failed and running tasks: column titles,
 * states, plurals in the totals and an error message, in German. */
static void
test_batch_in_german (void)
{
  SluiceScheduler *scheduler;
  SluiceWindow *window;
  TestServer *server;
  g_autofree char *dir = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(SluiceUrlList) list = NULL;
  const char *paths[] = {
    "/html/scrape-normal.html",
    "/disposition?name=jahresbericht-2026.pdf&size=240000",
    "/status/404",
    "/slow/20000000?rate=400000&a",
    "/slow/20000000?rate=300000&b",
  };

  if (locale_unavailable ())
    return;

  server = test_server_new ();
  dir = test_make_temp_dir ();
  scheduler = sluice_application_get_scheduler (test_ui_get_application ());
  g_object_set (scheduler, "download-directory", dir, "max-retries", 0, NULL);
  window = open_window (1200, 600);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *url = test_server_url (server, paths[i]);
      g_string_append_printf (text, "%s\n", url);
    }
  list = sluice_url_list_parse (text->str, -1);
  sluice_window_add_urls (window, list, SLUICE_TASK_KIND_DOWNLOAD, dir);
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (window), "Der Server hat mit 404"), 10000);
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (window), "2 laufen"), 10000);
  test_ui_settle (300);

  g_assert_true (test_ui_shows_text (GTK_WIDGET (window), "Fortschritt"));
  g_assert_true (test_ui_shows_text (GTK_WIDGET (window), "Fehlgeschlagen"));
  g_assert_true (test_ui_shows_text (GTK_WIDGET (window), "Lädt herunter"));
  test_ui_save_screenshot (GTK_WIDGET (window), "screenshot-de-batch.png");

  sluice_scheduler_cancel_all (scheduler);
  test_run_until_scheduler_idle (scheduler, 10000);
  sluice_scheduler_remove_finished (scheduler);
  gtk_window_destroy (GTK_WINDOW (window));
  test_server_free (server);
  test_remove_tree (dir);
}

/* The Add dialog with a refused line, to look at. */
static void
test_add_dialog_in_german (void)
{
  SluiceWindow *window;
  GtkWindow *dialog;

  if (locale_unavailable ())
    return;

  window = open_window (1000, 640);

  dialog = sluice_window_open_add_dialog (window, "https://example.org/bericht.pdf\nkein Link\n"
                                                  "https://example.org/daten.csv\n");
  test_ui_present_and_wait (dialog);
  test_ui_settle (300);
  g_assert_cmpstr (gtk_window_get_title (dialog), ==, "URLs hinzufügen");
  /* The summary of the pasted lines uses two plurals. */
  TEST_RUN_UNTIL (test_ui_shows_text (GTK_WIDGET (dialog), "2 URLs · 1 abgelehnt"), 5000);
  test_ui_settle (100);
  /* Alt+letter reaches each button in German too, and each menu item. */
  test_ui_assert_unique_mnemonics (GTK_WIDGET (dialog));
  test_ui_assert_unique_menu_mnemonics (test_ui_get_primary_menu (GTK_WIDGET (window)));
  test_ui_save_screenshot (GTK_WIDGET (dialog), "screenshot-de-add.png");
  gtk_window_destroy (dialog);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *mo = g_build_filename (LOCALE_BUILD_DIR, "de", "LC_MESSAGES",
                                          GETTEXT_PACKAGE ".mo", NULL);
  const char *messages;
  g_autofree char *data_home = NULL;

  /* Before anything reads the environment: the whole process is German,
   * GTK's own strings included. */
  g_setenv ("LC_ALL", LOCALE, TRUE);
  g_setenv ("LANGUAGE", "de_DE:de", TRUE);
  g_setenv ("LANG", LOCALE, TRUE);
  /* The application's session file stays out of the user's data dir. */
  data_home = test_make_temp_dir ();
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);

  g_test_init (&argc, &argv, NULL);

  if (setlocale (LC_ALL, "") == NULL ||
      (messages = setlocale (LC_MESSAGES, NULL)) == NULL ||
      !g_str_has_prefix (messages, "de_DE"))
    locale_problem = "The " LOCALE " locale is not installed on this machine: "
                     "`build-aux/dev deps` makes it (localedef -i de_DE -f UTF-8 " LOCALE ")";

  /* The catalogues built in this tree, not whatever is installed. */
  g_assert_true (g_file_test (mo, G_FILE_TEST_IS_REGULAR));
  bindtextdomain (GETTEXT_PACKAGE, LOCALE_BUILD_DIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* gtk_test_init() would force en_US: keep the locale set above. */
  gtk_disable_setlocale ();
  gtk_init ();
  adw_init ();

  g_test_add_func ("/locale/de/catalogue", test_catalogue);
  g_test_add_func ("/locale/de/window", test_window_in_german);
  g_test_add_func ("/locale/de/batch", test_batch_in_german);
  g_test_add_func ("/locale/de/add-dialog", test_add_dialog_in_german);

  {
    int status = g_test_run ();

    test_remove_tree (data_home);
    return status;
  }
}
