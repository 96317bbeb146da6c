/* sluice-add-dialog.c: paste a URL list, choose download or scrape
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sluice-add-dialog.h"
#include "sluice-enums.h"
#include "sluice-preferences-window.h"

/* Typing settles before the text is parsed again. */
#define PARSE_DELAY_MS 150
/* A parse that takes longer than this shows a spinner. */
#define SPINNER_DELAY_MS 300
/* Refused lines listed; the rest are counted. */
#define MAX_REFUSED_SHOWN 200
/* A GtkTextView given 100 000 lines stalls the main loop: pasting them
 * took 270-350 ms in one go, setting them 65-95 ms, and reading them back
 * for every parse 12-22 ms.  Beyond these limits the dialog keeps the text
 * itself, parses it from there and shows its beginning, read-only.  10 000
 * lines still type without stalls. */
#define LARGE_TEXT_LINES 10000
#define LARGE_TEXT_BYTES (1024 * 1024)
#define PREVIEW_LINES 1000
#define PREVIEW_BYTES (128 * 1024)

struct _SluiceAddDialog
{
  AdwWindow             parent_instance;

  GSettings            *settings;

  GtkTextView          *text_view;
  GtkTextBuffer        *buffer;
  GtkWidget            *hint_label;
  GtkWidget            *preview_bar;
  GtkLabel             *preview_label;
  GtkLabel             *summary_label;
  GtkWidget            *spinner;
  GtkWidget            *refused_expander;
  GtkWidget            *refused_box;
  GtkToggleButton      *download_button;
  GtkToggleButton      *scrape_button;
  AdwActionRow         *folder_row;

  GCancellable         *cancellable;   /* cancelled when the dialog goes */

  /* The whole text when it is too long for the view (or not UTF-8); the
   * view then shows its beginning, read-only.  NULL when the view holds
   * all of it. */
  char                 *full_text;
  gsize                 full_length;

  SluiceUrlList        *url_list;      /* the latest finished parse */
  GCancellable         *parse_cancellable;
  guint                 parse_timeout_id;
  guint                 spinner_timeout_id;
  gboolean              busy;          /* text changed since url_list */
  gboolean              add_pending;   /* Add pressed while busy */

  SluiceTaskKind        kind;
  char                 *directory;
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (SluiceAddDialog, sluice_add_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_KIND,
  PROP_DIRECTORY,
  PROP_SUMMARY,
  PROP_CAN_ADD,
  PROP_BUSY,
  PROP_URL_LIST,
  N_PROPS
};

enum {
  SIGNAL_ADD,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

SluiceAddDialog *
sluice_add_dialog_new (GtkWindow *parent,
                       GSettings *settings)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  /* The application's shortcuts (Ctrl+Q) work here too; the window goes
   * with its parent. */
  return g_object_new (SLUICE_TYPE_ADD_DIALOG,
                       "transient-for", parent,
                       "application", parent != NULL ? gtk_window_get_application (parent) : NULL,
                       "destroy-with-parent", TRUE,
                       "settings", settings,
                       NULL);
}

/* State */

static void
set_busy (SluiceAddDialog *self,
          gboolean         busy)
{
  if (self->busy == busy)
    return;

  self->busy = busy;
  if (!busy)
    {
      g_clear_handle_id (&self->spinner_timeout_id, g_source_remove);
      gtk_widget_set_visible (self->spinner, FALSE);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
update_refused (SluiceAddDialog *self)
{
  GtkWidget *child;
  guint n_refused = 0;
  guint n_shown;

  if (self->url_list != NULL)
    n_refused = sluice_url_list_get_n_refused (self->url_list);

  while ((child = gtk_widget_get_first_child (self->refused_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->refused_box), child);

  gtk_widget_set_visible (self->refused_expander, n_refused > 0);
  if (n_refused == 0)
    return;

  n_shown = MIN (n_refused, MAX_REFUSED_SHOWN);
  for (guint i = 0; i < n_shown; i++)
    {
      const SluiceRefusedLine *refused = sluice_url_list_get_refused (self->url_list, i);
      g_autofree char *text = NULL;
      GtkWidget *label;

      /* Translators: a pasted line that is not used, e.g. “Line 4: Not a
       * valid URL — example dot com”.  %u is the line number, the first %s
       * the reason, the second the line's text. */
      text = g_strdup_printf (_("Line %u: %s — %s"), refused->line, refused->reason, refused->text);
      label = g_object_new (GTK_TYPE_LABEL,
                            "label", text,
                            "tooltip-text", text,
                            "xalign", 0.0f,
                            "ellipsize", PANGO_ELLIPSIZE_END,
                            "single-line-mode", TRUE,
                            NULL);
      gtk_box_append (GTK_BOX (self->refused_box), label);
    }

  if (n_refused > n_shown)
    {
      g_autofree char *text = NULL;
      GtkWidget *label;

      text = g_strdup_printf (/* Translators: after a list of refused lines */
                              g_dngettext (GETTEXT_PACKAGE, "and %u more", "and %u more",
                                           n_refused - n_shown),
                              n_refused - n_shown);
      label = g_object_new (GTK_TYPE_LABEL,
                            "label", text,
                            "xalign", 0.0f,
                            NULL);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (self->refused_box), label);
    }
}

static void
update_summary (SluiceAddDialog *self)
{
  g_autofree char *summary = NULL;
  gboolean empty = TRUE;

  if (self->url_list != NULL)
    empty = sluice_url_list_get_n_urls (self->url_list) == 0 &&
            sluice_url_list_get_n_refused (self->url_list) == 0 &&
            sluice_url_list_get_n_duplicates (self->url_list) == 0;

  if (empty)
    summary = g_strdup (_("No URLs yet"));
  else
    summary = sluice_url_list_format_summary (self->url_list);

  gtk_label_set_text (self->summary_label, summary);
  if (empty)
    gtk_widget_add_css_class (GTK_WIDGET (self->summary_label), "dim-label");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->summary_label), "dim-label");

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUMMARY]);
}

static void
set_url_list (SluiceAddDialog *self,
              SluiceUrlList   *list)
{
  gboolean could_add = sluice_add_dialog_get_can_add (self);

  if (!g_set_object (&self->url_list, list))
    return;

  update_summary (self);
  update_refused (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dialog.add",
                                 sluice_add_dialog_get_can_add (self));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL_LIST]);
  if (could_add != sluice_add_dialog_get_can_add (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_ADD]);
}

/* Parsing */

static void
cancel_parse (SluiceAddDialog *self)
{
  g_clear_handle_id (&self->parse_timeout_id, g_source_remove);
  if (self->parse_cancellable != NULL)
    {
      g_cancellable_cancel (self->parse_cancellable);
      g_clear_object (&self->parse_cancellable);
    }
}

static void emit_add (SluiceAddDialog *self);

static void
parse_cb (GObject      *source_object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SluiceAddDialog) self = user_data;
  g_autoptr(SluiceUrlList) list = NULL;
  g_autoptr(GError) error = NULL;

  /* A newer text cancelled this parse; its own result follows. */
  list = sluice_url_list_parse_finish (result, &error);
  if (list == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not read the URL list: %s", error->message);
      return;
    }

  g_clear_object (&self->parse_cancellable);
  set_url_list (self, list);
  set_busy (self, FALSE);

  if (self->add_pending)
    {
      self->add_pending = FALSE;
      emit_add (self);
    }
}

static gboolean
show_spinner_cb (gpointer user_data)
{
  SluiceAddDialog *self = user_data;

  self->spinner_timeout_id = 0;
  gtk_widget_set_visible (self->spinner, TRUE);

  return G_SOURCE_REMOVE;
}

static gboolean
parse_timeout_cb (gpointer user_data)
{
  SluiceAddDialog *self = user_data;
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  self->parse_timeout_id = 0;
  self->parse_cancellable = g_cancellable_new ();

  if (self->full_text != NULL)
    {
      sluice_url_list_parse_async (self->full_text, self->full_length,
                                   self->parse_cancellable,
                                   parse_cb, g_object_ref (self));
    }
  else
    {
      gtk_text_buffer_get_bounds (self->buffer, &start, &end);
      text = gtk_text_buffer_get_text (self->buffer, &start, &end, TRUE);
      sluice_url_list_parse_async (text, -1, self->parse_cancellable,
                                   parse_cb, g_object_ref (self));
    }

  if (self->spinner_timeout_id == 0 && !gtk_widget_get_visible (self->spinner))
    self->spinner_timeout_id = g_timeout_add (SPINNER_DELAY_MS, show_spinner_cb, self);

  return G_SOURCE_REMOVE;
}

static void
buffer_changed_cb (SluiceAddDialog *self,
                   GtkTextBuffer   *buffer)
{
  gtk_widget_set_visible (self->hint_label,
                          self->full_text == NULL &&
                          gtk_text_buffer_get_char_count (buffer) == 0);

  /* Whatever is being parsed is out of date already. */
  cancel_parse (self);
  self->parse_timeout_id = g_timeout_add (PARSE_DELAY_MS, parse_timeout_cb, self);
  set_busy (self, TRUE);
}

/* Long texts */

/* Lines as the parser counts them: a last line without a newline counts.
 * Stops counting at limit. */
static guint
count_lines (const char *text,
             gsize       length,
             guint       limit)
{
  const char *p = text;
  const char *end = text + length;
  guint n = 0;

  while (p < end && n < limit)
    {
      const char *newline = memchr (p, '\n', end - p);

      n++;
      if (newline == NULL)
        break;
      p = newline + 1;
    }

  return n;
}

static gboolean
is_too_large_for_view (const char *text,
                       gsize       length,
                       guint       lines_already)
{
  if (length > LARGE_TEXT_BYTES)
    return TRUE;
  if (lines_already >= LARGE_TEXT_LINES)
    return TRUE;

  return count_lines (text, length, LARGE_TEXT_LINES + 1) + lines_already > LARGE_TEXT_LINES;
}

/* Where the part shown in the view ends. */
static gsize
preview_length (const char *text,
                gsize       length)
{
  const char *p = text;
  const char *end = text + MIN (length, PREVIEW_BYTES);

  for (guint n = 0; n < PREVIEW_LINES && p < end; n++)
    {
      const char *newline = memchr (p, '\n', end - p);

      if (newline == NULL)
        return end - text;
      p = newline + 1;
    }

  return p - text;
}

/* A read-only preview shows no cursor.  GTK 4.8 keeps the cursor blinking
 * for a while after the view loses the focus and only stops that when the
 * cursor is hidden while focused: hiding it in an unfocused view makes the
 * next blink abort (blink_cb: cursor_visible).  So it is hidden once the
 * view has the focus (an unfocused view draws no cursor anyway). */
static void
update_cursor_visible (SluiceAddDialog *self)
{
  gboolean visible;

  if (self->text_view == NULL)  /* being disposed */
    return;
  visible = gtk_text_view_get_editable (self->text_view);
  if (!visible && !gtk_widget_has_focus (GTK_WIDGET (self->text_view)))
    return;
  gtk_text_view_set_cursor_visible (self->text_view, visible);
}

static void
set_full_text (SluiceAddDialog *self,
               char            *text /* owned, or NULL */,
               gsize            length)
{
  gboolean read_only = text != NULL;

  g_free (self->full_text);
  self->full_text = text;
  self->full_length = length;

  gtk_text_view_set_editable (self->text_view, !read_only);
  update_cursor_visible (self);
  gtk_widget_set_visible (self->preview_bar, read_only);

  if (read_only)
    {
      gsize shown_length = preview_length (text, length);
      guint n_lines = count_lines (text, length, G_MAXUINT);
      guint n_shown = count_lines (text, shown_length, G_MAXUINT);
      g_autofree char *shown = g_utf8_make_valid (text, shown_length);
      g_autofree char *message = NULL;

      if (n_shown < n_lines)
        message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                "Showing the first %u of %u line, too many to edit here. Pasting adds to the list.",
                                                "Showing the first %u of %u lines, too many to edit here. Pasting adds to the list.",
                                                n_lines),
                                   n_shown, n_lines);
      else if (shown_length < length)
        message = g_strdup (_("The text is too long to edit here. Pasting adds to the list."));
      else
        message = g_strdup (_("The text is not valid UTF-8, so it cannot be edited here. Pasting adds to the list."));
      gtk_label_set_text (self->preview_label, message);

      /* Changes the buffer, which starts a parse of the full text. */
      gtk_text_buffer_set_text (self->buffer, shown, -1);
    }
}

/* Pasted text goes where the default handler would put it; if the result
 * is too long for the view, the dialog keeps it. */
static void
paste_text (SluiceAddDialog *self,
            const char      *text)
{
  gsize length = strlen (text);
  GtkTextIter start, end, selection_start, selection_end;

  if (self->full_text != NULL)
    {
      GString *full = g_string_new_len (self->full_text, self->full_length);

      if (full->len > 0 && full->str[full->len - 1] != '\n')
        g_string_append_c (full, '\n');
      g_string_append_len (full, text, length);
      length = full->len;
      set_full_text (self, g_string_free (full, FALSE), length);
      return;
    }

  if (!g_utf8_validate_len (text, length, NULL) ||
      is_too_large_for_view (text, length, gtk_text_buffer_get_line_count (self->buffer)))
    {
      g_autofree char *before = NULL;
      g_autofree char *after = NULL;
      char *full;

      gtk_text_buffer_get_bounds (self->buffer, &start, &end);
      gtk_text_buffer_get_selection_bounds (self->buffer, &selection_start, &selection_end);
      before = gtk_text_buffer_get_text (self->buffer, &start, &selection_start, TRUE);
      after = gtk_text_buffer_get_text (self->buffer, &selection_end, &end, TRUE);
      full = g_strconcat (before, text, after, NULL);
      set_full_text (self, full, strlen (full));
      return;
    }

  gtk_text_buffer_begin_user_action (self->buffer);
  gtk_text_buffer_delete_selection (self->buffer, TRUE, TRUE);
  gtk_text_buffer_insert_interactive_at_cursor (self->buffer, text, length, TRUE);
  gtk_text_buffer_end_user_action (self->buffer);
  gtk_text_view_scroll_mark_onscreen (self->text_view, gtk_text_buffer_get_insert (self->buffer));
}

static void
clipboard_text_cb (GObject      *source_object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SluiceAddDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source_object), result, &error);
  if (text == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      g_debug ("Nothing to paste: %s", error != NULL ? error->message : "no text");
      gtk_widget_error_bell (GTK_WIDGET (self->text_view));
      return;
    }

  paste_text (self, text);
}

/* Replaces the text view's own paste, which would put any amount of text
 * into the view in one go. */
static void
text_view_paste_clipboard_cb (SluiceAddDialog *self,
                              GtkTextView     *text_view)
{
  g_signal_stop_emission_by_name (text_view, "paste-clipboard");

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (text_view)),
                                 self->cancellable,
                                 clipboard_text_cb, g_object_ref (self));
}

static void
clear_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SluiceAddDialog *self = SLUICE_ADD_DIALOG (widget);

  set_full_text (self, NULL, 0);
  gtk_text_buffer_set_text (self->buffer, "", 0);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

/* Kind and folder */

static void
update_folder_row (SluiceAddDialog *self)
{
  g_autofree char *shown = sluice_preferences_format_folder (self->directory);

  adw_action_row_set_subtitle (self->folder_row, shown);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->folder_row), shown);
}

static void
kind_button_toggled_cb (SluiceAddDialog *self,
                        GtkToggleButton *button)
{
  if (!gtk_toggle_button_get_active (button))
    return;

  sluice_add_dialog_set_kind (self,
                              button == self->scrape_button ? SLUICE_TASK_KIND_SCRAPE
                                                            : SLUICE_TASK_KIND_DOWNLOAD);
}

static void
chooser_response_cb (SluiceAddDialog *self,
                     int              response,
                     GtkNativeDialog *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;

      /* Folders without a local path (remote locations) cannot be saved to. */
      if (path != NULL)
        sluice_add_dialog_set_directory (self, path);
    }

  g_clear_object (&self->chooser);
}

static void
choose_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  SluiceAddDialog *self = SLUICE_ADD_DIALOG (widget);
  g_autoptr(GFile) current = NULL;

  if (self->chooser != NULL)
    return;

  self->chooser = gtk_file_chooser_native_new (_("Choose a Folder"),
                                               GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Select"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);

  current = g_file_new_for_path (self->directory);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), current, NULL);

  g_signal_connect_object (self->chooser, "response",
                           G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* Adding */

static void
emit_add (SluiceAddDialog *self)
{
  g_autoptr(SluiceUrlList) list = NULL;

  if (!sluice_add_dialog_get_can_add (self))
    return;

  list = g_object_ref (self->url_list);
  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_ADD], 0, list, self->kind, self->directory);
  /* Not gtk_window_close (), which does nothing before the dialog is shown. */
  gtk_window_destroy (GTK_WINDOW (self));
  g_object_unref (self);
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  SluiceAddDialog *self = SLUICE_ADD_DIALOG (widget);

  /* Pressed within the debounce, or before the parse finished: what is
   * added must be what is in the box now, so add when that parse is done. */
  if (self->busy)
    {
      self->add_pending = TRUE;
      if (self->parse_timeout_id != 0)
        {
          g_clear_handle_id (&self->parse_timeout_id, g_source_remove);
          parse_timeout_cb (self);
        }
      return;
    }

  emit_add (self);
}

/* GObject */

static void
sluice_add_dialog_constructed (GObject *object)
{
  SluiceAddDialog *self = SLUICE_ADD_DIALOG (object);
  g_autofree char *directory = NULL;

  G_OBJECT_CLASS (sluice_add_dialog_parent_class)->constructed (object);

  sluice_add_dialog_set_kind (self, g_settings_get_enum (self->settings, "default-kind"));

  directory = sluice_preferences_dup_download_folder (self->settings);
  sluice_add_dialog_set_directory (self, directory);
}

static void
sluice_add_dialog_dispose (GObject *object)
{
  SluiceAddDialog *self = SLUICE_ADD_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  cancel_parse (self);
  g_clear_handle_id (&self->spinner_timeout_id, g_source_remove);
  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  if (self->buffer != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->buffer, self);
      self->buffer = NULL;
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_ADD_DIALOG);

  G_OBJECT_CLASS (sluice_add_dialog_parent_class)->dispose (object);
}

static void
sluice_add_dialog_finalize (GObject *object)
{
  SluiceAddDialog *self = SLUICE_ADD_DIALOG (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->url_list);
  g_clear_pointer (&self->full_text, g_free);
  g_clear_pointer (&self->directory, g_free);

  G_OBJECT_CLASS (sluice_add_dialog_parent_class)->finalize (object);
}

static void
sluice_add_dialog_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SluiceAddDialog *self = SLUICE_ADD_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;

    case PROP_DIRECTORY:
      g_value_set_string (value, self->directory);
      break;

    case PROP_SUMMARY:
      g_value_set_string (value, sluice_add_dialog_get_summary (self));
      break;

    case PROP_CAN_ADD:
      g_value_set_boolean (value, sluice_add_dialog_get_can_add (self));
      break;

    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;

    case PROP_URL_LIST:
      g_value_set_object (value, self->url_list);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_add_dialog_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SluiceAddDialog *self = SLUICE_ADD_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    case PROP_KIND:
      sluice_add_dialog_set_kind (self, g_value_get_enum (value));
      break;

    case PROP_DIRECTORY:
      sluice_add_dialog_set_directory (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_add_dialog_class_init (SluiceAddDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = sluice_add_dialog_constructed;
  object_class->dispose = sluice_add_dialog_dispose;
  object_class->finalize = sluice_add_dialog_finalize;
  object_class->get_property = sluice_add_dialog_get_property;
  object_class->set_property = sluice_add_dialog_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       SLUICE_TYPE_TASK_KIND, SLUICE_TASK_KIND_DOWNLOAD,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DIRECTORY] =
    g_param_spec_string ("directory", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_ADD] =
    g_param_spec_boolean ("can-add", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_URL_LIST] =
    g_param_spec_object ("url-list", NULL, NULL,
                         SLUICE_TYPE_URL_LIST,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SluiceAddDialog::add:
   * @list: the parsed URLs
   * @kind: download or scrape
   * @directory: the absolute folder to save into
   */
  signals[SIGNAL_ADD] =
    g_signal_new ("add",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3,
                  SLUICE_TYPE_URL_LIST,
                  SLUICE_TYPE_TASK_KIND,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/sluice-add-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SluiceAddDialog, text_view);
  gtk_widget_class_bind_template_child (widget_class, SluiceAddDialog, hint_label);
  gtk_widget_class_bind_template_child (widget_class, SluiceAddDialog, preview_bar);
  gtk_widget_class_bind_template_child (widget_class, SluiceAddDialog, preview_label);
  gtk_widget_class_bind_template_child (widget_class, SluiceAddDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, SluiceAddDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, SluiceAddDialog, refused_expander);
  gtk_widget_class_bind_template_child (widget_class, SluiceAddDialog, refused_box);
  gtk_widget_class_bind_template_child (widget_class, SluiceAddDialog, download_button);
  gtk_widget_class_bind_template_child (widget_class, SluiceAddDialog, scrape_button);
  gtk_widget_class_bind_template_child (widget_class, SluiceAddDialog, folder_row);
  gtk_widget_class_bind_template_callback (widget_class, kind_button_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, text_view_paste_clipboard_cb);

  gtk_widget_class_install_action (widget_class, "dialog.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "dialog.choose-folder", NULL, choose_folder_action);
  gtk_widget_class_install_action (widget_class, "dialog.clear", NULL, clear_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sluice_add_dialog_init (SluiceAddDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->kind = SLUICE_TASK_KIND_DOWNLOAD;
  self->cancellable = g_cancellable_new ();
  self->buffer = gtk_text_view_get_buffer (self->text_view);
  g_signal_connect_object (self->buffer, "changed",
                           G_CALLBACK (buffer_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->text_view, "notify::has-focus",
                           G_CALLBACK (update_cursor_visible), self,
                           G_CONNECT_SWAPPED);

  /* Typing goes into the list, not to the first button. */
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->text_view));
  update_summary (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dialog.add", FALSE);
}

/* Public API */

void
sluice_add_dialog_set_text (SluiceAddDialog *self,
                            const char      *text)
{
  gsize length;

  g_return_if_fail (SLUICE_IS_ADD_DIALOG (self));

  if (text == NULL)
    text = "";
  length = strlen (text);

  /* Text that is not UTF-8 is kept as is, so that the parser can say
   * which lines are broken. */
  if (!g_utf8_validate_len (text, length, NULL) ||
      is_too_large_for_view (text, length, 0))
    {
      set_full_text (self, g_strndup (text, length), length);
      return;
    }

  set_full_text (self, NULL, 0);
  gtk_text_buffer_set_text (self->buffer, text, length);
}

char *
sluice_add_dialog_dup_text (SluiceAddDialog *self)
{
  GtkTextIter start, end;

  g_return_val_if_fail (SLUICE_IS_ADD_DIALOG (self), NULL);

  if (self->full_text != NULL)
    return g_strndup (self->full_text, self->full_length);

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  return gtk_text_buffer_get_text (self->buffer, &start, &end, TRUE);
}

const char *
sluice_add_dialog_get_summary (SluiceAddDialog *self)
{
  g_return_val_if_fail (SLUICE_IS_ADD_DIALOG (self), NULL);

  return gtk_label_get_text (self->summary_label);
}

gboolean
sluice_add_dialog_get_can_add (SluiceAddDialog *self)
{
  g_return_val_if_fail (SLUICE_IS_ADD_DIALOG (self), FALSE);

  return self->url_list != NULL && sluice_url_list_get_n_urls (self->url_list) > 0;
}

SluiceUrlList *
sluice_add_dialog_get_url_list (SluiceAddDialog *self)
{
  g_return_val_if_fail (SLUICE_IS_ADD_DIALOG (self), NULL);

  return self->url_list;
}

gboolean
sluice_add_dialog_get_busy (SluiceAddDialog *self)
{
  g_return_val_if_fail (SLUICE_IS_ADD_DIALOG (self), FALSE);

  return self->busy;
}

SluiceTaskKind
sluice_add_dialog_get_kind (SluiceAddDialog *self)
{
  g_return_val_if_fail (SLUICE_IS_ADD_DIALOG (self), SLUICE_TASK_KIND_DOWNLOAD);

  return self->kind;
}

void
sluice_add_dialog_set_kind (SluiceAddDialog *self,
                            SluiceTaskKind   kind)
{
  g_return_if_fail (SLUICE_IS_ADD_DIALOG (self));
  g_return_if_fail (kind == SLUICE_TASK_KIND_DOWNLOAD || kind == SLUICE_TASK_KIND_SCRAPE);

  /* The toggle buttons call back here; that second call changes nothing. */
  gtk_toggle_button_set_active (kind == SLUICE_TASK_KIND_SCRAPE ? self->scrape_button
                                                                : self->download_button,
                                TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->folder_row), kind == SLUICE_TASK_KIND_DOWNLOAD);

  if (self->kind == kind)
    return;

  self->kind = kind;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

const char *
sluice_add_dialog_get_directory (SluiceAddDialog *self)
{
  g_return_val_if_fail (SLUICE_IS_ADD_DIALOG (self), NULL);

  return self->directory;
}

void
sluice_add_dialog_set_directory (SluiceAddDialog *self,
                                 const char      *directory)
{
  g_autofree char *absolute = NULL;

  g_return_if_fail (SLUICE_IS_ADD_DIALOG (self));

  if (directory == NULL || *directory == '\0')
    return;

  absolute = g_canonicalize_filename (directory, NULL);
  if (g_strcmp0 (self->directory, absolute) == 0)
    return;

  g_free (self->directory);
  self->directory = g_steal_pointer (&absolute);

  update_folder_row (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRECTORY]);
}
