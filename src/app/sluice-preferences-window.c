/* sluice-preferences-window.c: GSettings-backed preferences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sluice-enums.h"
#include "sluice-preferences-window.h"
#include "sluice-task.h"

/* The speed limit is shown in kB/s, as g_format_size() shows speeds. */
#define BYTES_PER_KB 1000.0

struct _SluicePreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;

  GtkSpinButton        *max_concurrent_spin;
  GtkSpinButton        *max_per_host_spin;
  GtkSpinButton        *timeout_spin;
  GtkSpinButton        *max_retries_spin;
  GtkSpinButton        *requests_per_second_spin;
  GtkSpinButton        *speed_limit_spin;
  AdwActionRow         *folder_row;
  GtkWidget            *reset_folder_button;
  AdwComboRow          *default_kind_row;
  GtkSwitch            *notify_switch;

  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (SluicePreferencesWindow, sluice_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

SluicePreferencesWindow *
sluice_preferences_window_new (GtkWindow *parent,
                               GSettings *settings)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  /* The application's shortcuts (Ctrl+Q) work here too; the window goes
   * with its parent. */
  return g_object_new (SLUICE_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "application", parent != NULL ? gtk_window_get_application (parent) : NULL,
                       "destroy-with-parent", TRUE,
                       "settings", settings,
                       NULL);
}

/* Folders */

char *
sluice_preferences_dup_download_folder (GSettings *settings)
{
  g_autofree char *folder = NULL;
  const char *xdg;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  folder = g_settings_get_string (settings, "download-folder");
  if (folder[0] != '\0')
    return g_canonicalize_filename (folder, g_get_home_dir ());

  xdg = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  if (xdg != NULL && xdg[0] != '\0')
    return g_canonicalize_filename (xdg, g_get_home_dir ());

  return g_strdup (g_get_home_dir ());
}

char *
sluice_preferences_format_folder (const char *path)
{
  const char *home = g_get_home_dir ();
  gsize home_len = strlen (home);

  g_return_val_if_fail (path != NULL, NULL);

  if (home_len > 1 &&
      strncmp (path, home, home_len) == 0 &&
      (path[home_len] == '\0' || path[home_len] == G_DIR_SEPARATOR))
    {
      g_autofree char *rest = g_filename_display_name (path + home_len);

      return g_strconcat ("~", rest, NULL);
    }

  return g_filename_display_name (path);
}

static void
update_folder_row (SluicePreferencesWindow *self)
{
  g_autofree char *setting = g_settings_get_string (self->settings, "download-folder");
  g_autofree char *folder = sluice_preferences_dup_download_folder (self->settings);
  g_autofree char *shown = sluice_preferences_format_folder (folder);
  gboolean is_default = setting[0] == '\0';

  if (is_default)
    {
      g_autofree char *subtitle = NULL;

      /* Translators: %s is a folder such as “~/Downloads” */
      subtitle = g_strdup_printf (_("%s (default)"), shown);
      adw_action_row_set_subtitle (self->folder_row, subtitle);
    }
  else
    adw_action_row_set_subtitle (self->folder_row, shown);

  gtk_widget_set_visible (self->reset_folder_button, !is_default);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.reset-folder", !is_default);
}

static void
download_folder_changed_cb (SluicePreferencesWindow *self,
                            const char              *key,
                            GSettings               *settings)
{
  update_folder_row (self);
}

static void
chooser_response_cb (SluicePreferencesWindow *self,
                     int                      response,
                     GtkNativeDialog         *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;

      /* Folders without a local path (remote locations) cannot be saved to. */
      if (path != NULL)
        g_settings_set_string (self->settings, "download-folder", path);
    }

  g_clear_object (&self->chooser);
}

static void
choose_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  SluicePreferencesWindow *self = SLUICE_PREFERENCES_WINDOW (widget);
  g_autofree char *path = NULL;
  g_autoptr(GFile) current = NULL;

  if (self->chooser != NULL)
    return;

  self->chooser = gtk_file_chooser_native_new (_("Choose a Download Folder"),
                                               GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Select"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);

  path = sluice_preferences_dup_download_folder (self->settings);
  current = g_file_new_for_path (path);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), current, NULL);

  g_signal_connect_object (self->chooser, "response",
                           G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
reset_folder_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SluicePreferencesWindow *self = SLUICE_PREFERENCES_WINDOW (widget);

  g_settings_reset (self->settings, "download-folder");
}

/* Mappings between keys and widgets */

static gboolean
bytes_to_kb (GValue   *value,
             GVariant *variant,
             gpointer  user_data)
{
  g_value_set_double (value, (double) g_variant_get_uint64 (variant) / BYTES_PER_KB);
  return TRUE;
}

static GVariant *
kb_to_bytes (const GValue       *value,
             const GVariantType *expected_type,
             gpointer            user_data)
{
  double kb = g_value_get_double (value);

  if (!(kb >= 0.0))
    return NULL;

  return g_variant_new_uint64 ((guint64) (kb * BYTES_PER_KB + 0.5));
}

static gboolean
kind_nick_to_position (GValue   *value,
                       GVariant *variant,
                       gpointer  user_data)
{
  g_autoptr(GEnumClass) enum_class = g_type_class_ref (SLUICE_TYPE_TASK_KIND);
  GEnumValue *kind = g_enum_get_value_by_nick (enum_class, g_variant_get_string (variant, NULL));

  if (kind == NULL)
    return FALSE;

  /* The combo row's items are in the order of the enum. */
  g_value_set_uint (value, (guint) kind->value);
  return TRUE;
}

static GVariant *
position_to_kind_nick (const GValue       *value,
                       const GVariantType *expected_type,
                       gpointer            user_data)
{
  g_autoptr(GEnumClass) enum_class = g_type_class_ref (SLUICE_TYPE_TASK_KIND);
  GEnumValue *kind = g_enum_get_value (enum_class, (int) g_value_get_uint (value));

  if (kind == NULL)
    return NULL;

  return g_variant_new_string (kind->value_nick);
}

static void
bind_spin (SluicePreferencesWindow *self,
           const char              *key,
           GtkSpinButton           *spin)
{
  g_settings_bind (self->settings, key,
                   gtk_spin_button_get_adjustment (spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
}

/* GObject */

static void
sluice_preferences_window_constructed (GObject *object)
{
  SluicePreferencesWindow *self = SLUICE_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (sluice_preferences_window_parent_class)->constructed (object);

  bind_spin (self, "max-concurrent", self->max_concurrent_spin);
  bind_spin (self, "max-per-host", self->max_per_host_spin);
  bind_spin (self, "timeout", self->timeout_spin);
  bind_spin (self, "max-retries", self->max_retries_spin);
  bind_spin (self, "requests-per-second", self->requests_per_second_spin);

  g_settings_bind_with_mapping (self->settings, "max-bytes-per-second",
                                gtk_spin_button_get_adjustment (self->speed_limit_spin), "value",
                                G_SETTINGS_BIND_DEFAULT,
                                bytes_to_kb, kb_to_bytes, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "default-kind",
                                self->default_kind_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                kind_nick_to_position, position_to_kind_nick, NULL, NULL);
  g_settings_bind (self->settings, "notify-when-done",
                   self->notify_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);

  g_signal_connect_object (self->settings, "changed::download-folder",
                           G_CALLBACK (download_folder_changed_cb), self,
                           G_CONNECT_SWAPPED);
  update_folder_row (self);
}

static void
sluice_preferences_window_dispose (GObject *object)
{
  SluicePreferencesWindow *self = SLUICE_PREFERENCES_WINDOW (object);

  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (sluice_preferences_window_parent_class)->dispose (object);
}

static void
sluice_preferences_window_finalize (GObject *object)
{
  SluicePreferencesWindow *self = SLUICE_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sluice_preferences_window_parent_class)->finalize (object);
}

static void
sluice_preferences_window_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  SluicePreferencesWindow *self = SLUICE_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_preferences_window_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  SluicePreferencesWindow *self = SLUICE_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_preferences_window_class_init (SluicePreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = sluice_preferences_window_constructed;
  object_class->dispose = sluice_preferences_window_dispose;
  object_class->finalize = sluice_preferences_window_finalize;
  object_class->get_property = sluice_preferences_window_get_property;
  object_class->set_property = sluice_preferences_window_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/sluice-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SluicePreferencesWindow, max_concurrent_spin);
  gtk_widget_class_bind_template_child (widget_class, SluicePreferencesWindow, max_per_host_spin);
  gtk_widget_class_bind_template_child (widget_class, SluicePreferencesWindow, timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, SluicePreferencesWindow, max_retries_spin);
  gtk_widget_class_bind_template_child (widget_class, SluicePreferencesWindow, requests_per_second_spin);
  gtk_widget_class_bind_template_child (widget_class, SluicePreferencesWindow, speed_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, SluicePreferencesWindow, folder_row);
  gtk_widget_class_bind_template_child (widget_class, SluicePreferencesWindow, reset_folder_button);
  gtk_widget_class_bind_template_child (widget_class, SluicePreferencesWindow, default_kind_row);
  gtk_widget_class_bind_template_child (widget_class, SluicePreferencesWindow, notify_switch);

  gtk_widget_class_install_action (widget_class, "prefs.choose-folder", NULL, choose_folder_action);
  gtk_widget_class_install_action (widget_class, "prefs.reset-folder", NULL, reset_folder_action);
}

static void
sluice_preferences_window_init (SluicePreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
