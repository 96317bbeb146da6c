/* sluice-engine-thread.c
 *
 * Two queues under one lock: commands from the front's thread, run in
 * order on the engine's; and, the other way, batches of task snapshots
 * (and calls) delivered in order on the front's thread.  Each queue wakes
 * its side with a source whose ready time is set from the other thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sluice-engine-thread.h"
#include "sluice-scheduler-private.h"
#include "sluice-sources.h"
#include "sluice-task-private.h"

/* The window's thread goes first when both want the processor: a frame
 * late is seen, a transfer a little slower is not.  (Linux: the nice
 * value of a thread is its own.) */
#define ENGINE_NICENESS 10

/* How long the engine gathers task changes before sending them: a few
 * batches a frame, each of whatever changed meanwhile. */
#define FLUSH_INTERVAL_MS 15

typedef struct {
  SluiceEngineFunc func;
  gpointer         data;
  GDestroyNotify   free_data;
  guint64          serial;
  gboolean        *done;       /* set under the lock when run, if waited for */
} Command;

typedef struct {
  guint64        commands_done;
  guint64        batch;        /* 1, 2, …: a later one is newer */
  guint          n_running;    /* transfers in flight, winding down too */
  GPtrArray     *added;        /* SluiceTaskSnapshot*, new to the front */
  GPtrArray     *changed;      /* SluiceTaskSnapshot* */
  GFunc          func;         /* or a call */
  gpointer       data;
  GDestroyNotify free_data;
} FrontItem;

struct _SluiceEngineThread
{
  gatomicrefcount  ref_count;
  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;
  GSource         *command_source;
  guint            next_id;          /* atomic */

  GMutex           lock;
  GCond            cond;
  GQueue           commands;         /* Command*, under the lock */
  GQueue           to_front;         /* FrontItem*, under the lock */
  GSource         *front_source;     /* under the lock; NULL once detached */
  gboolean         ready;            /* under the lock: the back exists */

  /* The front's thread only. */
  SluiceScheduler *front;
  guint64          commands_posted;

  /* The front's settings when the engine was made: read and freed by the
   * engine's thread as it starts. */
  GValue          *settings;
  GParamSpec     **setting_specs;
  guint            n_settings;

  /* The engine's thread only. */
  SluiceScheduler *back;
  guint64          commands_done;
  guint64          batches;
  gboolean         running_changed;
  GHashTable      *back_tasks;       /* id → SluiceTask* (the back owns them) */
  GHashTable      *dirty;            /* SluiceTask* (ref) */
  GPtrArray       *added;            /* SluiceTask* (ref), new to the front, in order */
  guint            flush_source;
};

/* Wake-up sources: dispatched once each time their ready time is set. */

static gboolean
wake_dispatch (GSource     *source,
               GSourceFunc  callback,
               gpointer     user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs wake_funcs = { NULL, NULL, wake_dispatch, NULL, NULL, NULL };

static GSource *
wake_source_new (const char  *name,
                 GSourceFunc  callback,
                 gpointer     data)
{
  GSource *source = g_source_new (&wake_funcs, sizeof (GSource));

  g_source_set_static_name (source, name);
  g_source_set_callback (source, callback, data, NULL);
  g_source_set_ready_time (source, -1);
  return source;
}

static void
front_item_free (FrontItem *item)
{
  g_clear_pointer (&item->added, g_ptr_array_unref);
  g_clear_pointer (&item->changed, g_ptr_array_unref);
  if (item->free_data != NULL)
    item->free_data (item->data);
  g_free (item);
}

/* The engine's side */

static void
push_to_front (SluiceEngineThread *self,
               FrontItem          *item)
{
  g_mutex_lock (&self->lock);
  if (self->front_source != NULL)
    {
      g_queue_push_tail (&self->to_front, item);
      g_source_set_ready_time (self->front_source, 0);
      item = NULL;
    }
  g_mutex_unlock (&self->lock);
  if (item != NULL)
    front_item_free (item);
}

static GPtrArray *
new_snapshot_array (guint size)
{
  return g_ptr_array_new_full (size, (GDestroyNotify) _sluice_task_snapshot_free);
}

/* Sends what changed since the last time, new tasks first. */
static void
flush_to_front (SluiceEngineThread *self)
{
  FrontItem *item;
  GHashTableIter iter;
  gpointer task;

  g_clear_handle_id (&self->flush_source, sluice_source_remove);
  if (self->added->len == 0 && g_hash_table_size (self->dirty) == 0 && !self->running_changed)
    return;

  item = g_new0 (FrontItem, 1);
  item->commands_done = self->commands_done;
  item->batch = ++self->batches;
  item->n_running = self->back != NULL ? _sluice_scheduler_get_n_transfers (self->back) : 0;
  self->running_changed = FALSE;
  item->added = new_snapshot_array (self->added->len);
  item->changed = new_snapshot_array (g_hash_table_size (self->dirty));
  for (guint i = 0; i < self->added->len; i++)
    {
      task = g_ptr_array_index (self->added, i);
      g_ptr_array_add (item->added, _sluice_task_snapshot (task));
      g_hash_table_remove (self->dirty, task);
    }
  g_ptr_array_set_size (self->added, 0);
  g_hash_table_iter_init (&iter, self->dirty);
  while (g_hash_table_iter_next (&iter, &task, NULL))
    g_ptr_array_add (item->changed, _sluice_task_snapshot (task));
  g_hash_table_remove_all (self->dirty);
  push_to_front (self, item);
}

static gboolean
on_flush_due (gpointer user_data)
{
  SluiceEngineThread *self = user_data;
  gboolean behind;

  /* While the front has not taken the last batch (its thread is busy),
   * changes gather here: one snapshot each later, not one per batch. */
  g_mutex_lock (&self->lock);
  behind = !g_queue_is_empty (&self->to_front);
  g_mutex_unlock (&self->lock);
  if (behind)
    return G_SOURCE_CONTINUE;

  self->flush_source = 0;
  flush_to_front (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_flush (SluiceEngineThread *self)
{
  if (self->flush_source == 0)
    self->flush_source = sluice_timeout_add (FLUSH_INTERVAL_MS, on_flush_due, self,
                                             "[sluice] engine to window");
}

void
_sluice_engine_thread_task_changed (SluiceEngineThread *self,
                                    SluiceTask         *back_task)
{
  if (!g_hash_table_contains (self->dirty, back_task))
    g_hash_table_add (self->dirty, g_object_ref (back_task));
  schedule_flush (self);
}

void
_sluice_engine_thread_running_changed (SluiceEngineThread *self)
{
  self->running_changed = TRUE;
  schedule_flush (self);
}

void
_sluice_engine_thread_tasks_added (SluiceEngineThread *self,
                                   GPtrArray          *back_tasks)
{
  for (guint i = 0; i < back_tasks->len; i++)
    {
      SluiceTask *task = g_ptr_array_index (back_tasks, i);
      guint id = _sluice_engine_thread_next_id (self);

      _sluice_task_set_mirror_id (task, id);
      g_hash_table_insert (self->back_tasks, GUINT_TO_POINTER (id), task);
      g_ptr_array_add (self->added, g_object_ref (task));
    }
  schedule_flush (self);
}

SluiceTask *
_sluice_engine_thread_lookup (SluiceEngineThread *self,
                              guint               mirror_id)
{
  return g_hash_table_lookup (self->back_tasks, GUINT_TO_POINTER (mirror_id));
}

void
_sluice_engine_thread_remember (SluiceEngineThread *self,
                                guint               mirror_id,
                                SluiceTask         *back_task)
{
  g_hash_table_insert (self->back_tasks, GUINT_TO_POINTER (mirror_id), back_task);
}

void
_sluice_engine_thread_forget (SluiceEngineThread *self,
                              guint               mirror_id)
{
  SluiceTask *task = g_hash_table_lookup (self->back_tasks, GUINT_TO_POINTER (mirror_id));

  if (task == NULL)
    return;
  g_hash_table_remove (self->dirty, task);
  g_ptr_array_remove (self->added, task);
  _sluice_task_set_mirror_id (task, 0);
  g_hash_table_remove (self->back_tasks, GUINT_TO_POINTER (mirror_id));
}

void
_sluice_engine_thread_post_to_front (SluiceEngineThread *self,
                                     GFunc               func,
                                     gpointer            data,
                                     GDestroyNotify      free_data)
{
  FrontItem *item = g_new0 (FrontItem, 1);

  /* What changed before goes first. */
  flush_to_front (self);
  item->func = func;
  item->data = data;
  item->free_data = free_data;
  push_to_front (self, item);
}

static gboolean
run_commands (gpointer user_data)
{
  SluiceEngineThread *self = user_data;

  for (;;)
    {
      Command *command;

      g_mutex_lock (&self->lock);
      command = g_queue_pop_head (&self->commands);
      g_mutex_unlock (&self->lock);
      if (command == NULL)
        break;

      command->func (self->back, command->data);
      if (command->free_data != NULL)
        command->free_data (command->data);
      self->commands_done = command->serial;
      if (command->done != NULL)
        {
          /* The caller waits to see the result: send it first. */
          flush_to_front (self);
          g_mutex_lock (&self->lock);
          *command->done = TRUE;
          g_cond_broadcast (&self->cond);
          g_mutex_unlock (&self->lock);
        }
      g_free (command);
    }
  return G_SOURCE_CONTINUE;
}

static void
on_back_finalized (gpointer  data,
                   GObject  *where_the_object_was)
{
  SluiceEngineThread *self = data;

  g_main_loop_quit (self->loop);
}

static void
stop_back (SluiceScheduler *back,
           gpointer         data)
{
  SluiceEngineThread *self = data;

  /* Normally shut down already; if not, transfers stop now (keeping their
   * partial files), and those winding down hold the scheduler: the loop
   * runs until the last lets go. */
  _sluice_scheduler_set_engine (back, NULL);
  if (sluice_scheduler_get_busy (back))
    sluice_scheduler_shutdown_async (back, NULL, NULL, NULL);
  g_object_weak_ref (G_OBJECT (back), on_back_finalized, self);
  g_hash_table_remove_all (self->dirty);
  g_ptr_array_set_size (self->added, 0);
  g_clear_handle_id (&self->flush_source, sluice_source_remove);
  g_clear_object (&self->back);
}

static gpointer
engine_main (gpointer data)
{
  SluiceEngineThread *self = data;

  g_main_context_push_thread_default (self->context);
#ifdef __linux__
  if (setpriority (PRIO_PROCESS, (id_t) gettid (), ENGINE_NICENESS) != 0)
    g_debug ("Could not lower the engine thread's priority: %s", g_strerror (errno));
#endif

  self->back = g_object_new (SLUICE_TYPE_SCHEDULER, NULL);
  for (guint i = 0; i < self->n_settings; i++)
    {
      g_object_set_property (G_OBJECT (self->back), self->setting_specs[i]->name, &self->settings[i]);
      g_value_unset (&self->settings[i]);
    }
  g_clear_pointer (&self->settings, g_free);
  g_clear_pointer (&self->setting_specs, g_free);
  _sluice_scheduler_set_engine (self->back, self);

  self->command_source = wake_source_new ("[sluice] window to engine", run_commands, self);
  g_source_attach (self->command_source, self->context);

  g_mutex_lock (&self->lock);
  self->ready = TRUE;
  g_cond_broadcast (&self->cond);
  /* Commands may have come before the source did. */
  if (!g_queue_is_empty (&self->commands))
    g_source_set_ready_time (self->command_source, 0);
  g_mutex_unlock (&self->lock);

  g_main_loop_run (self->loop);

  g_mutex_lock (&self->lock);
  self->ready = FALSE;
  g_mutex_unlock (&self->lock);
  g_source_destroy (self->command_source);
  g_clear_pointer (&self->command_source, g_source_unref);
  while (g_main_context_pending (self->context))
    g_main_context_iteration (self->context, FALSE);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* The front's side */

/* One item at a time, so that a handler of one that waits for the engine
 * (a session flushed when a shutdown completes) sees the next ones
 * delivered first; a task never takes a snapshot older than one it has. */
static gboolean
deliver_to_front (gpointer user_data)
{
  SluiceEngineThread *self = _sluice_engine_thread_ref (user_data);

  for (;;)
    {
      g_autoptr(SluiceScheduler) front = NULL;
      FrontItem *item;

      g_mutex_lock (&self->lock);
      item = g_queue_pop_head (&self->to_front);
      g_mutex_unlock (&self->lock);
      if (item == NULL)
        break;

      /* A handler may drop the last reference to the front. */
      if (self->front != NULL)
        front = g_object_ref (self->front);
      if (front != NULL && item->func != NULL)
        item->func (item->data, front);
      else if (front != NULL)
        _sluice_scheduler_apply_mirror (front, item->commands_done, item->batch,
                                        item->n_running, item->added, item->changed);
      front_item_free (item);
    }
  _sluice_engine_thread_unref (self);
  return G_SOURCE_CONTINUE;
}

SluiceEngineThread *
_sluice_engine_thread_new (SluiceScheduler *front)
{
  static const char * const setting_names[] = {
    "max-concurrent", "max-per-host", "timeout", "max-retries", "retry-delay",
    "requests-per-second", "max-bytes-per-second", "download-directory",
  };
  SluiceEngineThread *self = g_new0 (SluiceEngineThread, 1);
  g_autoptr(GMainContext) front_context = g_main_context_ref_thread_default ();

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->commands);
  g_queue_init (&self->to_front);
  self->front = front;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->back_tasks = g_hash_table_new (NULL, NULL);
  self->dirty = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->added = g_ptr_array_new_with_free_func (g_object_unref);

  self->n_settings = G_N_ELEMENTS (setting_names);
  self->settings = g_new0 (GValue, self->n_settings);
  self->setting_specs = g_new0 (GParamSpec *, self->n_settings);
  for (guint i = 0; i < self->n_settings; i++)
    {
      self->setting_specs[i] = g_object_class_find_property (G_OBJECT_GET_CLASS (front), setting_names[i]);
      g_value_init (&self->settings[i], self->setting_specs[i]->value_type);
      g_object_get_property (G_OBJECT (front), setting_names[i], &self->settings[i]);
    }

  self->front_source = wake_source_new ("[sluice] engine to window", deliver_to_front, self);
  /* Below GTK's redraw: the window paints, then hears of the engine. */
  g_source_set_priority (self->front_source, G_PRIORITY_HIGH_IDLE + 30);
  g_source_attach (self->front_source, front_context);

  self->thread = g_thread_new ("sluice-engine", engine_main, self);
  return self;
}

SluiceEngineThread *
_sluice_engine_thread_ref (SluiceEngineThread *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
_sluice_engine_thread_detach_front (SluiceEngineThread *self)
{
  g_mutex_lock (&self->lock);
  self->front = NULL;
  if (self->front_source != NULL)
    {
      g_source_destroy (self->front_source);
      g_clear_pointer (&self->front_source, g_source_unref);
    }
  g_queue_clear_full (&self->to_front, (GDestroyNotify) front_item_free);
  g_mutex_unlock (&self->lock);
}

void
_sluice_engine_thread_unref (SluiceEngineThread *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  _sluice_engine_thread_post (self, stop_back, self, NULL);
  g_thread_join (self->thread);
  _sluice_engine_thread_detach_front (self);

  g_hash_table_unref (self->back_tasks);
  g_hash_table_unref (self->dirty);
  g_ptr_array_unref (self->added);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->lock);
  g_free (self);
}

guint
_sluice_engine_thread_next_id (SluiceEngineThread *self)
{
  return (guint) g_atomic_int_add (&self->next_id, 1) + 1;
}

static Command *
queue_command (SluiceEngineThread *self,
               SluiceEngineFunc    func,
               gpointer            data,
               GDestroyNotify      free_data,
               gboolean           *done)
{
  Command *command = g_new0 (Command, 1);

  command->func = func;
  command->data = data;
  command->free_data = free_data;
  command->done = done;
  command->serial = ++self->commands_posted;

  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->commands, command);
  if (self->ready)
    g_source_set_ready_time (self->command_source, 0);
  return command;
}

guint64
_sluice_engine_thread_post (SluiceEngineThread *self,
                            SluiceEngineFunc    func,
                            gpointer            data,
                            GDestroyNotify      free_data)
{
  guint64 serial = queue_command (self, func, data, free_data, NULL)->serial;

  g_mutex_unlock (&self->lock);
  return serial;
}

void
_sluice_engine_thread_call (SluiceEngineThread *self,
                            SluiceEngineFunc    func,
                            gpointer            data)
{
  gboolean done = FALSE;

  queue_command (self, func, data, NULL, &done);
  while (!done)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);

  /* What the command did shows before the caller goes on. */
  deliver_to_front (self);
}
