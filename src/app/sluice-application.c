/* sluice-application.c
 *
 * Owns the scheduler (so a second `sluice URL…` adds to the running
 * window), the settings it is configured from, the suspend inhibitor
 * while tasks run, and the notification when a batch ends unwatched.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sluice-application.h"
#include "sluice-format.h"
#include "sluice-preferences-window.h"
#include "sluice-session.h"
#include "sluice-window.h"

struct _SluiceApplication
{
  AdwApplication   parent_instance;

  GSettings       *settings;
  SluiceScheduler *scheduler;
  SluiceSession   *session;
  char            *session_problem;  /* shown once a window exists */
  guint            inhibit_cookie;
  /* The scheduler's counts when the batch began: the batch is the rest. */
  guint            done_before;
  guint            failed_before;
  guint            cancelled_before;
};

G_DEFINE_FINAL_TYPE (SluiceApplication, sluice_application, ADW_TYPE_APPLICATION)

SluiceApplication *
sluice_application_new (void)
{
  return g_object_new (SLUICE_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", "/io/github/sluice/Sluice",
                       NULL);
}

SluiceScheduler *
sluice_application_get_scheduler (SluiceApplication *self)
{
  g_return_val_if_fail (SLUICE_IS_APPLICATION (self), NULL);
  return self->scheduler;
}

GSettings *
sluice_application_get_settings (SluiceApplication *self)
{
  g_return_val_if_fail (SLUICE_IS_APPLICATION (self), NULL);
  return self->settings;
}

static char *
folder_or_default (const char *folder)
{
  const char *downloads;

  if (folder != NULL && *folder != '\0')
    return g_strdup (folder);
  downloads = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  return g_strdup (downloads != NULL ? downloads : g_get_home_dir ());
}

char *
sluice_application_dup_download_folder (SluiceApplication *self)
{
  g_autofree char *folder = NULL;

  g_return_val_if_fail (SLUICE_IS_APPLICATION (self), NULL);
  folder = g_settings_get_string (self->settings, "download-folder");
  return folder_or_default (folder);
}

static gboolean
folder_get_mapping (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  g_value_take_string (value, folder_or_default (g_variant_get_string (variant, NULL)));
  return TRUE;
}

/* The task window most recently focused, or NULL: dialogs (Add,
 * Preferences) are the application's windows too. */
static SluiceWindow *
main_window (SluiceApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (SLUICE_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static SluiceWindow *
ensure_window (SluiceApplication *self)
{
  GtkWindow *window = GTK_WINDOW (main_window (self));

  if (window == NULL)
    window = GTK_WINDOW (sluice_window_new (self));
  if (self->session_problem != NULL)
    {
      sluice_window_show_toast (SLUICE_WINDOW (window), self->session_problem);
      g_clear_pointer (&self->session_problem, g_free);
    }
  return SLUICE_WINDOW (window);
}

/* The batch survives quitting and crashes: $XDG_DATA_HOME/sluice/session.json,
 * saved as tasks change (debounced) and restored here. */
static void
restore_session (SluiceApplication *self)
{
  g_autofree char *directory = g_build_filename (g_get_user_data_dir (), "sluice", NULL);
  g_autofree char *path = g_build_filename (directory, "session.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents (directory, 0700) != 0)
    {
      g_warning ("Cannot create %s: %s", directory, g_strerror (errno));
      return;
    }
  self->session = sluice_session_new (self->scheduler, file);
  sluice_session_set_autosave (self->session, TRUE);
  if (!sluice_session_load (self->session, &error))
    /* Translators: shown when the saved batch could not be read; %s says why */
    self->session_problem = g_strdup_printf (_("The last session could not be restored: %s"), error->message);
}

void
sluice_application_save_session (SluiceApplication *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SLUICE_IS_APPLICATION (self));

  if (self->session != NULL && !sluice_session_flush (self->session, &error))
    g_warning ("Could not save the session: %s", error->message);
}

static void
sluice_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (ensure_window (SLUICE_APPLICATION (app))));
}

/* Whether an argument names a file (a path or a file:// URI) rather than
 * an address for the URL parser to take or explain. */
static gboolean
is_file_argument (const char *argument)
{
  g_autofree char *scheme = g_uri_parse_scheme (argument);

  return scheme == NULL || g_ascii_strcasecmp (scheme, "file") == 0;
}

/* `sluice [--scrape] URL|FILE…`, in this process or forwarded from a second
 * one: each argument is a web address, or a text file of them (a path or a
 * file:// URI).  What cannot be used is said on that invocation's stderr,
 * and its exit status is 1. */
static int
sluice_application_command_line (GApplication            *app,
                                 GApplicationCommandLine *command_line)
{
  SluiceApplication *self = SLUICE_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  g_autofree char **arguments = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(SluiceUrlList) list = NULL;
  SluiceWindow *window;
  gboolean scrape = FALSE;
  int status = 0;

  g_variant_dict_lookup (options, "scrape", "b", &scrape);
  g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&ay", &arguments);

  window = ensure_window (self);
  gtk_window_present (GTK_WINDOW (window));

  for (guint i = 0; arguments != NULL && arguments[i] != NULL; i++)
    {
      const char *argument = arguments[i];
      g_autoptr(GFile) file = NULL;
      g_autofree char *contents = NULL;
      g_autoptr(GError) error = NULL;

      if (!is_file_argument (argument))
        {
          g_string_append (text, argument);
          g_string_append_c (text, '\n');
          continue;
        }

      file = g_application_command_line_create_file_for_arg (command_line, argument);
      if (!g_file_load_contents (file, NULL, &contents, NULL, NULL, &error))
        {
          /* Translators: "sluice: lnks.txt: No such file or directory" */
          g_application_command_line_printerr (command_line, _("sluice: %s: %s\n"), argument, error->message);
          status = 1;
          continue;
        }
      g_string_append (text, contents);
      g_string_append_c (text, '\n');
    }

  if (text->len > 0)
    {
      list = sluice_url_list_parse (text->str, text->len);
      for (guint i = 0; i < sluice_url_list_get_n_refused (list); i++)
        {
          const SluiceRefusedLine *line = sluice_url_list_get_refused (list, i);

          /* Translators: "sluice: Not a valid URL: foo" */
          g_application_command_line_printerr (command_line, _("sluice: %s: %s\n"), line->reason, line->text);
          status = 1;
        }
      sluice_window_add_urls (window, list,
                              scrape ? SLUICE_TASK_KIND_SCRAPE : SLUICE_TASK_KIND_DOWNLOAD,
                              NULL);
    }
  return status;
}

static void
update_inhibit (SluiceApplication *self)
{
  gboolean busy = sluice_scheduler_get_busy (self->scheduler);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (busy && self->inhibit_cookie == 0)
    self->inhibit_cookie = gtk_application_inhibit (GTK_APPLICATION (self), window,
                                                    GTK_APPLICATION_INHIBIT_SUSPEND,
                                                    _("Transfers are running"));
  else if (!busy && self->inhibit_cookie != 0)
    {
      gtk_application_uninhibit (GTK_APPLICATION (self), self->inhibit_cookie);
      self->inhibit_cookie = 0;
    }
}

static void
notify_batch_finished (SluiceApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *body = NULL;
  /* Finished tasks cleared meanwhile leave the counts lower than before. */
  guint n_done = sluice_scheduler_get_n_done (self->scheduler);
  guint n_failed = sluice_scheduler_get_n_failed (self->scheduler);
  guint n_cancelled = sluice_scheduler_get_n_cancelled (self->scheduler);

  if (!g_settings_get_boolean (self->settings, "notify-when-done") ||
      (window != NULL && gtk_window_is_active (window)))
    return;

  body = sluice_format_batch_outcome (n_done > self->done_before ? n_done - self->done_before : 0,
                                      n_failed > self->failed_before ? n_failed - self->failed_before : 0,
                                      n_cancelled > self->cancelled_before ? n_cancelled - self->cancelled_before : 0);
  notification = g_notification_new (_("Batch finished"));
  g_notification_set_body (notification, body);
  g_notification_set_default_action (notification, "app.activate");
  g_application_send_notification (G_APPLICATION (self), "batch-finished", notification);
}

static void
on_busy_changed (SluiceScheduler   *scheduler,
                 GParamSpec        *pspec,
                 SluiceApplication *self)
{
  update_inhibit (self);
  if (!sluice_scheduler_get_busy (scheduler))
    notify_batch_finished (self);
  else
    {
      self->done_before = sluice_scheduler_get_n_done (scheduler);
      self->failed_before = sluice_scheduler_get_n_failed (scheduler);
      self->cancelled_before = sluice_scheduler_get_n_cancelled (scheduler);
      g_application_withdraw_notification (G_APPLICATION (self), "batch-finished");
    }
}

static void
sluice_application_about (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  SluiceApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *developers[] = { "The Sluice developers", NULL };

  adw_show_about_window (parent,
                         "application-name", _("Sluice"),
                         "application-icon", "io.github.sluice.Sluice",
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
}

static void
sluice_application_preferences (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data)
{
  SluiceApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  SluicePreferencesWindow *preferences = sluice_preferences_window_new (parent, self->settings);

  gtk_window_present (GTK_WINDOW (preferences));
}

static void
sluice_application_quit (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  SluiceApplication *self = user_data;
  GtkWindow *window = GTK_WINDOW (main_window (self));

  /* Closing the window asks first when tasks run, and quits after. */
  if (window != NULL)
    gtk_window_close (window);
  else
    g_application_quit (G_APPLICATION (self));
}

static void
sluice_application_activate_action (GSimpleAction *action,
                                    GVariant      *parameter,
                                    gpointer       user_data)
{
  g_application_activate (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = sluice_application_about },
  { .name = "preferences", .activate = sluice_application_preferences },
  { .name = "quit", .activate = sluice_application_quit },
  { .name = "activate", .activate = sluice_application_activate_action },
};

static void
sluice_application_startup (GApplication *app)
{
  SluiceApplication *self = SLUICE_APPLICATION (app);
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "win.show-help-overlay", { "<Control>question", NULL } },
    { "win.add", { "<Control>n", NULL } },
    { "win.import", { "<Control>o", NULL } },
    { "win.cancel-all", { "<Control><Shift>Delete", NULL } },
    { "win.retry-failed", { "<Control>r", NULL } },
    { "win.clear-finished", { "<Control>l", NULL } },
    { "win.search", { "<Control>f", NULL } },
  };

  G_APPLICATION_CLASS (sluice_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);

  self->settings = g_settings_new (APPLICATION_ID);
  /* Transfers, disk writes and the session run on a thread of their own:
   * the window painting ten thousand rows does not hold them up, nor they
   * the window.  Its tasks here follow the engine's a few times a frame. */
  self->scheduler = sluice_scheduler_new_threaded ();
  g_settings_bind (self->settings, "max-concurrent", self->scheduler, "max-concurrent", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "max-per-host", self->scheduler, "max-per-host", G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "timeout", self->scheduler, "timeout", G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "max-retries", self->scheduler, "max-retries", G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "requests-per-second", self->scheduler, "requests-per-second",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "max-bytes-per-second", self->scheduler, "max-bytes-per-second",
                   G_SETTINGS_BIND_GET);
  g_settings_bind_with_mapping (self->settings, "download-folder", self->scheduler, "download-directory",
                                G_SETTINGS_BIND_GET, folder_get_mapping, NULL, NULL, NULL);
  g_signal_connect (self->scheduler, "notify::busy", G_CALLBACK (on_busy_changed), self);

  restore_session (self);
}

static void
sluice_application_shutdown (GApplication *app)
{
  SluiceApplication *self = SLUICE_APPLICATION (app);

  if (self->scheduler != NULL)
    g_signal_handlers_disconnect_by_data (self->scheduler, self);
  sluice_application_save_session (self);
  if (self->inhibit_cookie != 0)
    gtk_application_uninhibit (GTK_APPLICATION (self), self->inhibit_cookie);
  self->inhibit_cookie = 0;

  G_APPLICATION_CLASS (sluice_application_parent_class)->shutdown (app);
}

static void
sluice_application_dispose (GObject *object)
{
  SluiceApplication *self = SLUICE_APPLICATION (object);

  g_clear_object (&self->session);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->session_problem, g_free);

  G_OBJECT_CLASS (sluice_application_parent_class)->dispose (object);
}

static void
sluice_application_class_init (SluiceApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = sluice_application_dispose;
  app_class->startup = sluice_application_startup;
  app_class->shutdown = sluice_application_shutdown;
  app_class->activate = sluice_application_activate;
  app_class->command_line = sluice_application_command_line;
}

static void
sluice_application_init (SluiceApplication *self)
{
  const GOptionEntry entries[] = {
    { "scrape", 's', 0, G_OPTION_ARG_NONE, NULL, N_("Scrape the given URLs instead of downloading them"), NULL },
    { "headless", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Run without a window (see sluice --headless --help)"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL, NULL, N_("[URL|FILE…]") },
    { NULL }
  };

  /* (The remaining arguments' entry names them in the usage line.) */
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}
