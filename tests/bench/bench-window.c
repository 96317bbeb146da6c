/* bench-window.c: the window under load — does it keep drawing?
 *
 *   bench-window URL_LIST DOWNLOAD_DIR [JOBS]
 *
 * With BENCH_QUIT_AFTER_ADD_MS=N it stops N ms after the whole list is in
 * the table instead of when the batch ends (showing the list alone).
 *
 * Opens the real window, adds every URL of URL_LIST as a download (JOBS at
 * once, default 16), and measures until the batch ends: the longest
 * main-loop stall (a 10 ms timer's lateness) and how much of it the main
 * thread spent running (the rest it was descheduled), the longest gap between
 * painted frames while the batch runs, the batch's wall time, and the
 * peak RSS with all tasks in the table.  Prints one line of JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "sluice-window.h"

#define PROBE_MS 10

typedef struct {
  SluiceScheduler *scheduler;
  GMainLoop       *loop;
  gint64           probe_expected;
  gint64           max_stall_us;
  gint64           max_stall_cpu_us;  /* main-thread CPU time in that stall */
  gint64           max_busy_stall_us; /* longest stall the thread spent running */
  gint64           probe_cpu;
  guint            stalls_over_50ms;
  gint64           last_paint;
  gint64           max_paint_gap_us;
  guint            frames;
  gboolean         running;
  gint64           started;
  gint64           all_added;
  SluiceWindow    *window;
} Bench;

static gint64
thread_cpu_us (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return (gint64) now.tv_sec * G_USEC_PER_SEC + now.tv_nsec / 1000;
}

static void
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
}

static gboolean
probe (gpointer user_data)
{
  Bench *bench = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 late = now - bench->probe_expected;

  gint64 cpu = thread_cpu_us ();
  gint64 ran = cpu - bench->probe_cpu;

  if (bench->running)
    {
      /* A stall the main thread spent running is the program's; one it
       * spent descheduled is the machine's (a busy or shared host). */
      if (late > bench->max_stall_us)
        {
          bench->max_stall_us = late;
          bench->max_stall_cpu_us = MIN (ran, late);
        }
      bench->max_busy_stall_us = MAX (bench->max_busy_stall_us, MIN (late, ran));
      if (late > 50 * 1000)
        {
          bench->stalls_over_50ms++;
          if (g_getenv ("BENCH_VERBOSE") != NULL)
            fprintf (stderr, "stall of %.1f ms at %.3f s (monotonic %.6f s), %u done\n", late / 1e3,
                     (now - bench->started) / 1e6, now / 1e6, sluice_scheduler_get_n_done (bench->scheduler));
        }
    }
  if (bench->all_added == 0 && bench->window != NULL && !sluice_window_get_adding (bench->window))
    {
      const char *quit_after = g_getenv ("BENCH_QUIT_AFTER_ADD_MS");

      bench->all_added = now;
      /* Measuring only what showing the list costs (against a server that
       * never answers): stop once it is in and painted. */
      if (quit_after != NULL)
        g_timeout_add_once (atoi (quit_after), quit_loop, bench->loop);
    }
  bench->probe_expected = now + PROBE_MS * 1000;
  bench->probe_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

static void
on_after_paint (GdkFrameClock *clock,
                Bench         *bench)
{
  gint64 now = g_get_monotonic_time ();

  if (bench->running && bench->last_paint != 0)
    bench->max_paint_gap_us = MAX (bench->max_paint_gap_us, now - bench->last_paint);
  bench->last_paint = now;
  bench->frames++;
}

static void
on_busy (SluiceScheduler *scheduler,
         GParamSpec      *pspec,
         Bench           *bench)
{
  if (!sluice_scheduler_get_busy (scheduler))
    g_main_loop_quit (bench->loop);
}

/* CPU time of the whole process (all threads), in seconds. */
static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static long
status_kib (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, field);
  return line != NULL ? strtol (line + strlen (field) + 1, NULL, 10) : -1;
}

/* With BENCH_FORCE_FRAMES: keep the frame clock ticking, as an animation
 * would, so "max gap between frames" measures how long the loop could not
 * paint.  Without it the window paints only what changes, as in real use. */
static gboolean
tick (GtkWidget     *widget,
      GdkFrameClock *clock,
      gpointer       user_data)
{
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(SluiceApplication) app = NULL;
  g_autoptr(SluiceUrlList) list = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  SluiceWindow *window;
  Bench bench = { 0 };
  gint64 started, added, finished;
  long rss_before_kib;
  double cpu_started;
  guint jobs = argc > 3 ? (guint) atoi (argv[3]) : 16;

  if (argc < 3)
    {
      fprintf (stderr, "usage: %s URL_LIST DOWNLOAD_DIR [JOBS]\n", argv[0]);
      return 2;
    }
  if (!g_file_get_contents (argv[1], &text, NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }

  gtk_init ();
  adw_init ();
  app = sluice_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_COMMAND_LINE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  bench.scheduler = sluice_application_get_scheduler (app);
  g_object_set (bench.scheduler,
                "max-concurrent", jobs,
                "max-per-host", jobs,
                "download-directory", argv[2],
                NULL);
  bench.loop = g_main_loop_new (NULL, FALSE);

  window = sluice_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (GTK_WIDGET (window)))
    g_main_context_iteration (NULL, TRUE);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                    G_CALLBACK (on_after_paint), &bench);
  if (g_getenv ("BENCH_FORCE_FRAMES") != NULL)
    gtk_widget_add_tick_callback (GTK_WIDGET (window), tick, NULL, NULL);

  list = sluice_url_list_parse (text, -1);
  rss_before_kib = status_kib ("VmRSS:");
  g_signal_connect (bench.scheduler, "notify::busy", G_CALLBACK (on_busy), &bench);
  bench.probe_expected = g_get_monotonic_time () + PROBE_MS * 1000;
  g_timeout_add (PROBE_MS, probe, &bench);

  cpu_started = cpu_seconds ();
  started = bench.started = g_get_monotonic_time ();
  sluice_window_add_urls (window, list, SLUICE_TASK_KIND_DOWNLOAD, NULL);
  added = g_get_monotonic_time ();
  /* Stalls count from here: adding is one step the user asked for. */
  bench.probe_expected = added + PROBE_MS * 1000;
  bench.probe_cpu = thread_cpu_us ();
  bench.running = TRUE;
  bench.window = window;
  g_main_loop_run (bench.loop);
  finished = g_get_monotonic_time ();
  bench.running = FALSE;

  printf ("{\"tasks\": %u, \"done\": %u, \"wall_s\": %.3f, \"cpu_s\": %.3f, \"add_ms\": %.1f, \"all_in_ms\": %.1f, \"max_stall_ms\": %.1f, \"max_stall_cpu_ms\": %.1f, \"max_busy_stall_ms\": %.1f, "
          "\"stalls_over_50ms\": %u, \"max_frame_gap_ms\": %.1f, \"frames\": %u, "
          "\"peak_rss_mb\": %.1f, \"rss_mb\": %.1f, \"rss_before_add_mb\": %.1f}\n",
          g_list_model_get_n_items (G_LIST_MODEL (bench.scheduler)),
          sluice_scheduler_get_n_done (bench.scheduler),
          (finished - started) / 1e6,
          cpu_seconds () - cpu_started,
          (added - started) / 1e3,
          ((bench.all_added != 0 ? bench.all_added : added) - started) / 1e3,
          bench.max_stall_us / 1e3,
          bench.max_stall_cpu_us / 1e3,
          bench.max_busy_stall_us / 1e3,
          bench.stalls_over_50ms,
          bench.max_paint_gap_us / 1e3,
          bench.frames,
          status_kib ("VmHWM:") / 1024.0,
          status_kib ("VmRSS:") / 1024.0,
          rss_before_kib / 1024.0);

  gtk_window_destroy (GTK_WINDOW (window));
  g_main_loop_unref (bench.loop);
  if (g_getenv ("BENCH_QUIT_AFTER_ADD_MS") != NULL)
    return bench.all_added != 0 ? 0 : 1;
  return sluice_scheduler_get_n_done (bench.scheduler) == g_list_model_get_n_items (G_LIST_MODEL (bench.scheduler)) ? 0 : 1;
}
