/* sluice-task-details.c
 *
 * The rows are rebuilt from the task's properties, at most a few times a
 * second, whatever changed: one task is shown at a time, so simplicity
 * wins over fine-grained updates.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sluice-format.h"
#include "sluice-task-details.h"

#define REFRESH_MS 250

struct _SluiceTaskDetails
{
  AdwBin      parent_instance;

  SluiceTask *task;
  gulong      notify_id;
  guint       refresh_source;
  guint       clock_source;    /* while the task's time goes on */
  GtkWidget  *title;
  GtkWidget  *actions;         /* what can be done with the task */
  GtkWidget  *cancel_button;
  GtkWidget  *retry_button;
  GtkWidget  *open_button;
  GtkWidget  *show_button;
  GtkWidget  *grid;
  GArray     *rows;            /* Row, as shown */
  GArray     *pending;         /* Row, being gathered by rebuild () */
};

/* One key and its value; value_label and copy are NULL until shown. */
typedef struct {
  const char *key;             /* translated, static */
  char       *value;
  gboolean    copyable;
  GtkWidget  *value_label;
  GtkWidget  *copy;
} Row;

static void
row_clear (Row *row)
{
  g_clear_pointer (&row->value, g_free);
}

G_DEFINE_FINAL_TYPE (SluiceTaskDetails, sluice_task_details, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_TASK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
on_copy_clicked (GtkButton  *button,
                 const char *unused)
{
  const char *value = g_object_get_data (G_OBJECT (button), "sluice-value");
  GtkWidget *toast_target;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button)), value);
  toast_target = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_TOAST_OVERLAY);
  if (toast_target != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (toast_target), adw_toast_new (_("Copied")));
}

static void
add_row (SluiceTaskDetails *self,
         const char        *key,
         const char        *value,
         gboolean           copyable)
{
  Row row = { key, NULL, copyable, NULL, NULL };

  if (value == NULL || *value == '\0')
    return;
  row.value = g_strdup (value);
  g_array_append_val (self->pending, row);
}

static void
show_row (SluiceTaskDetails *self,
          Row               *row,
          int                position)
{
  GtkWidget *key_label = gtk_label_new (row->key);

  gtk_label_set_xalign (GTK_LABEL (key_label), 1);
  gtk_label_set_yalign (GTK_LABEL (key_label), 0);
  gtk_widget_add_css_class (key_label, "dim-label");

  row->value_label = gtk_label_new (row->value);
  gtk_label_set_xalign (GTK_LABEL (row->value_label), 0);
  gtk_label_set_wrap (GTK_LABEL (row->value_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (row->value_label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (row->value_label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (row->value_label), 40);
  gtk_widget_set_hexpand (row->value_label, TRUE);

  gtk_grid_attach (GTK_GRID (self->grid), key_label, 0, position, 1, 1);
  gtk_grid_attach (GTK_GRID (self->grid), row->value_label, 1, position, 1, 1);

  if (row->copyable)
    {
      g_autofree char *label = g_strdup_printf (_("Copy %s"), row->key);

      row->copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");
      gtk_widget_add_css_class (row->copy, "flat");
      gtk_widget_set_valign (row->copy, GTK_ALIGN_START);
      gtk_widget_set_tooltip_text (row->copy, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row->copy), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      g_object_set_data_full (G_OBJECT (row->copy), "sluice-value", g_strdup (row->value), g_free);
      g_signal_connect (row->copy, "clicked", G_CALLBACK (on_copy_clicked), NULL);
      gtk_grid_attach (GTK_GRID (self->grid), row->copy, 2, position, 1, 1);
    }
}

/* Shows the rows gathered.  While the same keys are shown (a running
 * task's figures changing), values change in place: the widgets, and the
 * keyboard focus or a selection on them, stay. */
static void
show_rows (SluiceTaskDetails *self)
{
  gboolean same = self->rows->len == self->pending->len;
  GArray *shown;
  GtkWidget *child;
  GtkWidget *focus;
  GtkRoot *root;

  for (guint i = 0; same && i < self->rows->len; i++)
    {
      Row *old = &g_array_index (self->rows, Row, i);
      Row *new = &g_array_index (self->pending, Row, i);

      same = g_strcmp0 (old->key, new->key) == 0 && old->copyable == new->copyable;
    }

  if (same)
    {
      for (guint i = 0; i < self->rows->len; i++)
        {
          Row *old = &g_array_index (self->rows, Row, i);
          Row *new = &g_array_index (self->pending, Row, i);

          if (g_strcmp0 (old->value, new->value) == 0)
            continue;
          gtk_label_set_label (GTK_LABEL (old->value_label), new->value);
          if (old->copy != NULL)
            g_object_set_data_full (G_OBJECT (old->copy), "sluice-value", g_strdup (new->value), g_free);
          new->value_label = old->value_label;
          new->copy = old->copy;
          g_free (old->value);
          old->value = g_steal_pointer (&new->value);
        }
      g_array_set_size (self->pending, 0);
      return;
    }

  /* Rows come and go: focus on one of them stays in the pane. */
  root = gtk_widget_get_root (GTK_WIDGET (self));
  focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  if (focus != NULL && gtk_widget_is_ancestor (focus, self->grid))
    gtk_widget_grab_focus (self->title);
  while ((child = gtk_widget_get_first_child (self->grid)) != NULL)
    gtk_grid_remove (GTK_GRID (self->grid), child);
  for (guint i = 0; i < self->pending->len; i++)
    show_row (self, &g_array_index (self->pending, Row, i), (int) i);
  shown = self->rows;
  self->rows = self->pending;
  self->pending = shown;
  g_array_set_size (self->pending, 0);
}

static char *
format_time (gint64 wall_us)
{
  g_autoptr(GDateTime) time = NULL;

  if (wall_us == 0)
    return NULL;
  time = g_date_time_new_from_unix_local (wall_us / G_USEC_PER_SEC);
  return g_date_time_format (time, "%x %X");
}

/* The task's own actions, also reachable here when the table's actions
 * column is out of sight (the pane covers it in a narrow window). */
static void
update_actions (SluiceTaskDetails *self)
{
  SluiceTask *task = self->task;
  const char *path = task != NULL ? sluice_task_get_path (task) : NULL;
  gboolean active = task != NULL && !sluice_task_is_finished (task);
  gboolean stopped = task != NULL && (sluice_task_get_state (task) == SLUICE_TASK_STATE_FAILED ||
                                      sluice_task_get_state (task) == SLUICE_TASK_STATE_CANCELLED);
  gboolean saved = task != NULL && sluice_task_get_state (task) == SLUICE_TASK_STATE_DONE &&
                   sluice_task_get_kind (task) == SLUICE_TASK_KIND_DOWNLOAD && path != NULL;

  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  gboolean focus_here = focus != NULL && gtk_widget_is_ancestor (focus, self->actions);

  gtk_widget_set_visible (self->cancel_button, active);
  gtk_widget_set_visible (self->retry_button, stopped);
  gtk_widget_set_visible (self->open_button, saved);
  gtk_widget_set_visible (self->show_button, saved);
  if (saved)
    {
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->open_button), "s", path);
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->show_button), "s", path);
    }
  gtk_widget_set_visible (self->actions, active || stopped || saved);

  /* A button that went away with its use (Cancel, once cancelled) hands
   * the focus to the one that came (Retry). */
  if (focus_here && !gtk_widget_get_visible (focus))
    {
      GtkWidget *next = gtk_widget_get_first_child (self->actions);

      while (next != NULL && !gtk_widget_get_visible (next))
        next = gtk_widget_get_next_sibling (next);
      gtk_widget_grab_focus (next != NULL ? next : self->title);
    }
}

static void
on_cancel_clicked (SluiceTaskDetails *self)
{
  if (self->task != NULL)
    sluice_task_cancel (self->task);
}

static void
on_retry_clicked (SluiceTaskDetails *self)
{
  if (self->task != NULL)
    sluice_task_retry (self->task);
}

static GtkWidget *
new_action_button (SluiceTaskDetails *self,
                   const char        *label)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_box_append (GTK_BOX (self->actions), button);
  return button;
}

static void
rebuild (SluiceTaskDetails *self)
{
  SluiceTask *task = self->task;
  g_autofree char *status = NULL;
  g_autofree char *size = NULL;
  g_autofree char *started = NULL;
  g_autofree char *finished = NULL;
  g_autofree char *elapsed = NULL;
  g_autofree char *attempts = NULL;
  g_autofree char *error = NULL;
  const char *url;
  const char *final_url;

  update_actions (self);
  if (task == NULL)
    {
      gtk_label_set_label (GTK_LABEL (self->title), "");
      show_rows (self);
      return;
    }

  {
    g_autofree char *name = sluice_format_name (task);

    if (g_strcmp0 (gtk_label_get_label (GTK_LABEL (self->title)), name) != 0)
      gtk_label_set_label (GTK_LABEL (self->title), name);
  }

  add_row (self, _("State"), sluice_format_state_label (task), FALSE);
  /* Shown (and copied) without any password the URL carries. */
  url = sluice_task_get_shown_uri (task);
  add_row (self, _("URL"), url, TRUE);
  final_url = sluice_task_get_final_uri (task);
  if (final_url != NULL && g_strcmp0 (final_url, url) != 0)
    add_row (self, _("Final URL"), final_url, TRUE);
  if (sluice_task_get_http_status (task) != 0)
    status = g_strdup_printf ("%u", sluice_task_get_http_status (task));
  add_row (self, _("HTTP status"), status, FALSE);
  add_row (self, _("Content type"), sluice_task_get_content_type (task), FALSE);

  if (sluice_task_get_kind (task) == SLUICE_TASK_KIND_DOWNLOAD)
    {
      size = sluice_format_progress (task);
      add_row (self, _("Size"), size, FALSE);
      add_row (self, _("SHA-256"), sluice_task_get_sha256 (task), TRUE);
      add_row (self, _("File"), sluice_task_get_path (task), TRUE);
    }
  else
    {
      const char * const *headings = sluice_task_get_headings (task);
      g_autofree char *links = NULL;

      add_row (self, _("Title"), sluice_task_get_title (task), TRUE);
      for (guint i = 0; headings[i] != NULL && i < 50; i++)
        /* Translators: the label of a page's top-level heading (<h1>) */
        add_row (self, i == 0 ? _("Headings") : "", headings[i], FALSE);
      if (sluice_task_is_finished (task))
        links = g_strdup_printf ("%u", sluice_task_get_link_count (task));
      add_row (self, _("Links"), links, FALSE);
      add_row (self, _("Description"), sluice_task_get_description (task), TRUE);
    }

  started = format_time (sluice_task_get_started_wall (task));
  finished = format_time (sluice_task_get_finished_wall (task));
  if (sluice_task_get_started (task) != 0)
    elapsed = sluice_format_duration (sluice_task_get_elapsed (task));
  if (sluice_task_get_attempt (task) > 0)
    attempts = g_strdup_printf ("%u", sluice_task_get_attempt (task));
  add_row (self, _("Started"), started, FALSE);
  add_row (self, _("Finished"), finished, FALSE);
  add_row (self, _("Elapsed"), elapsed, FALSE);
  add_row (self, _("Attempts"), attempts, FALSE);
  if (sluice_task_get_error_kind (task) != SLUICE_ERROR_NONE)
    error = g_strdup_printf ("%s (%s)", sluice_task_get_error_message (task),
                             sluice_format_error_kind (sluice_task_get_error_kind (task)));
  add_row (self, _("Error"), error, TRUE);
  show_rows (self);
}

static gboolean
refresh_now (gpointer user_data)
{
  SluiceTaskDetails *self = user_data;

  self->refresh_source = 0;
  rebuild (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_clock (gpointer user_data)
{
  rebuild (SLUICE_TASK_DETAILS (user_data));
  return G_SOURCE_CONTINUE;
}

/* A task connecting, stalled or waiting to retry says nothing for a while;
 * its elapsed time goes on all the same (as in its row). */
static void
update_clock (SluiceTaskDetails *self)
{
  /* Started and not over: connecting, running or waiting to retry. */
  gboolean ticking = self->task != NULL && !sluice_task_is_finished (self->task) &&
                     sluice_task_get_state (self->task) != SLUICE_TASK_STATE_QUEUED;

  if (ticking && self->clock_source == 0)
    {
      self->clock_source = g_timeout_add_seconds (1, on_clock, self);
      g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->clock_source),
                                "[sluice] details clock");
    }
  else if (!ticking)
    g_clear_handle_id (&self->clock_source, g_source_remove);
}

static void
on_task_notify (SluiceTask        *task,
                GParamSpec        *pspec,
                SluiceTaskDetails *self)
{
  if (pspec == NULL || g_str_equal (pspec->name, "state"))
    update_clock (self);
  if (self->refresh_source == 0)
    self->refresh_source = g_timeout_add (REFRESH_MS, refresh_now, self);
}

SluiceTask *
sluice_task_details_get_task (SluiceTaskDetails *self)
{
  g_return_val_if_fail (SLUICE_IS_TASK_DETAILS (self), NULL);
  return self->task;
}

void
sluice_task_details_set_task (SluiceTaskDetails *self,
                              SluiceTask        *task)
{
  g_return_if_fail (SLUICE_IS_TASK_DETAILS (self));

  if (self->task == task)
    return;
  g_clear_signal_handler (&self->notify_id, self->task);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_set_object (&self->task, task);
  if (task != NULL)
    self->notify_id = g_signal_connect (task, "notify", G_CALLBACK (on_task_notify), self);
  update_clock (self);
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TASK]);
}

static void
sluice_task_details_dispose (GObject *object)
{
  SluiceTaskDetails *self = SLUICE_TASK_DETAILS (object);

  g_clear_signal_handler (&self->notify_id, self->task);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_clear_handle_id (&self->clock_source, g_source_remove);
  g_clear_object (&self->task);

  G_OBJECT_CLASS (sluice_task_details_parent_class)->dispose (object);
}

static void
sluice_task_details_finalize (GObject *object)
{
  SluiceTaskDetails *self = SLUICE_TASK_DETAILS (object);

  g_array_unref (self->rows);
  g_array_unref (self->pending);

  G_OBJECT_CLASS (sluice_task_details_parent_class)->finalize (object);
}

static void
sluice_task_details_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SluiceTaskDetails *self = SLUICE_TASK_DETAILS (object);

  switch (prop_id)
    {
    case PROP_TASK: g_value_set_object (value, self->task); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_task_details_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  SluiceTaskDetails *self = SLUICE_TASK_DETAILS (object);

  switch (prop_id)
    {
    case PROP_TASK: sluice_task_details_set_task (self, g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_task_details_class_init (SluiceTaskDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sluice_task_details_dispose;
  object_class->finalize = sluice_task_details_finalize;
  object_class->get_property = sluice_task_details_get_property;
  object_class->set_property = sluice_task_details_set_property;

  properties[PROP_TASK] = g_param_spec_object ("task", NULL, NULL, SLUICE_TYPE_TASK,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                               G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sluice_task_details_init (SluiceTaskDetails *self)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 12);

  self->title = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->title), 0);
  gtk_label_set_wrap (GTK_LABEL (self->title), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (self->title), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (self->title), TRUE);
  gtk_widget_add_css_class (self->title, "title-3");

  self->rows = g_array_new (FALSE, TRUE, sizeof (Row));
  g_array_set_clear_func (self->rows, (GDestroyNotify) row_clear);
  self->pending = g_array_new (FALSE, TRUE, sizeof (Row));
  g_array_set_clear_func (self->pending, (GDestroyNotify) row_clear);

  self->grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (self->grid), 8);
  gtk_grid_set_column_spacing (GTK_GRID (self->grid), 12);

  self->actions = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->cancel_button = new_action_button (self, _("_Cancel Task"));
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (on_cancel_clicked), self);
  self->retry_button = new_action_button (self, _("_Retry"));
  g_signal_connect_swapped (self->retry_button, "clicked", G_CALLBACK (on_retry_clicked), self);
  /* (A target of the action's type from the start: the path comes later.) */
  self->open_button = new_action_button (self, _("Open _File"));
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->open_button), "s", "");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->open_button), "win.open-file");
  self->show_button = new_action_button (self, _("_Show in Folder"));
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->show_button), "s", "");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->show_button), "win.show-file");
  update_actions (self);

  gtk_box_append (GTK_BOX (box), self->title);
  gtk_box_append (GTK_BOX (box), self->actions);
  gtk_box_append (GTK_BOX (box), self->grid);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), box);
  adw_bin_set_child (ADW_BIN (self), scrolled);
  gtk_widget_set_size_request (GTK_WIDGET (self), 300, -1);
}

GtkWidget *
sluice_task_details_new (void)
{
  return g_object_new (SLUICE_TYPE_TASK_DETAILS, NULL);
}
