/* sluice-headless.c: the engine driven from the command line
 *
 * Prints one record per task as it finishes (jsonl, csv or text) on stdout;
 * progress (on a terminal) and a summary on stderr.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "sluice-export.h"
#include "sluice-headless.h"
#include "sluice-scheduler.h"
#include "sluice-session.h"
#include "sluice-url-list.h"

#define EXIT_ALL_DONE   0
#define EXIT_SOME_FAILED 1
#define EXIT_USAGE      2

typedef enum {
  FORMAT_JSONL,
  FORMAT_CSV,
  FORMAT_TEXT,
} Format;

typedef struct {
  SluiceScheduler *scheduler;
  SluiceSession   *session;
  GMainLoop       *loop;
  Format           format;
  gboolean         show_progress;
  gboolean         progress_shown;
  guint            n_tasks;
  /* Counted for this run only: a session's earlier results are not. */
  guint            n_finished;
  guint            n_done;
  guint            n_failed;
  guint            n_cancelled;
  guint64          bytes;
  gint64           started;
  guint            interrupts;
  /* Interrupted with a session: tasks stop to be resumed, not cancelled. */
  gboolean         stopping;
  guint            n_stopped;
} Headless;

static void
clear_progress (Headless *self)
{
  if (self->progress_shown)
    {
      fputs ("\r\033[K", stderr);
      self->progress_shown = FALSE;
    }
}

static void
print_text_record (SluiceTask *task)
{
  g_autofree char *size = g_format_size (sluice_task_get_bytes_received (task));
  const char *url = sluice_task_get_shown_uri (task);
  SluiceTaskState state = sluice_task_get_state (task);
  const char *detail;

  if (state != SLUICE_TASK_STATE_DONE)
    detail = sluice_task_get_error_message (task);
  else if (sluice_task_get_kind (task) == SLUICE_TASK_KIND_DOWNLOAD)
    detail = sluice_task_get_path (task);
  else
    detail = sluice_task_get_title (task);

  printf ("%-9s %3u %10s %7.2fs  %s%s%s\n",
          sluice_task_state_to_nick (state),
          sluice_task_get_http_status (task),
          size,
          sluice_task_get_elapsed (task),
          url,
          detail != NULL ? "  " : "",
          detail != NULL ? detail : "");
}

static void
on_task_finished (SluiceScheduler *scheduler,
                  SluiceTask      *task,
                  Headless        *self)
{
  g_autofree char *line = NULL;

  if (self->stopping)
    {
      /* Saved as queued in the session; its record comes when it ends. */
      self->n_stopped++;
      return;
    }

  self->n_finished++;
  switch (sluice_task_get_state (task))
    {
    case SLUICE_TASK_STATE_DONE: self->n_done++; break;
    case SLUICE_TASK_STATE_FAILED: self->n_failed++; break;
    case SLUICE_TASK_STATE_CANCELLED: self->n_cancelled++; break;
    case SLUICE_TASK_STATE_QUEUED:
    case SLUICE_TASK_STATE_CONNECTING:
    case SLUICE_TASK_STATE_RUNNING:
    case SLUICE_TASK_STATE_WAITING_RETRY:
    default: break;
    }
  self->bytes += sluice_task_get_bytes_received (task);
  clear_progress (self);

  switch (self->format)
    {
    case FORMAT_JSONL:
      line = sluice_export_task_to_jsonl (task);
      puts (line);
      break;
    case FORMAT_CSV:
      line = sluice_export_task_to_csv (task);
      fputs (line, stdout);
      break;
    case FORMAT_TEXT:
    default:
      print_text_record (task);
      break;
    }
  /* Scripts read records as tasks finish. */
  fflush (stdout);
}

static gboolean
show_progress (gpointer user_data)
{
  Headless *self = user_data;
  g_autofree char *size = g_format_size (self->bytes);

  fprintf (stderr, "\r\033[K");
  fprintf (stderr, _("%u of %u finished · %u running · %s"),
           self->n_finished, self->n_tasks,
           sluice_scheduler_get_n_running (self->scheduler), size);
  self->progress_shown = TRUE;
  return G_SOURCE_CONTINUE;
}

static void
on_busy_changed (SluiceScheduler *scheduler,
                 GParamSpec      *pspec,
                 Headless        *self)
{
  /* While stopping, the shutdown says when every file is closed. */
  if (!sluice_scheduler_get_busy (scheduler) && !self->stopping)
    g_main_loop_quit (self->loop);
}

static void
on_shutdown_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Headless *self = user_data;

  sluice_scheduler_shutdown_finish (SLUICE_SCHEDULER (source), result, NULL);
  g_main_loop_quit (self->loop);
}

static gboolean
on_interrupt (gpointer user_data)
{
  Headless *self = user_data;

  /* First Ctrl+C: cancel gracefully, every record still printed.  A second
   * one means "now". */
  if (self->interrupts++ > 0)
    {
      clear_progress (self);
      fprintf (stderr, "%s\n", _("Interrupted."));
      _exit (130);
    }
  clear_progress (self);
  if (self->session != NULL)
    {
      /* With a session, stop the way quitting the window does: partial
       * files stay, and the next run resumes them. */
      fprintf (stderr, "%s\n", _("Stopping; unfinished tasks will resume next time… (press Ctrl+C again to stop at once)"));
      self->stopping = TRUE;
      sluice_scheduler_shutdown_async (self->scheduler, NULL, on_shutdown_done, self);
      return G_SOURCE_CONTINUE;
    }
  fprintf (stderr, "%s\n", _("Cancelling… (press Ctrl+C again to stop at once)"));
  sluice_scheduler_cancel_all (self->scheduler);
  return G_SOURCE_CONTINUE;
}

static void
print_summary (Headless *self)
{
  double elapsed = (double) (g_get_monotonic_time () - self->started) / G_USEC_PER_SEC;
  g_autofree char *total = g_format_size (self->bytes);
  g_autofree char *average = g_format_size (self->n_done > 0 ? self->bytes / MAX (self->n_finished, 1) : 0);

  clear_progress (self);
  /* Translators: the summary of a headless run on stderr */
  fprintf (stderr, _("%u done, %u failed, %u cancelled · %s in %.2f s · average %s · %.1f requests/s\n"),
           self->n_done, self->n_failed, self->n_cancelled,
           total, elapsed, average,
           elapsed > 0 ? self->n_finished / elapsed : 0.0);
  if (self->n_stopped > 0)
    fprintf (stderr, g_dngettext (GETTEXT_PACKAGE,
                                  "%u unfinished task saved; run again with the same --session to resume\n",
                                  "%u unfinished tasks saved; run again with the same --session to resume\n",
                                  self->n_stopped),
             self->n_stopped);
}

static gboolean
parse_format (const char *text,
              Format     *format)
{
  if (g_strcmp0 (text, "jsonl") == 0)
    *format = FORMAT_JSONL;
  else if (g_strcmp0 (text, "csv") == 0)
    *format = FORMAT_CSV;
  else if (g_strcmp0 (text, "text") == 0)
    *format = FORMAT_TEXT;
  else
    return FALSE;
  return TRUE;
}

/* "500K", "2M", "1G" or plain bytes. */
static gboolean
parse_byte_rate (const char *text,
                 guint64    *rate)
{
  char *end = NULL;
  guint64 value;

  if (text == NULL || !g_ascii_isdigit (*text))
    return FALSE;
  value = g_ascii_strtoull (text, &end, 10);
  switch (g_ascii_toupper (*end))
    {
    case 'K': value *= 1024; end++; break;
    case 'M': value *= 1024 * 1024; end++; break;
    case 'G': value *= 1024 * 1024 * 1024; end++; break;
    default: break;
    }
  if (*end != '\0')
    return FALSE;
  *rate = value;
  return TRUE;
}

static void
report_refused (SluiceUrlList *list,
                const char    *origin,
                gboolean       by_argument)
{
  for (guint i = 0; i < sluice_url_list_get_n_refused (list); i++)
    {
      const SluiceRefusedLine *line = sluice_url_list_get_refused (list, i);

      if (by_argument)
        /* Translators: "argument 2: Not a valid URL: foo" */
        fprintf (stderr, _("sluice: argument %u: %s: %s\n"), line->line, line->reason, line->text);
      else
        /* Translators: "urls.txt line 3: Not a valid URL: foo" */
        fprintf (stderr, _("sluice: %s line %u: %s: %s\n"), origin, line->line, line->reason, line->text);
    }
}

static char *
read_input (const char  *input,
            GError     **error)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GOutputStream) memory = NULL;

  if (g_strcmp0 (input, "-") != 0)
    {
      char *contents = NULL;

      if (!g_file_get_contents (input, &contents, NULL, error))
        return NULL;
      return contents;
    }

  stream = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  memory = g_memory_output_stream_new_resizable ();
  if (g_output_stream_splice (memory, stream, G_OUTPUT_STREAM_SPLICE_NONE, NULL, error) < 0 ||
      !g_output_stream_write_all (memory, "", 1, NULL, NULL, error) ||
      !g_output_stream_close (memory, NULL, error))
    return NULL;
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (memory));
}

static gboolean
all_done (SluiceScheduler *scheduler)
{
  GListModel *tasks = G_LIST_MODEL (scheduler);

  for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
    {
      g_autoptr(SluiceTask) task = g_list_model_get_item (tasks, i);

      if (sluice_task_get_state (task) != SLUICE_TASK_STATE_DONE)
        return FALSE;
    }
  return TRUE;
}

int
sluice_headless_run (int    argc,
                     char **argv)
{
  gboolean headless = FALSE;
  gboolean scrape = FALSE;
  gboolean usage_error = FALSE;
  int jobs = 8;
  int per_host = 6;
  int timeout = 30;
  int retries = 3;
  double retry_delay = 1.0;
  double rate = 0;
  g_autofree char *limit_rate = NULL;
  g_autofree char *output = NULL;
  g_autofree char *format_name = NULL;
  g_autofree char *input = NULL;
  g_autofree char *session_path = NULL;
  g_auto(GStrv) urls = NULL;
  guint64 bytes_per_second = 0;
  Headless self = { 0 };
  const GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless, N_("Run without a window"), NULL },
    { "scrape", 's', 0, G_OPTION_ARG_NONE, &scrape, N_("Scrape pages instead of downloading them"), NULL },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, N_("Transfers at once (default 8)"), N_("N") },
    { "per-host", 0, 0, G_OPTION_ARG_INT, &per_host, N_("Transfers at once per host (default 6)"), N_("N") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Save downloads in DIR (default: the current folder)"), N_("DIR") },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, N_("Fail a transfer when nothing arrives for S seconds (default 30)"), N_("S") },
    { "retries", 0, 0, G_OPTION_ARG_INT, &retries, N_("Retries after a passing failure (default 3)"), N_("N") },
    { "retry-delay", 0, 0, G_OPTION_ARG_DOUBLE, &retry_delay, N_("First retry after S seconds, doubling (default 1)"), N_("S") },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate, N_("At most R requests per second per host (default: no limit)"), N_("R") },
    { "limit-rate", 0, 0, G_OPTION_ARG_STRING, &limit_rate, N_("At most BYTES per second in all (K, M, G suffixes)"), N_("BYTES") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name, N_("Output format: jsonl (default), csv or text"), N_("FORMAT") },
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &input, N_("Read URLs from FILE, one per line (- for standard input)"), N_("FILE") },
    { "session", 0, 0, G_OPTION_ARG_FILENAME, &session_path, N_("Save the batch in FILE as it runs, and resume what FILE holds"), N_("FILE") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &urls, NULL, N_("[URL…]") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all_urls = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *cwd = NULL;
  guint n_refused = 0;
  guint sigint, sigterm, progress = 0;
  int status;

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _("Fetch every URL given, many at a time, without a window."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "sluice: %s\n", error->message);
      return EXIT_USAGE;
    }

  self.format = FORMAT_JSONL;
  if (format_name != NULL && !parse_format (format_name, &self.format))
    {
      fprintf (stderr, _("sluice: unknown format “%s” (use jsonl, csv or text)\n"), format_name);
      return EXIT_USAGE;
    }
  if (limit_rate != NULL && !parse_byte_rate (limit_rate, &bytes_per_second))
    {
      fprintf (stderr, _("sluice: not a byte rate: “%s”\n"), limit_rate);
      return EXIT_USAGE;
    }
  /* The engine's own ranges: past them it would quietly keep its default. */
  if (jobs < 1 || jobs > 1024 || per_host < 1 || per_host > 1024 || timeout < 1 || timeout > 3600 ||
      retries < 0 || retries > 100 || !(retry_delay >= 0 && retry_delay <= 60) ||
      !(rate >= 0 && rate <= 10000))
    {
      fprintf (stderr, "%s\n", _("sluice: -j and --per-host must be 1 to 1024, --timeout 1 to 3600, "
                                 "--retries 0 to 100, --retry-delay 0 to 60 and --rate 0 to 10000"));
      return EXIT_USAGE;
    }

  if (urls != NULL)
    {
      g_autofree char *joined = g_strjoinv ("\n", urls);
      g_autoptr(SluiceUrlList) list = sluice_url_list_parse (joined, -1);

      report_refused (list, NULL, TRUE);
      n_refused += sluice_url_list_get_n_refused (list);
      for (guint i = 0; i < sluice_url_list_get_n_urls (list); i++)
        g_ptr_array_add (all_urls, g_strdup (sluice_url_list_get_url (list, i)));
    }
  if (input != NULL)
    {
      g_autofree char *text = read_input (input, &error);
      g_autoptr(SluiceUrlList) list = NULL;

      if (text == NULL)
        {
          fprintf (stderr, _("sluice: cannot read “%s”: %s\n"), input, error->message);
          return EXIT_USAGE;
        }
      list = sluice_url_list_parse (text, -1);
      report_refused (list, g_strcmp0 (input, "-") == 0 ? _("standard input") : input, FALSE);
      n_refused += sluice_url_list_get_n_refused (list);
      for (guint i = 0; i < sluice_url_list_get_n_urls (list); i++)
        g_ptr_array_add (all_urls, g_strdup (sluice_url_list_get_url (list, i)));
    }
  /* With a session, the batch may come from the file alone. */
  if (all_urls->len == 0 && session_path == NULL)
    {
      fprintf (stderr, "%s\n", _("sluice: no valid URL given (see sluice --headless --help)"));
      return EXIT_USAGE;
    }
  g_ptr_array_add (all_urls, NULL);

  cwd = g_get_current_dir ();
  /* A session keeps the folder: relative to this run's, it would mean
   * nothing to the next one. */
  if (output != NULL)
    {
      char *absolute = g_canonicalize_filename (output, cwd);

      g_free (output);
      output = absolute;
    }
  self.scheduler = g_object_new (SLUICE_TYPE_SCHEDULER,
                                 "max-concurrent", (guint) jobs,
                                 "max-per-host", (guint) per_host,
                                 "timeout", (guint) timeout,
                                 "max-retries", (guint) retries,
                                 "retry-delay", retry_delay,
                                 "requests-per-second", rate,
                                 "max-bytes-per-second", bytes_per_second,
                                 "download-directory", output != NULL ? output : cwd,
                                 NULL);
  self.loop = g_main_loop_new (NULL, FALSE);
  self.show_progress = isatty (STDERR_FILENO);
  self.started = g_get_monotonic_time ();

  g_signal_connect (self.scheduler, "task-finished", G_CALLBACK (on_task_finished), &self);
  g_signal_connect (self.scheduler, "notify::busy", G_CALLBACK (on_busy_changed), &self);
  sigint = g_unix_signal_add (SIGINT, on_interrupt, &self);
  sigterm = g_unix_signal_add (SIGTERM, on_interrupt, &self);

  if (session_path != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (session_path);

      self.session = sluice_session_new (self.scheduler, file);
      /* Before loading, so resumed downloads are journalled from the start. */
      sluice_session_set_autosave (self.session, TRUE);
      if (!sluice_session_load (self.session, &error))
        {
          fprintf (stderr, "sluice: %s\n", error->message);
          /* Not a session file at all (a folder given by mistake): left
           * alone, and nothing run. */
          usage_error = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
          g_clear_error (&error);
        }
      if (!usage_error)
        sluice_scheduler_add_many_unique (self.scheduler, (const char * const *) all_urls->pdata,
                                          scrape ? SLUICE_TASK_KIND_SCRAPE : SLUICE_TASK_KIND_DOWNLOAD,
                                          NULL);
      if (usage_error || g_list_model_get_n_items (G_LIST_MODEL (self.scheduler)) == 0)
        {
          if (!usage_error)
            fprintf (stderr, "%s\n", _("sluice: no valid URL given (see sluice --headless --help)"));
          g_source_remove (sigint);
          g_source_remove (sigterm);
          g_clear_object (&self.session);
          g_clear_object (&self.scheduler);
          g_clear_pointer (&self.loop, g_main_loop_unref);
          return EXIT_USAGE;
        }
      /* The batch itself is on disk before any byte arrives. */
      if (!sluice_session_save (self.session, &error))
        {
          fprintf (stderr, "sluice: %s\n", error->message);
          g_clear_error (&error);
        }
    }
  else
    /* The same URL from an argument and a list file is one task. */
    sluice_scheduler_add_many_unique (self.scheduler, (const char * const *) all_urls->pdata,
                                      scrape ? SLUICE_TASK_KIND_SCRAPE : SLUICE_TASK_KIND_DOWNLOAD,
                                      NULL);

  /* Before any record: none can finish before the loop runs. */
  if (self.format == FORMAT_CSV)
    {
      g_autofree char *header = sluice_export_csv_header ();
      fputs (header, stdout);
    }

  /* What this run has to do: a session's finished tasks are not re-run. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self.scheduler)); i++)
    {
      g_autoptr(SluiceTask) task = g_list_model_get_item (G_LIST_MODEL (self.scheduler), i);

      if (!sluice_task_is_finished (task))
        self.n_tasks++;
    }
  if (self.show_progress)
    progress = g_timeout_add (250, show_progress, &self);

  if (sluice_scheduler_get_busy (self.scheduler))
    g_main_loop_run (self.loop);

  g_clear_handle_id (&progress, g_source_remove);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  if (self.session != NULL && !sluice_session_save (self.session, &error))
    {
      clear_progress (&self);
      fprintf (stderr, "sluice: %s\n", error->message);
      g_clear_error (&error);
    }
  print_summary (&self);

  /* Every task, this run's and (with a session) earlier ones', is done. */
  status = all_done (self.scheduler) ? EXIT_ALL_DONE : EXIT_SOME_FAILED;
  g_clear_object (&self.session);
  g_clear_object (&self.scheduler);
  g_clear_pointer (&self.loop, g_main_loop_unref);
  return status;
}
