/* sluice-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sluice-window.h"

struct _SluiceWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  AdwStatusPage        *empty_page;
};

G_DEFINE_FINAL_TYPE (SluiceWindow, sluice_window, ADW_TYPE_APPLICATION_WINDOW)

SluiceWindow *
sluice_window_new (SluiceApplication *application)
{
  return g_object_new (SLUICE_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

static void
sluice_window_class_init (SluiceWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/sluice-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, empty_page);
}

static void
sluice_window_init (SluiceWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  adw_status_page_set_icon_name (self->empty_page, APPLICATION_ID);
}
