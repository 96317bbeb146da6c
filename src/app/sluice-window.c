/* sluice-window.c
 *
 * The task table and the batch above it.  The table is a GtkColumnView over
 * scheduler → filter → sort → selection; nothing here re-sorts or emits
 * items-changed when a task's values change: cells follow their own task.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sluice-add-dialog.h"
#include "sluice-export.h"
#include "sluice-format.h"
#include "sluice-task-columns.h"
#include "sluice-task-details.h"
#include "sluice-throughput-graph.h"
#include "sluice-window.h"

#define BATCH_REFRESH_MS 500
#define REFILTER_MS      250

struct _SluiceWindow
{
  AdwApplicationWindow   parent_instance;

  SluiceScheduler       *scheduler;
  GSettings             *settings;
  SluiceTaskColumns     *columns;
  GtkCustomFilter       *filter;
  GtkFilterListModel    *filter_model;
  GtkSortListModel      *sort_model;
  GtkSliceListModel     *revealed;      /* what the table has been shown so far */
  guint                  reveal_tick;
  guint                  reveal_from;   /* shown when the reveal began */
  gint64                 reveal_since;  /* its first frame's time */
  GtkSingleSelection    *selection;
  GCancellable          *cancellable;   /* everything this window started */

  char                  *filter_name;
  char                  *search_text;   /* casefolded, or NULL */
  guint                  refilter_source;
  guint                  batch_source;
  guint                  counts_source;
  GQueue                 pending_adds;  /* of PendingAdd, oldest first */
  guint                  add_source;
  gboolean               holding;       /* the scheduler's batch, while lists go in */
  guint                  batch_ticks;
  double                 total_speed;   /* of running tasks, at the last update */
  gint64                 batch_started;
  gint64                 batch_finished;
  gboolean               close_confirmed;

  /* Template children */
  AdwToastOverlay       *toast_overlay;
  GtkStack              *stack;
  GtkStack              *table_stack;
  GtkColumnView         *column_view;
  GtkLabel              *counts_label;
  GtkLabel              *totals_label;
  GtkProgressBar        *batch_progress;
  SluiceThroughputGraph *graph;
  GtkSpinButton         *concurrency_spin;
  GtkSearchEntry        *search_entry;
  SluiceTaskDetails     *details;
};

G_DEFINE_FINAL_TYPE (SluiceWindow, sluice_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_FILTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

SluiceWindow *
sluice_window_new (SluiceApplication *application)
{
  return g_object_new (SLUICE_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

GtkColumnView *
sluice_window_get_column_view (SluiceWindow *self)
{
  g_return_val_if_fail (SLUICE_IS_WINDOW (self), NULL);
  return self->column_view;
}

void
sluice_window_show_toast (SluiceWindow *self,
                          const char   *text)
{
  g_autofree char *escaped = NULL;
  AdwToast *toast;

  g_return_if_fail (SLUICE_IS_WINDOW (self));

  g_return_if_fail (text != NULL);

  /* A toast's title is Pango markup: file names and parser messages
   * ("<data>:1:…", "a & b.txt") are text. */
  escaped = g_markup_escape_text (text, -1);
  toast = adw_toast_new (escaped);
  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

#define show_toast sluice_window_show_toast

/* Filtering */

static gboolean
task_matches_state (SluiceTask *task,
                    const char *filter)
{
  SluiceTaskState state = sluice_task_get_state (task);

  if (g_str_equal (filter, "active"))
    return !sluice_task_is_finished (task);
  if (g_str_equal (filter, "finished"))
    return state == SLUICE_TASK_STATE_DONE;
  if (g_str_equal (filter, "failed"))
    return state == SLUICE_TASK_STATE_FAILED || state == SLUICE_TASK_STATE_CANCELLED;
  return TRUE;
}

static gboolean
text_contains (const char *haystack,
               const char *needle)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle) != NULL;
}

static gboolean
filter_task (gpointer item,
             gpointer user_data)
{
  SluiceWindow *self = user_data;
  SluiceTask *task = item;

  if (!task_matches_state (task, self->filter_name))
    return FALSE;
  if (self->search_text == NULL)
    return TRUE;
  /* The URL as shown: a hidden password is not found either. */
  return text_contains (sluice_task_get_shown_uri (task), self->search_text) ||
         text_contains (sluice_task_get_title (task), self->search_text) ||
         text_contains (sluice_task_get_path (task), self->search_text);
}

static void
update_table_page (SluiceWindow *self)
{
  guint n_tasks = g_list_model_get_n_items (G_LIST_MODEL (self->scheduler));
  guint n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));
  GtkWidget *empty_page = gtk_stack_get_child_by_name (self->stack, "empty");
  GtkWidget *focus = NULL;
  gboolean focus_on_empty;

  /* (Only when the table replaces the empty page: this runs on every slice
   * of a long list.) */
  if (n_tasks > 0 && gtk_stack_get_visible_child (self->stack) == empty_page)
    focus = gtk_root_get_focus (GTK_ROOT (self));
  focus_on_empty = focus != NULL && gtk_widget_is_ancestor (focus, empty_page);

  /* The table appears at once: a crossfade would paint the whole window
   * twice per frame, into offscreen groups, just while the view builds its
   * first rows.  Back to the empty page it fades. */
  gtk_stack_set_transition_type (self->stack, n_tasks > 0 ? GTK_STACK_TRANSITION_TYPE_NONE
                                                          : GTK_STACK_TRANSITION_TYPE_CROSSFADE);
  gtk_stack_set_visible_child_name (self->stack, n_tasks > 0 ? "tasks" : "empty");
  /* Focus on the empty page's button goes to the table that replaces it,
   * not to the next widget GtkStack finds (the "At once" spin button). */
  if (focus_on_empty && n_tasks > 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
  gtk_stack_set_visible_child_name (self->table_stack, n_shown > 0 || n_tasks == 0 ? "table" : "no-match");
}

static void
refilter (SluiceWindow *self)
{
  g_clear_handle_id (&self->refilter_source, g_source_remove);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_table_page (self);
}

static gboolean
refilter_now (gpointer user_data)
{
  SluiceWindow *self = user_data;

  self->refilter_source = 0;
  refilter (self);
  return G_SOURCE_REMOVE;
}

/* State changes move tasks between filters, and titles and file names,
 * which a search looks at, arrive with them; refiltering 10,000 rows on
 * each of them would be wasteful, so changes are gathered for a moment. */
static void
queue_refilter (SluiceWindow *self)
{
  if ((g_str_equal (self->filter_name, "all") && self->search_text == NULL) ||
      self->refilter_source != 0)
    return;
  self->refilter_source = g_timeout_add (REFILTER_MS, refilter_now, self);
}

const char *
sluice_window_get_filter (SluiceWindow *self)
{
  g_return_val_if_fail (SLUICE_IS_WINDOW (self), NULL);
  return self->filter_name;
}

void
sluice_window_set_filter (SluiceWindow *self,
                          const char   *filter)
{
  g_return_if_fail (SLUICE_IS_WINDOW (self));
  g_return_if_fail (filter != NULL);

  if (g_strcmp0 (self->filter_name, filter) == 0)
    return;
  g_free (self->filter_name);
  self->filter_name = g_strdup (filter);
  refilter (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
}

static void
on_search_changed (GtkSearchEntry *entry,
                   SluiceWindow   *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));

  g_clear_pointer (&self->search_text, g_free);
  if (text != NULL && *text != '\0')
    self->search_text = g_utf8_casefold (text, -1);
  refilter (self);
}

/* The batch */

/* Appends "N things" unless N is 0. */
#define append_count(text, count, singular, plural)                                 \
  G_STMT_START {                                                                    \
    guint _n = (count);                                                             \
    if (_n > 0)                                                                     \
      {                                                                             \
        if ((text)->len > 0)                                                        \
          g_string_append ((text), " · ");                                          \
        g_string_append_printf ((text), g_dngettext (GETTEXT_PACKAGE, singular, plural, _n), _n); \
      }                                                                             \
  } G_STMT_END

static void
update_batch (SluiceWindow *self)
{
  SluiceScheduler *scheduler = self->scheduler;
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (scheduler));
  guint n_done = sluice_scheduler_get_n_done (scheduler);
  guint n_failed = sluice_scheduler_get_n_failed (scheduler);
  guint n_cancelled = sluice_scheduler_get_n_cancelled (scheduler);
  guint n_finished = n_done + n_failed + n_cancelled;
  g_autoptr(GString) counts = g_string_new (NULL);
  g_autofree char *speed = NULL;
  g_autofree char *bytes = NULL;
  g_autofree char *elapsed = NULL;
  g_autofree char *totals = NULL;
  guint64 total_bytes = sluice_scheduler_get_bytes_received (scheduler);
  double total_speed = sluice_scheduler_get_speed (scheduler);
  gint64 end;

  append_count (counts, sluice_scheduler_get_n_running (scheduler), "%u running", "%u running");
  append_count (counts, sluice_scheduler_get_n_queued (scheduler), "%u queued", "%u queued");
  append_count (counts, sluice_scheduler_get_n_waiting (scheduler), "%u retrying", "%u retrying");
  append_count (counts, n_done, "%u done", "%u done");
  append_count (counts, n_failed, "%u failed", "%u failed");
  append_count (counts, n_cancelled, "%u cancelled", "%u cancelled");
  gtk_label_set_label (self->counts_label, counts->str);

  speed = sluice_format_speed (total_speed);
  bytes = g_format_size (total_bytes);
  end = self->batch_finished != 0 ? self->batch_finished : g_get_monotonic_time ();
  elapsed = sluice_format_duration (self->batch_started != 0
                                    ? (double) (end - self->batch_started) / G_USEC_PER_SEC : 0);
  if (*speed != '\0')
    /* Translators: batch totals: speed, bytes received, elapsed time */
    totals = g_strdup_printf (_("%s · %s received · %s elapsed"), speed, bytes, elapsed);
  else
    /* Translators: batch totals: bytes received, elapsed time */
    totals = g_strdup_printf (_("%s received · %s elapsed"), bytes, elapsed);
  gtk_label_set_label (self->totals_label, totals);

  gtk_progress_bar_set_fraction (self->batch_progress, n_items > 0 ? (double) n_finished / n_items : 0);
  self->total_speed = total_speed;

  /* The batch's buttons can be used when they have something to do. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-all",
                                 n_items > n_finished || !g_queue_is_empty (&self->pending_adds));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.retry-failed", n_failed > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.clear-finished", n_finished > 0);
}

static gboolean
batch_tick (gpointer user_data)
{
  SluiceWindow *self = SLUICE_WINDOW (user_data);

  update_batch (self);
  /* A bar a second: the header also refreshes as tasks change state, which
   * would make the graph's minute a few seconds. */
  if (self->batch_ticks++ % 2 == 0 && sluice_scheduler_get_busy (self->scheduler))
    sluice_throughput_graph_add_sample (self->graph, self->total_speed);
  return G_SOURCE_CONTINUE;
}

static void
on_busy_changed (SluiceScheduler *scheduler,
                 GParamSpec      *pspec,
                 SluiceWindow    *self)
{
  if (sluice_scheduler_get_busy (scheduler))
    {
      if (self->batch_started == 0 || self->batch_finished != 0)
        {
          self->batch_started = g_get_monotonic_time ();
          sluice_throughput_graph_clear (self->graph);
        }
      self->batch_finished = 0;
      if (self->batch_source == 0)
        self->batch_source = g_timeout_add (BATCH_REFRESH_MS, batch_tick, self);
    }
  else
    {
      self->batch_finished = g_get_monotonic_time ();
      g_clear_handle_id (&self->batch_source, g_source_remove);
    }
  update_batch (self);
}

static gboolean
counts_changed_now (gpointer user_data)
{
  SluiceWindow *self = user_data;

  self->counts_source = 0;
  update_batch (self);
  return G_SOURCE_REMOVE;
}

/* A batch of small files changes state thousands of times a second, and a
 * long list goes in a slice at a time: the counts and totals (a walk over
 * every task) follow within 100 ms instead of on each change. */
static void
queue_batch_update (SluiceWindow *self)
{
  if (self->counts_source == 0)
    self->counts_source = g_timeout_add (100, counts_changed_now, self);
}

static void
on_counts_changed (SluiceScheduler *scheduler,
                   GParamSpec      *pspec,
                   SluiceWindow    *self)
{
  queue_refilter (self);
  queue_batch_update (self);
}

static void
on_items_changed (GListModel   *model,
                  guint         position,
                  guint         removed,
                  guint         added,
                  SluiceWindow *self)
{
  update_table_page (self);
  queue_batch_update (self);
}

static void
on_filtered_items_changed (GListModel   *model,
                           guint         position,
                           guint         removed,
                           guint         added,
                           SluiceWindow *self)
{
  update_table_page (self);
}

/* Selection and details */

static void
on_selected_changed (GtkSingleSelection *selection,
                     GParamSpec         *pspec,
                     SluiceWindow       *self)
{
  SluiceTask *task = gtk_single_selection_get_selected_item (selection);

  sluice_task_details_set_task (self->details, task);
  gtk_widget_set_visible (GTK_WIDGET (self->details), task != NULL);
}

/* Adding */

/* Adding 10,000 tasks at once would freeze the window for a moment: every
 * task is made and filtered.  A big list goes in a few milliseconds at a
 * time between frames; small ones (and the start of a big one) at once.
 * The engine gets them as they go in; the table, more slowly (below). */
#define ADD_CHUNK       2048
#define ADD_AT_ONCE     16
#define ADD_BUDGET_US   (8 * 1000)

/* Revealing: the table builds a row for each new task it is shown, at once
 * (~1 ms each, and the list laid out again), until GTK 4.8's list view has
 * its 200; 200 new rows in one go would be a stall.  So the table is shown
 * more as time passes (whatever the frame rate: all within a second) until
 * it has built them all, and then everything. */
#define REVEAL_AT_ONCE        8     /* a short list shows whole at once */
#define REVEAL_ROWS_PER_SECOND 250  /* ~4 a frame at 60 frames a second */
#define TABLE_ROWS_BUILT      200

static gboolean
reveal_on_frame (GtkWidget     *widget,
                 GdkFrameClock *clock,
                 gpointer       user_data)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  guint shown = gtk_slice_list_model_get_size (self->revealed);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->sort_model));
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  guint due;

  if (self->reveal_since == 0)
    self->reveal_since = now;
  due = (guint) MIN ((now - self->reveal_since) * REVEAL_ROWS_PER_SECOND / G_USEC_PER_SEC,
                     TABLE_ROWS_BUILT);
  /* A few more each frame at least, more when frames come slowly. */
  shown = MAX (shown + 2, self->reveal_from + due);
  if (shown >= TABLE_ROWS_BUILT || shown >= n)
    {
      gtk_slice_list_model_set_size (self->revealed, shown >= TABLE_ROWS_BUILT ? G_MAXUINT : shown);
      self->reveal_tick = 0;
      self->reveal_since = 0;
      return G_SOURCE_REMOVE;
    }
  gtk_slice_list_model_set_size (self->revealed, shown);
  return G_SOURCE_CONTINUE;
}

static void
on_sorted_items_changed (GListModel   *model,
                         guint         position,
                         guint         removed,
                         guint         added,
                         SluiceWindow *self)
{
  guint n = g_list_model_get_n_items (model);
  guint shown = gtk_slice_list_model_get_size (self->revealed);

  /* Rows are built for what is shown: once fewer tasks are left than could
   * be, what comes next is shown a little a frame again. */
  if (n < shown && n < TABLE_ROWS_BUILT)
    gtk_slice_list_model_set_size (self->revealed, shown = MAX (n, REVEAL_AT_ONCE));
  if (shown < n && self->reveal_tick == 0)
    {
      self->reveal_from = shown;
      self->reveal_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), reveal_on_frame, NULL, NULL);
    }
}

typedef struct {
  SluiceUrlList  *list;
  SluiceTaskKind  kind;
  char           *directory;
  guint           next;      /* index of the next URL to add */
  guint           added;
} PendingAdd;

static void
pending_add_free (PendingAdd *pending)
{
  g_object_unref (pending->list);
  g_free (pending->directory);
  g_free (pending);
}

static void
announce_added (SluiceWindow *self,
                PendingAdd   *pending)
{
  guint n_refused = sluice_url_list_get_n_refused (pending->list);
  guint added = pending->added;
  g_autofree char *summary = NULL;

  if (added == 0 && n_refused == 0)
    return;
  if (added == 0)
    summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "No URL added · %u line refused",
                                            "No URL added · %u lines refused", n_refused),
                               n_refused);
  else if (n_refused > 0)
    {
      g_autofree char *urls = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u URL added",
                                                            "%u URLs added", added), added);
      g_autofree char *refused = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u refused",
                                                               "%u refused", n_refused), n_refused);
      /* Translators: a toast, e.g. "48 URLs added · 2 refused" */
      summary = g_strdup_printf (_("%s · %s"), urls, refused);
    }
  else
    summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u URL added", "%u URLs added", added),
                               added);
  show_toast (self, summary);
}

/* While lists are going in, the batch is not over: its first tasks may
 * all finish before the next slice arrives. */
static void
update_hold (SluiceWindow *self)
{
  gboolean adding = !g_queue_is_empty (&self->pending_adds);

  if (adding == self->holding)
    return;
  self->holding = adding;
  if (adding)
    sluice_scheduler_hold (self->scheduler);
  else
    sluice_scheduler_release (self->scheduler);
}

/* Adds up to limit URLs of the pending lists, a chunk at a time,
 * until deadline (monotonic µs; 0: none).  Returns whether all are in. */
static gboolean
add_some (SluiceWindow *self,
          guint         limit,
          gint64        deadline)
{
  while (!g_queue_is_empty (&self->pending_adds))
    {
      PendingAdd *pending = g_queue_peek_head (&self->pending_adds);
      const char * const *urls = sluice_url_list_get_urls (pending->list);
      guint n_urls = sluice_url_list_get_n_urls (pending->list);

      while (pending->next < n_urls)
        {
          g_autofree const char **chunk = NULL;
          guint n = MIN (MIN (ADD_CHUNK, n_urls - pending->next), limit);

          if (n == 0 || (deadline != 0 && g_get_monotonic_time () >= deadline))
            return FALSE;
          chunk = g_new (const char *, n + 1);
          memcpy (chunk, urls + pending->next, n * sizeof (char *));
          chunk[n] = NULL;
          pending->added += sluice_scheduler_add_many_full (self->scheduler, chunk,
                                                            pending->kind, pending->directory);
          pending->next += n;
          limit -= n;
        }

      g_queue_pop_head (&self->pending_adds);
      announce_added (self, pending);
      pending_add_free (pending);
    }
  update_hold (self);
  return TRUE;
}

static gboolean add_some_cb (gpointer user_data);

static void
stop_adding (SluiceWindow *self)
{
  g_clear_handle_id (&self->add_source, g_source_remove);
}

/* What was still to go in of the lists given goes no further. */
static void
discard_pending_adds (SluiceWindow *self)
{
  stop_adding (self);
  g_queue_clear_full (&self->pending_adds, (GDestroyNotify) pending_add_free);
  update_hold (self);
}

static void
schedule_adding (SluiceWindow *self)
{
  /* After the frame clock, so the window paints between slices, and after
   * transfers, which keep going meanwhile. */
  self->add_source = g_idle_add_full (GDK_PRIORITY_REDRAW + 10, add_some_cb, self, NULL);
  g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->add_source),
                            "[sluice] adding tasks");
}

static gboolean
add_some_cb (gpointer user_data)
{
  SluiceWindow *self = user_data;

  if (add_some (self, G_MAXUINT, g_get_monotonic_time () + ADD_BUDGET_US))
    {
      self->add_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* The tasks of a small list are in the scheduler on return; a big list
 * starts with its first rows and follows within a few frames. */
void
sluice_window_add_urls (SluiceWindow   *self,
                        SluiceUrlList  *list,
                        SluiceTaskKind  kind,
                        const char     *directory)
{
  PendingAdd *pending;

  g_return_if_fail (SLUICE_IS_WINDOW (self));
  g_return_if_fail (SLUICE_IS_URL_LIST (list));

  pending = g_new0 (PendingAdd, 1);
  pending->list = g_object_ref (list);
  pending->kind = kind;
  pending->directory = g_strdup (directory);
  g_queue_push_tail (&self->pending_adds, pending);

  /* Lists already waiting go first: tasks keep the order they were given. */
  if (g_queue_get_length (&self->pending_adds) > 1)
    return;
  if (add_some (self, ADD_AT_ONCE, 0))
    return;
  update_hold (self);
  schedule_adding (self);
}

/* Whether URLs given to sluice_window_add_urls() are still going in. */
gboolean
sluice_window_get_adding (SluiceWindow *self)
{
  g_return_val_if_fail (SLUICE_IS_WINDOW (self), FALSE);
  return !g_queue_is_empty (&self->pending_adds);
}

static void
on_add_dialog_add (SluiceAddDialog *dialog,
                   SluiceUrlList   *list,
                   SluiceTaskKind   kind,
                   const char      *directory,
                   SluiceWindow    *self)
{
  sluice_window_add_urls (self, list, kind, directory);
}

GtkWindow *
sluice_window_open_add_dialog (SluiceWindow *self,
                               const char   *text)
{
  SluiceAddDialog *dialog;

  g_return_val_if_fail (SLUICE_IS_WINDOW (self), NULL);

  dialog = sluice_add_dialog_new (GTK_WINDOW (self), self->settings);
  if (text != NULL)
    sluice_add_dialog_set_text (dialog, text);
  g_signal_connect_object (dialog, "add", G_CALLBACK (on_add_dialog_add), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

static void
on_clipboard_text (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SluiceWindow) self = user_data;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);

  if (gtk_widget_get_root (GTK_WIDGET (self)) == NULL)
    return;
  sluice_window_open_add_dialog (self, text);
}

/* Add and Ctrl+V both start from what the clipboard holds. */
static void
add_from_clipboard (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (widget);
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  if (!gdk_content_formats_contain_gtype (formats, G_TYPE_STRING))
    {
      sluice_window_open_add_dialog (self, NULL);
      return;
    }
  gdk_clipboard_read_text_async (clipboard, self->cancellable, on_clipboard_text, g_object_ref (self));
}

static void
on_import_response (GtkNativeDialog *chooser,
                    int              response,
                    SluiceWindow    *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);

  if (file != NULL)
    sluice_window_import_file (self, file);
}

/* Whether bytes can be text in some 8-bit or UTF-8 encoding: no NUL and
 * no control character but white space (a PNG, an archive have both). */
static gboolean
looks_like_text (const char *bytes,
                 gsize       length)
{
  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) bytes[i];

      if (c < 0x20 && !g_ascii_isspace (c))
        return FALSE;
    }
  return TRUE;
}

/* A text file's contents, in whatever encoding (the URL parser says which
 * lines it cannot use), or an error for a file that is not text. */
static char *
load_text_file (GFile   *file,
                GError **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_load_contents (file, NULL, &contents, &length, NULL, error))
    return NULL;
  if (!looks_like_text (contents, length))
    {
      g_autofree char *name = g_file_get_parse_name (file);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“%s” is not a text file"), name);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

/* A text file of URLs goes through the Add dialog, like a paste. */
GtkWindow *
sluice_window_import_file (SluiceWindow *self,
                           GFile        *file)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (SLUICE_IS_WINDOW (self), NULL);

  contents = load_text_file (file, &error);
  if (contents == NULL)
    {
      show_toast (self, error->message);
      return NULL;
    }
  return sluice_window_open_add_dialog (self, contents);
}

static void
import_file (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) text_filter = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all_filter = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Add URLs from a File"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (text_filter, _("Text files"));
  gtk_file_filter_add_mime_type (text_filter, "text/plain");
  gtk_file_filter_add_mime_type (text_filter, "text/uri-list");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), text_filter);
  gtk_file_filter_set_name (all_filter, _("All files"));
  gtk_file_filter_add_pattern (all_filter, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all_filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_import_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Drag and drop: text, text/uri-list and text files all open the Add
 * dialog, so what was dropped can be checked before it runs. */
static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         SluiceWindow  *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (G_VALUE_HOLDS (value, G_TYPE_STRING))
    g_string_append (text, g_value_get_string (value));
  else if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      for (GSList *l = gdk_file_list_get_files (g_value_get_boxed (value)); l != NULL; l = l->next)
        {
          GFile *file = l->data;
          g_autofree char *contents = NULL;
          g_autoptr(GError) error = NULL;

          if (g_file_has_uri_scheme (file, "http") || g_file_has_uri_scheme (file, "https"))
            {
              g_autofree char *uri = g_file_get_uri (file);
              g_string_append_printf (text, "%s\n", uri);
            }
          else if ((contents = load_text_file (file, &error)) != NULL)
            g_string_append_printf (text, "%s\n", contents);
          else
            show_toast (self, error->message);
        }
    }

  if (text->len == 0)
    return FALSE;
  sluice_window_open_add_dialog (self, text->str);
  return TRUE;
}

/* Actions */

static void
on_cancel_all_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(SluiceWindow) self = user_data;
  g_autofree char *text = NULL;
  guint cancelled = sluice_scheduler_cancel_all_finish (SLUICE_SCHEDULER (source), result, NULL);

  if (cancelled == 0 || g_cancellable_is_cancelled (self->cancellable))
    return;
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u task cancelled", "%u tasks cancelled", cancelled),
                          cancelled);
  show_toast (self, text);
}

static void
cancel_all (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);

  discard_pending_adds (self);
  /* The rows say so at once; the toast counts what the engine stopped. */
  sluice_scheduler_cancel_all_async (self->scheduler, NULL, on_cancel_all_done, g_object_ref (self));
}

static void
retry_failed (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  guint retried = sluice_scheduler_retry_failed (self->scheduler);
  g_autofree char *text = NULL;

  if (retried == 0)
    return;
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Retrying %u task", "Retrying %u tasks", retried),
                          retried);
  show_toast (self, text);
}

static void
clear_finished (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  guint removed = sluice_scheduler_remove_finished (self->scheduler);
  g_autofree char *text = NULL;

  if (removed == 0)
    return;
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u finished task cleared",
                                       "%u finished tasks cleared", removed), removed);
  show_toast (self, text);
}

static void
cancel_selected (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  SluiceTask *task = gtk_single_selection_get_selected_item (self->selection);

  if (task != NULL)
    sluice_task_cancel (task);
}

static void
focus_search (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);

  if (gtk_stack_get_visible_child_name (self->stack) != NULL &&
      g_str_equal (gtk_stack_get_visible_child_name (self->stack), "tasks"))
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
open_file (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  g_autoptr(GFile) file = g_file_new_for_path (g_variant_get_string (parameter, NULL));
  g_autofree char *uri = g_file_get_uri (file);

  /* Goes through the OpenURI portal inside Flatpak. */
  gtk_show_uri (GTK_WINDOW (widget), uri, GDK_CURRENT_TIME);
}

static void
on_show_items_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  SluiceWindow *self = g_task_get_source_object (task);
  const char *folder_uri = g_task_get_task_data (task);

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    /* No file manager on the bus: open the folder itself instead. */
    gtk_show_uri (GTK_WINDOW (self), folder_uri, GDK_CURRENT_TIME);
}

static void
show_file (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  g_autoptr(GFile) file = g_file_new_for_path (g_variant_get_string (parameter, NULL));
  g_autoptr(GFile) folder = g_file_get_parent (file);
  g_autofree char *uri = g_file_get_uri (file);
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  GTask *task = g_task_new (self, self->cancellable, NULL, NULL);
  const char *uris[] = { uri, NULL };

  g_task_set_task_data (task, g_file_get_uri (folder), g_free);
  if (bus == NULL)
    {
      gtk_show_uri (GTK_WINDOW (self), g_task_get_task_data (task), GDK_CURRENT_TIME);
      g_object_unref (task);
      return;
    }
  g_dbus_connection_call (bus, "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                          "org.freedesktop.FileManager1", "ShowItems",
                          g_variant_new ("(^ass)", uris, ""), NULL,
                          G_DBUS_CALL_FLAGS_NONE, 5000, self->cancellable,
                          on_show_items_done, task);
}

/* Export */

static char *
export_tasks (GListModel *tasks,
              gboolean    as_csv,
              gsize      *length)
{
  guint n = g_list_model_get_n_items (tasks);

  if (as_csv)
    {
      GString *text = g_string_new (NULL);
      g_autofree char *header = sluice_export_csv_header ();

      g_string_append (text, header);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(SluiceTask) task = g_list_model_get_item (tasks, i);
          g_autofree char *row = sluice_export_task_to_csv (task);

          g_string_append (text, row);
        }
      *length = text->len;
      return g_string_free (text, FALSE);
    }
  else
    {
      g_autoptr(JsonArray) array = json_array_sized_new (n);
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
      g_autoptr(JsonGenerator) generator = json_generator_new ();

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(SluiceTask) task = g_list_model_get_item (tasks, i);

          json_array_add_object_element (array, sluice_export_task_to_json (task));
        }
      json_node_set_array (root, array);
      json_generator_set_root (generator, root);
      json_generator_set_pretty (generator, TRUE);
      return json_generator_to_data (generator, length);
    }
}

static void
on_export_written (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SluiceWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, error->message);
      return;
    }
  name = g_file_get_basename (G_FILE (source));
  /* Translators: a toast; %s is a file name */
  text = g_strdup_printf (_("Exported to “%s”"), name);
  show_toast (self, text);
}

static void
on_export_response (GtkNativeDialog *chooser,
                    int              response,
                    SluiceWindow    *self)
{
  g_autoptr(GFile) file = NULL;
  gboolean visible_only = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "sluice-visible-only"));

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  if (file != NULL)
    sluice_window_export (self, file, visible_only);
}

static gboolean
has_suffix_nocase (const char *name,
                   const char *suffix)
{
  gsize name_length = strlen (name);
  gsize suffix_length = strlen (suffix);

  return name_length >= suffix_length &&
         g_ascii_strcasecmp (name + name_length - suffix_length, suffix) == 0;
}

/* Writes the results (CSV for a .csv name, in any case, else JSON) and
 * says so in a toast; the data is taken now, the file written
 * asynchronously. */
void
sluice_window_export (SluiceWindow *self,
                      GFile        *file,
                      gboolean      visible_only)
{
  g_autofree char *basename = NULL;
  g_autoptr(GBytes) bytes = NULL;
  char *contents;
  gsize length = 0;

  g_return_if_fail (SLUICE_IS_WINDOW (self));

  basename = g_file_get_basename (file);
  contents = export_tasks (visible_only ? G_LIST_MODEL (self->sort_model) : G_LIST_MODEL (self->scheduler),
                           has_suffix_nocase (basename, ".csv"), &length);
  bytes = g_bytes_new_take (contents, length);
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       self->cancellable, on_export_written, g_object_ref (self));
}

/* "visible": the rows the filter and search show, in their order; "all":
 * every task.  The file's extension (.csv or .json) picks the format. */
static void
export_results (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  gboolean visible_only = g_strcmp0 (g_variant_get_string (parameter, NULL), "visible") == 0;
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) csv = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) json = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (visible_only ? _("Export Shown Results") : _("Export All Results"),
                                         GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Export"), _("_Cancel"));
  gtk_file_filter_set_name (csv, _("CSV (spreadsheets)"));
  gtk_file_filter_add_pattern (csv, "*.csv");
  gtk_file_filter_set_name (json, _("JSON"));
  gtk_file_filter_add_pattern (json, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), csv);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), json);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), _("sluice-results.csv"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "sluice-visible-only", GINT_TO_POINTER (visible_only));
  g_signal_connect (chooser, "response", G_CALLBACK (on_export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Closing */

static void
on_shutdown_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SluiceWindow) self = user_data;
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  sluice_scheduler_shutdown_finish (SLUICE_SCHEDULER (source), result, NULL);
  /* Every file is closed: the stopped tasks are saved to resume next time. */
  if (SLUICE_IS_APPLICATION (app))
    sluice_application_save_session (SLUICE_APPLICATION (app));
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
stop_and_close (SluiceWindow *self)
{
  self->close_confirmed = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self), FALSE);
  /* A list still going in goes in whole, stopped with the rest: the
   * session keeps it for the next start. */
  add_some (self, G_MAXUINT, 0);
  stop_adding (self);
  sluice_scheduler_shutdown_async (self->scheduler, NULL, on_shutdown_done, g_object_ref (self));
}

static void
on_close_response (AdwMessageDialog *dialog,
                   const char       *response,
                   SluiceWindow     *self)
{
  if (g_str_equal (response, "stop"))
    stop_and_close (self);
}

static void
save_window_state (SluiceWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
sluice_window_close_request (GtkWindow *window)
{
  SluiceWindow *self = SLUICE_WINDOW (window);
  guint running = sluice_scheduler_get_n_running (self->scheduler) +
                  sluice_scheduler_get_n_queued (self->scheduler) +
                  sluice_scheduler_get_n_waiting (self->scheduler);
  AdwMessageDialog *dialog;
  g_autofree char *body = NULL;

  save_window_state (self);
  if (self->close_confirmed || running == 0)
    return GTK_WINDOW_CLASS (sluice_window_parent_class)->close_request (window);

  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%u task has not finished. Partial downloads are kept.",
                                       "%u tasks have not finished. Partial downloads are kept.",
                                       running),
                          running);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window, _("Stop Transfers and Quit?"), body));
  adw_message_dialog_add_responses (dialog,
                                    "keep", _("_Keep Running"),
                                    "stop", _("_Stop and Quit"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "stop", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "keep");
  adw_message_dialog_set_close_response (dialog, "keep");
  g_signal_connect (dialog, "response", G_CALLBACK (on_close_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* Columns */

static void
add_column (SluiceWindow *self,
            SluiceColumn  column,
            const char   *title,
            int           fixed_width,
            gboolean      expand)
{
  g_autoptr(GtkListItemFactory) factory = sluice_task_columns_create_factory (self->columns, column);
  g_autoptr(GtkColumnViewColumn) view_column = gtk_column_view_column_new (title, g_steal_pointer (&factory));

  if (column != SLUICE_COLUMN_ACTIONS)
    {
      g_autoptr(GtkSorter) sorter = sluice_task_columns_create_sorter (self->columns, column);
      gtk_column_view_column_set_sorter (view_column, sorter);
    }
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (view_column, fixed_width);
  gtk_column_view_column_set_expand (view_column, expand);
  gtk_column_view_column_set_resizable (view_column, TRUE);
  gtk_column_view_append_column (self->column_view, view_column);
}

static void
setup_table (SluiceWindow *self)
{
  GtkSorter *view_sorter;

  self->columns = sluice_task_columns_new ();
  add_column (self, SLUICE_COLUMN_STATE, C_("column", "State"), 150, FALSE);
  add_column (self, SLUICE_COLUMN_NAME, C_("column", "Name"), 300, TRUE);
  add_column (self, SLUICE_COLUMN_PROGRESS, C_("column", "Progress"), 170, FALSE);
  add_column (self, SLUICE_COLUMN_SPEED, C_("column", "Speed"), 100, FALSE);
  add_column (self, SLUICE_COLUMN_ELAPSED, C_("column", "Elapsed"), 80, FALSE);
  add_column (self, SLUICE_COLUMN_RESULT, C_("column", "Result"), 220, TRUE);
  add_column (self, SLUICE_COLUMN_ACTIONS, "", 96, FALSE);

  self->filter = gtk_custom_filter_new (filter_task, self, NULL);
  self->filter_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->scheduler)),
                                                  GTK_FILTER (g_object_ref (self->filter)));
  view_sorter = gtk_column_view_get_sorter (self->column_view);
  self->sort_model = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->filter_model)),
                                              g_object_ref (view_sorter));
  self->revealed = gtk_slice_list_model_new (g_object_ref (G_LIST_MODEL (self->sort_model)), 0, REVEAL_AT_ONCE);
  g_signal_connect (self->sort_model, "items-changed", G_CALLBACK (on_sorted_items_changed), self);
  /* A restored session is there before the window: shown the same way. */
  on_sorted_items_changed (G_LIST_MODEL (self->sort_model), 0, 0, 0, self);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->revealed)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect (self->selection, "notify::selected-item", G_CALLBACK (on_selected_changed), self);
  g_signal_connect (self->filter_model, "items-changed", G_CALLBACK (on_filtered_items_changed), self);
}

/* GObject */

/* GtkWindow:application is set after construction, so the window binds to
 * the application's scheduler and settings when it arrives. */
static void
on_application_set (SluiceWindow *self)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  SluiceApplication *app;
  static const char *count_properties[] = {
    "notify::n-queued", "notify::n-running", "notify::n-waiting",
    "notify::n-done", "notify::n-failed", "notify::n-cancelled",
  };

  if (self->scheduler != NULL || !SLUICE_IS_APPLICATION (application))
    return;
  app = SLUICE_APPLICATION (application);
  self->scheduler = g_object_ref (sluice_application_get_scheduler (app));
  self->settings = g_object_ref (sluice_application_get_settings (app));

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  setup_table (self);

  g_object_bind_property (self->scheduler, "max-concurrent",
                          gtk_spin_button_get_adjustment (self->concurrency_spin), "value",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);

  g_signal_connect_object (self->scheduler, "items-changed", G_CALLBACK (on_items_changed), self, 0);
  g_signal_connect_object (self->scheduler, "notify::busy", G_CALLBACK (on_busy_changed), self, 0);
  for (guint i = 0; i < G_N_ELEMENTS (count_properties); i++)
    g_signal_connect_object (self->scheduler, count_properties[i], G_CALLBACK (on_counts_changed), self, 0);

  if (sluice_scheduler_get_busy (self->scheduler))
    on_busy_changed (self->scheduler, NULL, self);
  update_table_page (self);
  update_batch (self);
}

static void
sluice_window_dispose (GObject *object)
{
  SluiceWindow *self = SLUICE_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refilter_source, g_source_remove);
  g_clear_handle_id (&self->batch_source, g_source_remove);
  g_clear_handle_id (&self->counts_source, g_source_remove);
  discard_pending_adds (self);
  if (self->column_view != NULL)
    gtk_column_view_set_model (self->column_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_WINDOW);
  if (self->reveal_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->reveal_tick);
      self->reveal_tick = 0;
    }
  if (self->sort_model != NULL)
    g_signal_handlers_disconnect_by_data (self->sort_model, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->revealed);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->filter);
  g_clear_object (&self->columns);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sluice_window_parent_class)->dispose (object);
}

static void
sluice_window_finalize (GObject *object)
{
  SluiceWindow *self = SLUICE_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->filter_name, g_free);
  g_clear_pointer (&self->search_text, g_free);

  G_OBJECT_CLASS (sluice_window_parent_class)->finalize (object);
}

static void
sluice_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SluiceWindow *self = SLUICE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_FILTER: g_value_set_string (value, self->filter_name); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SluiceWindow *self = SLUICE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_FILTER: sluice_window_set_filter (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_window_class_init (SluiceWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sluice_window_dispose;
  object_class->finalize = sluice_window_finalize;
  object_class->get_property = sluice_window_get_property;
  object_class->set_property = sluice_window_set_property;
  window_class->close_request = sluice_window_close_request;

  properties[PROP_FILTER] = g_param_spec_string ("filter", NULL, NULL, "all",
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                 G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SLUICE_TYPE_THROUGHPUT_GRAPH);
  g_type_ensure (SLUICE_TYPE_TASK_DETAILS);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/sluice-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, table_stack);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, column_view);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, counts_label);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, totals_label);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, batch_progress);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, graph);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, concurrency_spin);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, details);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);

  gtk_widget_class_install_action (widget_class, "win.add", NULL, add_from_clipboard);
  gtk_widget_class_install_action (widget_class, "win.paste", NULL, add_from_clipboard);
  gtk_widget_class_install_action (widget_class, "win.import", NULL, import_file);
  gtk_widget_class_install_action (widget_class, "win.cancel-all", NULL, cancel_all);
  gtk_widget_class_install_action (widget_class, "win.retry-failed", NULL, retry_failed);
  gtk_widget_class_install_action (widget_class, "win.clear-finished", NULL, clear_finished);
  gtk_widget_class_install_action (widget_class, "win.cancel-selected", NULL, cancel_selected);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, focus_search);
  gtk_widget_class_install_action (widget_class, "win.open-file", "s", open_file);
  gtk_widget_class_install_action (widget_class, "win.export", "s", export_results);
  gtk_widget_class_install_action (widget_class, "win.show-file", "s", show_file);
  gtk_widget_class_install_property_action (widget_class, "win.filter", "filter");

  /* Ctrl+V pastes into a focused text field first; elsewhere it adds. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "win.paste", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.cancel-selected", NULL);
}

static void
sluice_window_init (SluiceWindow *self)
{
  GtkDropTarget *drop;
  GType drop_types[] = { GDK_TYPE_FILE_LIST, G_TYPE_STRING };

  self->filter_name = g_strdup ("all");
  self->cancellable = g_cancellable_new ();
  g_signal_connect (self, "notify::application", G_CALLBACK (on_application_set), NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, drop_types, G_N_ELEMENTS (drop_types));
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}
