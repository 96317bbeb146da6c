/* sluice-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sluice-application.h"
#include "sluice-window.h"

struct _SluiceApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (SluiceApplication, sluice_application, ADW_TYPE_APPLICATION)

SluiceApplication *
sluice_application_new (void)
{
  return g_object_new (SLUICE_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/sluice/Sluice",
                       NULL);
}

static SluiceWindow *
sluice_application_ensure_window (SluiceApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (sluice_window_new (self));

  return SLUICE_WINDOW (window);
}

static void
sluice_application_activate (GApplication *app)
{
  SluiceWindow *window = sluice_application_ensure_window (SLUICE_APPLICATION (app));

  gtk_window_present (GTK_WINDOW (window));
}

static void
sluice_application_open (GApplication  *app,
                         GFile        **files,
                         int            n_files,
                         const char    *hint)
{
  /* Adding the opened URLs as tasks arrives with the engine; for now the
   * window opens so a launcher never looks dead. */
  sluice_application_activate (app);
}

static void
sluice_application_about (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  SluiceApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *developers[] = { "The Sluice developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "application-name", _("Sluice"),
                        "application-icon", APPLICATION_ID,
                        "developer-name", _("The Sluice developers"),
                        "version", PACKAGE_VERSION,
                        "website", "https://github.com/sluice/sluice",
                        "issue-url", "https://github.com/sluice/sluice/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        "copyright", "© 2026 The Sluice developers",
                        /* Translators: put your names here, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
sluice_application_quit (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = sluice_application_about },
  { .name = "quit", .activate = sluice_application_quit },
};

static void
sluice_application_startup (GApplication *app)
{
  G_APPLICATION_CLASS (sluice_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit",
                                         (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay",
                                         (const char *[]) { "<Control>question", NULL });
}

static void
sluice_application_class_init (SluiceApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->startup = sluice_application_startup;
  app_class->activate = sluice_application_activate;
  app_class->open = sluice_application_open;
}

static void
sluice_application_init (SluiceApplication *self)
{
}
