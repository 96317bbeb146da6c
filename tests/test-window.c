/* test-window.c: the window opens under a display and renders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "sluice-window.h"
#include "test-utils.h"

static gboolean
window_has_drawn (gpointer data)
{
  GtkWidget *widget = data;

  return gtk_widget_get_mapped (widget) &&
         gtk_widget_get_width (widget) > 0 &&
         gtk_widget_get_height (widget) > 0;
}

/* Renders the window into a PNG in the build directory, the way a person
 * would see it, and returns its path. */
static char *
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  char *path;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, width);

  path = g_test_build_filename (G_TEST_BUILT, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  return path;
}

static void
test_window_opens_and_renders (void)
{
  g_autoptr(SluiceApplication) app = sluice_application_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *png = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  SluiceWindow *window;

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  window = sluice_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 960, 640);
  gtk_window_present (GTK_WINDOW (window));
  test_run_until (window_has_drawn, window, 10000, "the window to be mapped");
  /* One more frame so the contents are laid out at their final size. */
  TEST_RUN_UNTIL (gtk_widget_get_width (GTK_WIDGET (window)) >= 400, 5000);

  png = save_screenshot (GTK_WIDGET (window), "screenshot-empty.png");
  g_test_message ("screenshot: %s", png);
  pixbuf = gdk_pixbuf_new_from_file (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), >=, 400);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/window/opens-and-renders", test_window_opens_and_renders);

  return g_test_run ();
}
