/* sluice-task-columns.c
 *
 * Each cell connects to its task's "notify" when bound and disconnects when
 * unbound; the view only ever creates a couple of hundred rows, so the cost
 * follows how often visible tasks change, not how many there are.  Numbers
 * that change often are GtkInscriptions with fixed widths: they redraw
 * without relayouting the list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sluice-format.h"
#include "sluice-task-columns.h"
#include "sluice-task.h"

#define TICK_SECONDS 1

struct _SluiceTaskColumns
{
  GObject     parent_instance;

  GHashTable *ticking;   /* Cell* whose text depends on the clock */
  guint       tick_source;
};

G_DEFINE_FINAL_TYPE (SluiceTaskColumns, sluice_task_columns, G_TYPE_OBJECT)

typedef enum {
  ACTION_NONE,
  ACTION_CANCEL,
  ACTION_RETRY,
  ACTION_OPEN,
} PrimaryAction;

typedef struct {
  SluiceTaskColumns *columns;   /* unowned; outlives the view's cells */
  SluiceColumn       column;
  SluiceTask        *task;      /* the bound task, or NULL */
  gulong             notify_id;
  GtkWidget         *root;
  GtkWidget         *icon;
  GtkWidget         *label;
  GtkWidget         *sublabel;
  GtkWidget         *progress;
  GtkWidget         *primary;      /* cancel, retry or open */
  PrimaryAction      primary_action;
  GtkWidget         *show;         /* made when a file exists */
  const char        *state_class;  /* static string: the state cell's class */
} Cell;

static void       update_cell     (Cell       *cell);
static GtkWidget *new_icon_button (const char *icon_name,
                                   Cell       *cell);
static void       on_open_clicked (GtkButton  *button,
                                   gpointer    user_data);

static void
sluice_task_columns_finalize (GObject *object)
{
  SluiceTaskColumns *self = (SluiceTaskColumns *) object;

  g_clear_handle_id (&self->tick_source, g_source_remove);
  g_clear_pointer (&self->ticking, g_hash_table_unref);

  G_OBJECT_CLASS (sluice_task_columns_parent_class)->finalize (object);
}

static void
sluice_task_columns_class_init (SluiceTaskColumnsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sluice_task_columns_finalize;
}

static void
sluice_task_columns_init (SluiceTaskColumns *self)
{
  self->ticking = g_hash_table_new (NULL, NULL);
}

SluiceTaskColumns *
sluice_task_columns_new (void)
{
  return g_object_new (SLUICE_TYPE_TASK_COLUMNS, NULL);
}

/* The clock */

static gboolean
tick (gpointer user_data)
{
  SluiceTaskColumns *self = user_data;
  GHashTableIter iter;
  Cell *cell;

  g_hash_table_iter_init (&iter, self->ticking);
  while (g_hash_table_iter_next (&iter, (gpointer *) &cell, NULL))
    update_cell (cell);
  return G_SOURCE_CONTINUE;
}

static gboolean
cell_needs_clock (Cell *cell)
{
  SluiceTaskState state;

  if (cell->task == NULL ||
      (cell->column != SLUICE_COLUMN_ELAPSED && cell->column != SLUICE_COLUMN_RESULT))
    return FALSE;
  state = sluice_task_get_state (cell->task);
  if (cell->column == SLUICE_COLUMN_ELAPSED)
    return state == SLUICE_TASK_STATE_CONNECTING || state == SLUICE_TASK_STATE_RUNNING ||
           state == SLUICE_TASK_STATE_WAITING_RETRY;
  return state == SLUICE_TASK_STATE_WAITING_RETRY;
}

static void
update_ticking (Cell *cell)
{
  SluiceTaskColumns *self = cell->columns;

  if (cell_needs_clock (cell))
    g_hash_table_add (self->ticking, cell);
  else
    g_hash_table_remove (self->ticking, cell);

  if (g_hash_table_size (self->ticking) > 0 && self->tick_source == 0)
    {
      self->tick_source = g_timeout_add_seconds (TICK_SECONDS, tick, self);
      g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->tick_source),
                                "[sluice] table clock");
    }
  else if (g_hash_table_size (self->ticking) == 0)
    g_clear_handle_id (&self->tick_source, g_source_remove);
}

/* Updating cells */

static void
set_inscription (GtkWidget  *widget,
                 const char *text)
{
  if (g_strcmp0 (gtk_inscription_get_text (GTK_INSCRIPTION (widget)), text) != 0)
    gtk_inscription_set_text (GTK_INSCRIPTION (widget), text);
}

/* Tooltips are asked for when shown (query-tooltip), never set: in GTK 4.8
 * each gtk_widget_set_tooltip_text() asks the X server where the pointer is,
 * a round trip for every visible row whose task changes state. */
#define BUTTON_LABEL_KEY "sluice-button-label"

static gboolean
on_query_tooltip (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard_mode,
                  GtkTooltip *tooltip,
                  gpointer    user_data)
{
  const char *text = GTK_IS_INSCRIPTION (widget)
                   ? gtk_inscription_get_text (GTK_INSCRIPTION (widget))
                   : sluice_task_columns_get_button_label (widget);

  if (text == NULL || *text == '\0')
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* The widget's text (an inscription's, a row button's label) as its
 * tooltip, whole even where the cell cuts it. */
static void
add_text_tooltip (GtkWidget *widget)
{
  gtk_widget_set_has_tooltip (widget, TRUE);
  g_signal_connect (widget, "query-tooltip", G_CALLBACK (on_query_tooltip), NULL);
}

const char *
sluice_task_columns_get_button_label (GtkWidget *button)
{
  g_return_val_if_fail (GTK_IS_BUTTON (button), NULL);
  return g_object_get_data (G_OBJECT (button), BUTTON_LABEL_KEY);
}

static void
set_button_label (GtkWidget  *button,
                  const char *format,
                  ...) G_GNUC_PRINTF (2, 3);

static void
set_button_label (GtkWidget  *button,
                  const char *format,
                  ...)
{
  g_autofree char *label = NULL;
  va_list args;

  va_start (args, format);
  label = g_strdup_vprintf (format, args);
  va_end (args);

  if (g_strcmp0 (sluice_task_columns_get_button_label (button), label) == 0)
    return;
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  g_object_set_data_full (G_OBJECT (button), BUTTON_LABEL_KEY, g_steal_pointer (&label), g_free);
}

/* Setting an icon, even the same one, makes the table lay out again. */
static void
set_image_icon (GtkWidget  *image,
                const char *icon_name)
{
  if (g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (image)), icon_name) != 0)
    gtk_image_set_from_icon_name (GTK_IMAGE (image), icon_name);
}

static void
set_button_icon (GtkWidget  *button,
                 const char *icon_name)
{
  if (g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (button)), icon_name) != 0)
    gtk_button_set_icon_name (GTK_BUTTON (button), icon_name);
}

static void
update_state (Cell *cell)
{
  SluiceTask *task = cell->task;
  SluiceTaskState state = sluice_task_get_state (task);
  const char *state_class = NULL;

  set_image_icon (cell->icon, sluice_format_state_icon (task));
  set_inscription (cell->label, sluice_format_state_label (task));

  if (state == SLUICE_TASK_STATE_DONE)
    state_class = "success";
  else if (state == SLUICE_TASK_STATE_FAILED)
    state_class = "error";
  else if (state == SLUICE_TASK_STATE_CANCELLED || state == SLUICE_TASK_STATE_QUEUED)
    state_class = "task-dim";
  /* Restyled only when it changes (a class, the same one, would restyle). */
  if (g_strcmp0 (state_class, cell->state_class) == 0)
    return;
  if (cell->state_class != NULL)
    gtk_widget_remove_css_class (cell->root, cell->state_class);
  if (state_class != NULL)
    gtk_widget_add_css_class (cell->root, state_class);
  cell->state_class = state_class;
}

static void
update_progress (Cell *cell)
{
  SluiceTask *task = cell->task;
  SluiceTaskState state = sluice_task_get_state (task);
  double fraction = sluice_task_get_fraction (task);
  g_autofree char *text = sluice_format_progress (task);

  set_inscription (cell->label, text);
  if (cell->progress == NULL)
    {
      /* The view builds ~200 rows at once when a big batch arrives; queued
       * tasks need no bar, so rows stay cheap until bytes flow. */
      if (state == SLUICE_TASK_STATE_QUEUED)
        return;
      cell->progress = gtk_progress_bar_new ();
      gtk_progress_bar_set_pulse_step (GTK_PROGRESS_BAR (cell->progress), 0.1);
      gtk_box_prepend (GTK_BOX (cell->root), cell->progress);
    }
  if (state == SLUICE_TASK_STATE_DONE)
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (cell->progress), 1.0);
  else if (fraction >= 0)
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (cell->progress), fraction);
  else if (state == SLUICE_TASK_STATE_RUNNING)
    /* Unknown size: pulse with each batch of bytes. */
    gtk_progress_bar_pulse (GTK_PROGRESS_BAR (cell->progress));
  else
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (cell->progress), 0);
}

static void
update_actions (Cell *cell)
{
  SluiceTask *task = cell->task;
  SluiceTaskState state = sluice_task_get_state (task);
  g_autofree char *name = sluice_format_name (task);
  gboolean downloaded = state == SLUICE_TASK_STATE_DONE &&
                        sluice_task_get_kind (task) == SLUICE_TASK_KIND_DOWNLOAD &&
                        sluice_task_get_path (task) != NULL;

  /* One button does what the state allows (cancel, retry or open), and
   * "show in folder" exists only once a file does: rows stay light.
   * Screen readers (and UI tests) find the buttons by these names. */
  if (!sluice_task_is_finished (task))
    {
      cell->primary_action = ACTION_CANCEL;
      set_button_icon (cell->primary, "process-stop-symbolic");
      /* Translators: %s is a file name, page title or URL */
      set_button_label (cell->primary, _("Cancel %s"), name);
    }
  else if (state == SLUICE_TASK_STATE_FAILED || state == SLUICE_TASK_STATE_CANCELLED)
    {
      cell->primary_action = ACTION_RETRY;
      set_button_icon (cell->primary, "view-refresh-symbolic");
      /* Translators: %s is a file name, page title or URL */
      set_button_label (cell->primary, _("Retry %s"), name);
    }
  else if (downloaded)
    {
      cell->primary_action = ACTION_OPEN;
      set_button_icon (cell->primary, "text-x-generic-symbolic");
      /* Translators: %s is a file name */
      set_button_label (cell->primary, _("Open %s"), name);
    }
  else
    cell->primary_action = ACTION_NONE;
  gtk_widget_set_visible (cell->primary, cell->primary_action != ACTION_NONE);

  if (downloaded && cell->show == NULL)
    {
      cell->show = new_icon_button ("folder-open-symbolic", cell);
      g_signal_connect (cell->show, "clicked", G_CALLBACK (on_open_clicked), (gpointer) "win.show-file");
      gtk_box_append (GTK_BOX (cell->root), cell->show);
    }
  if (cell->show != NULL)
    {
      gtk_widget_set_visible (cell->show, downloaded);
      /* Translators: %s is a file name */
      set_button_label (cell->show, _("Show %s in Folder"), name);
    }
}

static void
update_cell (Cell *cell)
{
  SluiceTask *task = cell->task;

  if (task == NULL)
    return;

  switch (cell->column)
    {
    case SLUICE_COLUMN_STATE:
      update_state (cell);
      break;
    case SLUICE_COLUMN_NAME:
      {
        g_autofree char *name = sluice_format_name (task);
        set_inscription (cell->label, name);
      }
      /* A password in a URL is nobody's business on screen. */
      set_inscription (cell->sublabel, sluice_task_get_shown_uri (task));
      break;
    case SLUICE_COLUMN_PROGRESS:
      update_progress (cell);
      break;
    case SLUICE_COLUMN_SPEED:
      {
        g_autofree char *text = sluice_task_get_state (task) == SLUICE_TASK_STATE_RUNNING
                              ? sluice_format_speed (sluice_task_get_speed (task)) : g_strdup ("");
        set_inscription (cell->label, text);
      }
      break;
    case SLUICE_COLUMN_ELAPSED:
      {
        g_autofree char *text = sluice_task_get_started (task) != 0
                              ? sluice_format_duration (sluice_task_get_elapsed (task)) : g_strdup ("");
        set_inscription (cell->label, text);
      }
      break;
    case SLUICE_COLUMN_RESULT:
      {
        g_autofree char *text = sluice_format_result (task);
        set_inscription (cell->label, text);
      }
      break;
    case SLUICE_COLUMN_ACTIONS:
      update_actions (cell);
      break;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
column_cares_about (SluiceColumn  column,
                    const char   *property)
{
  /* Property names are interned, so pointer comparison would do; strcmp
   * keeps it readable and is cheap at ~10 notifications a second. */
  switch (column)
    {
    case SLUICE_COLUMN_STATE:
      return g_str_equal (property, "state") || g_str_equal (property, "held-by-host");
    case SLUICE_COLUMN_NAME:
      return g_str_equal (property, "display-name");
    case SLUICE_COLUMN_PROGRESS:
      return g_str_equal (property, "bytes-received") || g_str_equal (property, "bytes-total") ||
             g_str_equal (property, "state");
    case SLUICE_COLUMN_SPEED:
      return g_str_equal (property, "speed") || g_str_equal (property, "state");
    case SLUICE_COLUMN_ELAPSED:
      return g_str_equal (property, "state") || g_str_equal (property, "started");
    case SLUICE_COLUMN_RESULT:
      return g_str_equal (property, "state") || g_str_equal (property, "held-by-host") ||
             g_str_equal (property, "error-message") || g_str_equal (property, "title") ||
             g_str_equal (property, "link-count") || g_str_equal (property, "retry-at");
    case SLUICE_COLUMN_ACTIONS:
      return g_str_equal (property, "state") || g_str_equal (property, "display-name") ||
             g_str_equal (property, "path");
    default:
      return FALSE;
    }
}

static void
on_task_notify (SluiceTask *task,
                GParamSpec *pspec,
                Cell       *cell)
{
  if (!column_cares_about (cell->column, pspec->name))
    return;
  update_cell (cell);
  if (g_str_equal (pspec->name, "state"))
    update_ticking (cell);
}

/* Actions */

static SluiceTask *
cell_task_for (GtkWidget *button)
{
  Cell *cell = g_object_get_data (G_OBJECT (button), "sluice-cell");

  return cell != NULL ? cell->task : NULL;
}

static void
on_open_clicked (GtkButton *button,
                 gpointer   user_data)
{
  SluiceTask *task = cell_task_for (GTK_WIDGET (button));
  const char *action = user_data;

  if (task == NULL || sluice_task_get_path (task) == NULL)
    return;
  gtk_widget_activate_action (GTK_WIDGET (button), action, "s", sluice_task_get_path (task));
}

static void
on_primary_clicked (GtkButton *button,
                    gpointer   user_data)
{
  Cell *cell = g_object_get_data (G_OBJECT (button), "sluice-cell");

  if (cell == NULL || cell->task == NULL)
    return;
  switch (cell->primary_action)
    {
    case ACTION_CANCEL:
      sluice_task_cancel (cell->task);
      break;
    case ACTION_RETRY:
      sluice_task_retry (cell->task);
      break;
    case ACTION_OPEN:
      on_open_clicked (button, (gpointer) "win.open-file");
      break;
    case ACTION_NONE:
    default:
      break;
    }
}

/* Factories */

static GtkWidget *
new_icon_button (const char *icon_name,
                 Cell       *cell)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  add_text_tooltip (button);
  g_object_set_data (G_OBJECT (button), "sluice-cell", cell);
  return button;
}

static GtkWidget *
new_text_inscription (int min_chars,
                      int nat_chars)
{
  GtkWidget *inscription = gtk_inscription_new (NULL);

  gtk_inscription_set_min_chars (GTK_INSCRIPTION (inscription), min_chars);
  gtk_inscription_set_nat_chars (GTK_INSCRIPTION (inscription), nat_chars);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (inscription), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_inscription_set_xalign (GTK_INSCRIPTION (inscription), 0);
  gtk_widget_set_valign (inscription, GTK_ALIGN_CENTER);
  return inscription;
}

static GtkWidget *
new_number_inscription (int chars)
{
  GtkWidget *inscription = new_text_inscription (chars, chars);

  gtk_widget_add_css_class (inscription, "numeric");
  return inscription;
}

static void
build_cell (Cell *cell)
{
  switch (cell->column)
    {
    case SLUICE_COLUMN_STATE:
      cell->root = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      cell->icon = gtk_image_new ();
      /* Inscriptions, not labels, for text that changes while tasks run:
       * a label asks the whole table to lay out again on each change. */
      cell->label = new_text_inscription (14, 16);
      gtk_box_append (GTK_BOX (cell->root), cell->icon);
      gtk_box_append (GTK_BOX (cell->root), cell->label);
      break;
    case SLUICE_COLUMN_NAME:
      cell->root = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      /* Inscriptions: a label shapes its whole text to measure it, for
       * each of the ~200 rows the view builds; these only draw what shows. */
      cell->label = new_text_inscription (20, 40);
      gtk_widget_add_css_class (cell->label, "heading");
      cell->sublabel = new_text_inscription (20, 40);
      gtk_inscription_set_text_overflow (GTK_INSCRIPTION (cell->sublabel), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_MIDDLE);
      gtk_widget_add_css_class (cell->sublabel, "caption");
      gtk_widget_add_css_class (cell->sublabel, "task-dim");
      add_text_tooltip (cell->label);
      add_text_tooltip (cell->sublabel);
      gtk_box_append (GTK_BOX (cell->root), cell->label);
      gtk_box_append (GTK_BOX (cell->root), cell->sublabel);
      break;
    case SLUICE_COLUMN_PROGRESS:
      cell->root = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      gtk_widget_set_valign (cell->root, GTK_ALIGN_CENTER);
      cell->label = new_number_inscription (18);
      gtk_widget_add_css_class (cell->label, "caption");
      gtk_box_append (GTK_BOX (cell->root), cell->label);
      break;
    case SLUICE_COLUMN_SPEED:
      cell->root = cell->label = new_number_inscription (10);
      break;
    case SLUICE_COLUMN_ELAPSED:
      cell->root = cell->label = new_number_inscription (7);
      break;
    case SLUICE_COLUMN_RESULT:
      cell->root = cell->label = new_text_inscription (16, 32);
      add_text_tooltip (cell->label);
      break;
    case SLUICE_COLUMN_ACTIONS:
      cell->root = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
      cell->primary = new_icon_button ("process-stop-symbolic", cell);
      g_signal_connect (cell->primary, "clicked", G_CALLBACK (on_primary_clicked), NULL);
      gtk_box_append (GTK_BOX (cell->root), cell->primary);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
on_setup (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          SluiceTaskColumns        *self)
{
  Cell *cell = g_new0 (Cell, 1);
  cell->columns = self;
  cell->column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "sluice-column"));
  build_cell (cell);
  gtk_list_item_set_child (item, cell->root);
  g_object_set_data_full (G_OBJECT (item), "sluice-cell", cell, g_free);
}

static void
on_bind (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         SluiceTaskColumns        *self)
{
  Cell *cell = g_object_get_data (G_OBJECT (item), "sluice-cell");

  cell->task = gtk_list_item_get_item (item);
  cell->notify_id = g_signal_connect (cell->task, "notify", G_CALLBACK (on_task_notify), cell);
  update_cell (cell);
  update_ticking (cell);
}

static void
on_unbind (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           SluiceTaskColumns        *self)
{
  Cell *cell = g_object_get_data (G_OBJECT (item), "sluice-cell");

  g_clear_signal_handler (&cell->notify_id, cell->task);
  g_hash_table_remove (self->ticking, cell);
  cell->task = NULL;
  update_ticking (cell);
}

static void
on_teardown (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             SluiceTaskColumns        *self)
{
  Cell *cell = g_object_get_data (G_OBJECT (item), "sluice-cell");

  if (cell != NULL)
    g_hash_table_remove (self->ticking, cell);
}

GtkListItemFactory *
sluice_task_columns_create_factory (SluiceTaskColumns *self,
                                    SluiceColumn       column)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_return_val_if_fail (SLUICE_IS_TASK_COLUMNS (self), factory);

  g_object_set_data (G_OBJECT (factory), "sluice-column", GINT_TO_POINTER (column));
  g_signal_connect_object (factory, "setup", G_CALLBACK (on_setup), self, 0);
  g_signal_connect_object (factory, "bind", G_CALLBACK (on_bind), self, 0);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (on_unbind), self, 0);
  g_signal_connect_object (factory, "teardown", G_CALLBACK (on_teardown), self, 0);
  return factory;
}

/* Sorting */

/* A collation key per task of the name its row shows, cached until its
 * display name changes: 100,000 g_utf8_collate() calls per sort froze the
 * window; keys compare with strcmp. */
static const char *
name_sort_key (SluiceTask *task)
{
  static GQuark quark;
  const char *name = sluice_task_get_display_name (task);
  char **cached;

  if (quark == 0)
    quark = g_quark_from_static_string ("sluice-name-sort-key");
  cached = g_object_get_qdata (G_OBJECT (task), quark);
  if (cached == NULL || g_strcmp0 (cached[0], name) != 0)
    {
      g_autofree char *shown = sluice_format_name (task);

      cached = g_new0 (char *, 3);
      cached[0] = g_strdup (name);
      cached[1] = g_utf8_collate_key_for_filename (shown, -1);
      g_object_set_qdata_full (G_OBJECT (task), quark, cached, (GDestroyNotify) g_strfreev);
    }
  return cached[1];
}

static int
compare_double (double a,
                double b)
{
  return a < b ? GTK_ORDERING_SMALLER : a > b ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

static int
compare_tasks (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  SluiceTask *ta = (SluiceTask *) a;
  SluiceTask *tb = (SluiceTask *) b;

  switch ((SluiceColumn) GPOINTER_TO_INT (user_data))
    {
    case SLUICE_COLUMN_STATE:
      return compare_double (sluice_task_get_state (ta), sluice_task_get_state (tb));
    case SLUICE_COLUMN_NAME:
      return compare_double (strcmp (name_sort_key (ta), name_sort_key (tb)), 0);
    case SLUICE_COLUMN_PROGRESS:
      return compare_double (sluice_task_get_bytes_received (ta), sluice_task_get_bytes_received (tb));
    case SLUICE_COLUMN_SPEED:
      return compare_double (sluice_task_get_speed (ta), sluice_task_get_speed (tb));
    case SLUICE_COLUMN_ELAPSED:
      return compare_double (sluice_task_get_elapsed (ta), sluice_task_get_elapsed (tb));
    case SLUICE_COLUMN_RESULT:
      {
        int order = compare_double (sluice_task_get_error_kind (ta), sluice_task_get_error_kind (tb));
        return order != 0 ? order : compare_double (sluice_task_get_bytes_received (ta),
                                                    sluice_task_get_bytes_received (tb));
      }
    case SLUICE_COLUMN_ACTIONS:
    default:
      return GTK_ORDERING_EQUAL;
    }
}

GtkSorter *
sluice_task_columns_create_sorter (SluiceTaskColumns *self,
                                   SluiceColumn       column)
{
  return GTK_SORTER (gtk_custom_sorter_new (compare_tasks, GINT_TO_POINTER (column), NULL));
}
