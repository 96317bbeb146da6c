/* test-ui-utils.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "sluice-application.h"
#include "sluice-task-columns.h"
#include "sluice-window.h"
#include "test-ui-utils.h"
#include "test-utils.h"

/* The data dir of test_ui_init (), removed by test_ui_run (). */
static char *data_home;

void
test_ui_init (int    *argc,
              char ***argv)
{
  /* A data dir of our own, before anything reads it: the application's
   * session file must neither leak in from a user nor persist between runs. */
  data_home = test_make_temp_dir ();
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  gtk_test_init (argc, argv, NULL);
  adw_init ();
}

int
test_ui_run (void)
{
  int status = g_test_run ();

  test_remove_tree (data_home);
  g_clear_pointer (&data_home, g_free);
  return status;
}

static gboolean
window_has_drawn (gpointer data)
{
  GtkWidget *widget = data;

  return gtk_widget_get_mapped (widget) &&
         gtk_widget_get_width (widget) > 0 &&
         gtk_widget_get_height (widget) > 0;
}

void
test_ui_present_and_wait (GtkWindow *window)
{
  gtk_window_present (window);
  test_run_until (window_has_drawn, window, 10000, "the window to be mapped");
}

void
test_ui_settle (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  TEST_RUN_UNTIL (g_get_monotonic_time () >= until, ms + 5000);
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
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, width);
  g_assert_true (gdk_texture_save_to_png (texture, shot->path));
  shot->saved = TRUE;
}

void
test_ui_save_screenshot (GtkWidget  *widget,
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

/* Depth-first, first match. */
GtkWidget *
test_ui_find (GtkWidget      *root,
              gboolean      (*match) (GtkWidget *widget, gconstpointer data),
              gconstpointer   data)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (match (child, data))
        return child;
      found = test_ui_find (child, match, data);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Records a shown label's mnemonic in seen (keyval → label); never matches,
 * so test_ui_find () visits every widget. */
static gboolean
note_mnemonic (GtkWidget     *widget,
               gconstpointer  data)
{
  GHashTable *seen = (GHashTable *) data;
  guint keyval;
  const char *other;

  if (!GTK_IS_LABEL (widget) || !gtk_widget_get_mapped (widget) ||
      !gtk_label_get_use_underline (GTK_LABEL (widget)))
    return FALSE;
  keyval = gtk_label_get_mnemonic_keyval (GTK_LABEL (widget));
  if (keyval == GDK_KEY_VoidSymbol)
    return FALSE;
  keyval = gdk_keyval_to_lower (keyval);
  other = g_hash_table_lookup (seen, GUINT_TO_POINTER (keyval));
  if (other != NULL)
    g_error ("“%s” and “%s” share the mnemonic %s", other,
             gtk_label_get_label (GTK_LABEL (widget)), gdk_keyval_name (keyval));
  g_hash_table_insert (seen, GUINT_TO_POINTER (keyval), (gpointer) gtk_label_get_label (GTK_LABEL (widget)));
  return FALSE;
}

void
test_ui_assert_unique_mnemonics (GtkWidget *root)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  test_ui_find (root, note_mnemonic, seen);
  g_assert_cmpuint (g_hash_table_size (seen), >, 0);
}

/* The letter after the "_" of each item of menu (sections included). */
static void
note_menu_mnemonics (GMenuModel *menu,
                     GHashTable *seen)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *label = NULL;
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);
      const char *underscore;

      if (section != NULL)
        note_menu_mnemonics (section, seen);
      if (!g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label) ||
          (underscore = strchr (label, '_')) == NULL || underscore[1] == '\0')
        continue;
      {
        gunichar letter = g_unichar_tolower (g_utf8_get_char (underscore + 1));
        const char *other = g_hash_table_lookup (seen, GUINT_TO_POINTER (letter));

        if (other != NULL)
          g_error ("“%s” and “%s” share a mnemonic", other, label);
        g_hash_table_insert (seen, GUINT_TO_POINTER (letter), g_strdup (label));
      }
    }
}

void
test_ui_assert_unique_menu_mnemonics (GMenuModel *menu)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  note_menu_mnemonics (menu, seen);
  g_assert_cmpuint (g_hash_table_size (seen), >, 0);
}

gboolean
test_ui_is_shown_button (GtkWidget     *widget,
                         gconstpointer  label)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
has_menu_model (GtkWidget     *widget,
                gconstpointer  data)
{
  return GTK_IS_MENU_BUTTON (widget) && gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget)) != NULL;
}

GMenuModel *
test_ui_get_primary_menu (GtkWidget *window)
{
  GtkWidget *button = test_ui_find (window, has_menu_model, NULL);

  g_assert_nonnull (button);
  return gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (button));
}

GtkWindow *
test_ui_find_toplevel (gboolean      (*match) (GtkWindow *window, gconstpointer data),
                       gconstpointer   data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (match (window, data))
        return window;  /* the list of toplevels keeps it */
    }
  return NULL;
}

/* A button's tooltip: set on the widget, or (the table's row buttons) asked
 * for when shown and kept as the button's label. */
static gboolean
is_button_with_tooltip (GtkWidget     *widget,
                        gconstpointer  tooltip)
{
  const char *text;

  if (!GTK_IS_BUTTON (widget) || !gtk_widget_get_visible (widget))
    return FALSE;
  text = gtk_widget_get_tooltip_text (widget);
  if (text == NULL)
    text = sluice_task_columns_get_button_label (widget);
  return g_strcmp0 (text, tooltip) == 0;
}

GtkWidget *
test_ui_find_button (GtkWidget  *root,
                     const char *tooltip)
{
  return test_ui_find (root, is_button_with_tooltip, tooltip);
}

gboolean
test_ui_has_tooltip_now (GtkWidget *widget)
{
  g_autoptr(GObject) tooltip = g_object_new (GTK_TYPE_TOOLTIP, NULL);
  gboolean shown = FALSE;

  if (!gtk_widget_get_has_tooltip (widget))
    return FALSE;
  g_signal_emit_by_name (widget, "query-tooltip", 1, 1, FALSE, tooltip, &shown);
  return shown;
}

static gboolean
is_of_type (GtkWidget     *widget,
            gconstpointer  type)
{
  return g_type_is_a (G_OBJECT_TYPE (widget), GPOINTER_TO_SIZE (type));
}

GtkWidget *
test_ui_find_of_type (GtkWidget *root,
                      GType      type)
{
  return test_ui_find (root, is_of_type, GSIZE_TO_POINTER (type));
}

static gboolean
has_id (GtkWidget     *widget,
        gconstpointer  id)
{
  return g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget)), id) == 0;
}

GtkWidget *
test_ui_find_by_id (GtkWidget  *root,
                    const char *id)
{
  return test_ui_find (root, has_id, id);
}

GtkWidget *
test_ui_get_by_id (gpointer    root,
                   const char *id)
{
  GtkWidget *widget = test_ui_find_by_id (GTK_WIDGET (root), id);

  if (widget == NULL)
    g_error ("no widget with id %s", id);
  return widget;
}

static gboolean
shows_text (GtkWidget     *widget,
            gconstpointer  text)
{
  if (!gtk_widget_get_mapped (widget))
    return FALSE;
  /* The text as shown: markup and mnemonic underscores taken out. */
  if (GTK_IS_LABEL (widget))
    return strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL;
  if (GTK_IS_INSCRIPTION (widget))
    return gtk_inscription_get_text (GTK_INSCRIPTION (widget)) != NULL &&
           strstr (gtk_inscription_get_text (GTK_INSCRIPTION (widget)), text) != NULL;
  return FALSE;
}

gboolean
test_ui_shows_text (GtkWidget  *root,
                    const char *text)
{
  return test_ui_find (root, shows_text, text) != NULL;
}

/* One application per test program, as in real life: windows come and go,
 * the scheduler stays. */
SluiceApplication *
test_ui_get_application (void)
{
  static SluiceApplication *app;
  g_autoptr(GError) error = NULL;

  if (app != NULL)
    return app;
  app = sluice_application_new ();
  /* Tests run side by side on one session bus: don't find each other. */
  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  /* No notification server on the test bus, and the window is never
   * focused under Xvfb: every finished batch would try to notify. */
  g_settings_set_boolean (sluice_application_get_settings (app), "notify-when-done", FALSE);
  return app;
}

/* The window test fixture: a loopback server, a temporary download folder,
 * the program's application and a fresh window of it. */


void
test_window_fixture_set_up (TestWindowFixture *f,
                gconstpointer  data)
{
  f->server = test_server_new ();
  f->dir = test_make_temp_dir ();
  f->app = test_ui_get_application ();
  f->scheduler = sluice_application_get_scheduler (f->app);
  g_object_set (f->scheduler, "download-directory", f->dir, "retry-delay", 0.05, NULL);

  f->window = sluice_window_new (f->app);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1200, 720);
  test_ui_present_and_wait (GTK_WINDOW (f->window));
  test_ui_settle (300);
}

void
test_window_fixture_tear_down (TestWindowFixture *f,
                   gconstpointer  data)
{
  /* Through the window: it also stops a list still going in. */
  if (f->window != NULL)
    gtk_widget_activate_action (GTK_WIDGET (f->window), "win.cancel-all", NULL);
  sluice_scheduler_cancel_all (f->scheduler);
  test_run_until_scheduler_idle (f->scheduler, 10000);
  sluice_scheduler_remove_finished (f->scheduler);
  g_object_set (f->scheduler, "max-concurrent", 8, "max-retries", 3, NULL);
  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  test_server_free (f->server);
  test_remove_tree (f->dir);
  g_free (f->dir);
}

SluiceTask *
test_window_add_urls (TestWindowFixture *f,
          SluiceTaskKind  kind,
          ...)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(SluiceUrlList) list = NULL;
  guint before = g_list_model_get_n_items (G_LIST_MODEL (f->scheduler));
  const char *path;
  va_list args;

  va_start (args, kind);
  while ((path = va_arg (args, const char *)) != NULL)
    {
      g_autofree char *url = test_server_url (f->server, path);
      g_string_append_printf (text, "%s\n", url);
    }
  va_end (args);

  list = sluice_url_list_parse (text->str, -1);
  sluice_window_add_urls (f->window, list, kind, f->dir);
  return g_list_model_get_item (G_LIST_MODEL (f->scheduler), before);
}

SluiceUrlList *
test_window_numbered_urls (TestWindowFixture *f,
                           const char        *prefix,
                           guint              count)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *path = g_strdup_printf ("/bytes/64?%s=%u", prefix, i);
      g_autofree char *url = test_server_url (f->server, path);

      g_string_append_printf (text, "%s\n", url);
    }
  g_string_append (text, "ftp://example.org/refused\n");
  return sluice_url_list_parse (text->str, -1);
}
