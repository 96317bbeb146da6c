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
#include "test-utils.h"

#define LOCALE "de_DE.UTF-8"

/* What the German catalogue says for strings the window shows. */
#define EMPTY_TITLE_EN "Paste or Drop URLs to Begin"
#define EMPTY_TITLE_DE "Zum Beginnen URLs einfügen oder ablegen"
#define ADD_BUTTON_DE  "URLs _hinzufügen …"

static const char *locale_problem;

/* GLib's quark table starts with room for 2048 quarks and, when it grows,
 * leaks the first block on purpose (lock-free lookups).  The window alone
 * stays below that; a batch or a second dialog on top crosses it, and
 * LeakSanitizer then reports GLib's block, sometimes (it scans
 * conservatively).  GLib has no frame pointers, so the report's stack is
 * g_malloc alone and no suppression can single it out: under ASan, the
 * subtests that cross the line are skipped. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static gboolean
too_many_quarks_for_asan (void)
{
#ifdef UNDER_ASAN
  g_test_skip ("under AddressSanitizer: would cross GLib's 2048-quark table, whose "
               "first block GLib leaks on purpose (runs in the normal build)");
  return TRUE;
#else
  return FALSE;
#endif
}

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

static GtkWidget *
find_status_page (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (ADW_IS_STATUS_PAGE (child) && gtk_widget_get_mapped (child))
        return child;
      found = find_status_page (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_button_with_label (GtkWidget  *root,
                        const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && gtk_widget_get_mapped (child) &&
          g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), label) == 0)
        return child;
      found = find_button_with_label (child, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Text a person sees: a mapped label or inscription containing text. */
static gboolean
shows_text (GtkWidget  *root,
            const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *shown = NULL;

      if (GTK_IS_LABEL (child))
        shown = gtk_label_get_label (GTK_LABEL (child));
      else if (GTK_IS_INSCRIPTION (child))
        shown = gtk_inscription_get_text (GTK_INSCRIPTION (child));
      if (shown != NULL && gtk_widget_get_mapped (child) && strstr (shown, text) != NULL)
        return TRUE;
      if (shows_text (child, text))
        return TRUE;
    }
  return FALSE;
}

static gboolean
window_has_drawn (gpointer data)
{
  GtkWidget *widget = data;

  return gtk_widget_get_mapped (widget) &&
         gtk_widget_get_width (widget) > 0 &&
         gtk_widget_get_height (widget) > 0;
}

typedef struct {
  GtkWidget *widget;
  char      *path;
  gboolean   saved;
} Shot;

static void
on_after_paint (GdkFrameClock *clock,
                Shot          *shot)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;
  int width, height;

  if (shot->saved)
    return;
  width = gtk_widget_get_width (shot->widget);
  height = gtk_widget_get_height (shot->widget);
  paintable = gtk_widget_paintable_new (shot->widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (gtk_widget_get_native (shot->widget));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, shot->path));
  shot->saved = TRUE;
}

/* Renders the window, right after it painted a frame, into a PNG in the
 * build directory: the picture a German user sees. */
static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  Shot shot = { widget, g_test_build_filename (G_TEST_BUILT, name, NULL), FALSE };
  gulong id;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &shot);
  gtk_widget_queue_draw (widget);
  TEST_RUN_UNTIL (shot.saved, 5000);
  g_signal_handler_disconnect (clock, id);
  g_test_message ("screenshot: %s", shot.path);
  g_free (shot.path);
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

static void
settle (void)
{
  gint64 until = g_get_monotonic_time () + 300 * 1000;

  TEST_RUN_UNTIL (g_get_monotonic_time () >= until, 2000);
}

/* One application for the program, as in real life. */
static SluiceApplication *
get_application (void)
{
  static SluiceApplication *app;
  g_autoptr(GError) error = NULL;

  if (app != NULL)
    return app;
  app = sluice_application_new ();
  /* Other UI tests run beside this one on the same session bus. */
  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  /* No notification server on the test bus, and the window may not have
   * the focus: a finished batch would try to notify. */
  g_settings_set_boolean (sluice_application_get_settings (app), "notify-when-done", FALSE);
  return app;
}

static SluiceWindow *
open_window (int width,
             int height)
{
  SluiceWindow *window = sluice_window_new (get_application ());

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  test_run_until (window_has_drawn, window, 10000, "the window to be mapped");
  settle ();
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
  page = find_status_page (GTK_WIDGET (window));
  g_assert_nonnull (page);
  g_test_message ("empty page: „%s“ — %s",
                  adw_status_page_get_title (ADW_STATUS_PAGE (page)),
                  adw_status_page_get_description (ADW_STATUS_PAGE (page)));
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (page)), ==, EMPTY_TITLE_DE);
  g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (page)), "Strg+V"));
  g_assert_nonnull (find_button_with_label (page, ADD_BUTTON_DE));

  save_screenshot (GTK_WIDGET (window), "screenshot-de.png");

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

  if (locale_unavailable () || too_many_quarks_for_asan ())
    return;

  server = test_server_new ();
  dir = test_make_temp_dir ();
  scheduler = sluice_application_get_scheduler (get_application ());
  g_object_set (scheduler, "download-directory", dir, "max-retries", 0, NULL);
  window = open_window (1200, 600);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *url = test_server_url (server, paths[i]);
      g_string_append_printf (text, "%s\n", url);
    }
  list = sluice_url_list_parse (text->str, -1);
  sluice_window_add_urls (window, list, SLUICE_TASK_KIND_DOWNLOAD, dir);
  TEST_RUN_UNTIL (shows_text (GTK_WIDGET (window), "Der Server hat mit 404"), 10000);
  TEST_RUN_UNTIL (shows_text (GTK_WIDGET (window), "2 laufen"), 10000);
  settle ();

  g_assert_true (shows_text (GTK_WIDGET (window), "Fortschritt"));
  g_assert_true (shows_text (GTK_WIDGET (window), "Fehlgeschlagen"));
  g_assert_true (shows_text (GTK_WIDGET (window), "Lädt herunter"));
  save_screenshot (GTK_WIDGET (window), "screenshot-de-batch.png");

  sluice_scheduler_cancel_all (scheduler);
  TEST_RUN_UNTIL (!sluice_scheduler_get_busy (scheduler), 10000);
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

  if (locale_unavailable () || too_many_quarks_for_asan ())
    return;

  window = open_window (1000, 640);

  dialog = sluice_window_open_add_dialog (window, "https://example.org/bericht.pdf\nkein Link\n"
                                                  "https://example.org/daten.csv\n");
  test_run_until (window_has_drawn, dialog, 10000, "the Add dialog to be mapped");
  settle ();
  g_assert_cmpstr (gtk_window_get_title (dialog), ==, "URLs hinzufügen");
  /* The summary of the pasted lines uses two plurals. */
  TEST_RUN_UNTIL (shows_text (GTK_WIDGET (dialog), "2 URLs · 1 abgelehnt"), 5000);
  save_screenshot (GTK_WIDGET (dialog), "screenshot-de-add.png");
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

  /* Before anything reads the environment: the whole process is German,
   * GTK's own strings included. */
  g_setenv ("LC_ALL", LOCALE, TRUE);
  g_setenv ("LANGUAGE", "de_DE:de", TRUE);
  g_setenv ("LANG", LOCALE, TRUE);

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

  return g_test_run ();
}
