/* test-scrape.c: pages fetched and read as they stream in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sluice-scheduler.h"
#include "test-utils.h"

typedef struct {
  TestServer      *server;
  SluiceScheduler *scheduler;
  char            *dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = test_server_new ();
  f->dir = test_make_temp_dir ();
  f->scheduler = g_object_new (SLUICE_TYPE_SCHEDULER,
                               "download-directory", f->dir,
                               "retry-delay", 0.01,
                               NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);

  /* A scrape never writes a file. */
  g_assert_null (g_dir_read_name (dir));
  g_assert_false (sluice_scheduler_get_busy (f->scheduler));
  g_assert_finalize_object (f->scheduler);
  test_server_free (f->server);
  test_remove_tree (f->dir);
  g_free (f->dir);
}

static SluiceTask *
scrape (Fixture    *f,
        const char *path)
{
  g_autofree char *url = test_server_url (f->server, path);
  SluiceTask *task = sluice_scheduler_add (f->scheduler, url, SLUICE_TASK_KIND_SCRAPE);

  g_assert_nonnull (task);
  TEST_RUN_UNTIL (sluice_task_is_finished (task), 20000);
  test_run_until_scheduler_idle (f->scheduler, 5000);
  return task;
}

static void
test_sample_page (Fixture       *f,
                  gconstpointer  data)
{
  SluiceTask *task = scrape (f, "/html/scrape-normal.html");
  const char * const *h1 = sluice_task_get_headings (task);

  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);
  g_assert_nonnull (sluice_task_get_title (task));
  g_assert_cmpuint (g_strv_length ((char **) h1), >=, 1);
  g_assert_cmpuint (sluice_task_get_link_count (task), >, 0);
  g_assert_true (g_str_has_prefix (sluice_task_get_content_type (task), "text/html"));
  g_assert_null (sluice_task_get_path (task));
  g_assert_cmpstr (sluice_task_get_display_name (task), ==, sluice_task_get_title (task));
}

static void
test_http_charset (Fixture       *f,
                   gconstpointer  data)
{
  SluiceTask *task = scrape (f, "/html/scrape-latin1.html?type=text/html;%20charset=iso-8859-1");

  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);
  g_assert_true (g_utf8_validate (sluice_task_get_title (task), -1, NULL));
  g_assert_nonnull (strstr (sluice_task_get_title (task), "Caf\xc3\xa9"));
}

static void
test_not_html (Fixture       *f,
               gconstpointer  data)
{
  SluiceTask *task = scrape (f, "/bytes/100000");

  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);
  g_assert_null (sluice_task_get_title (task));
  g_assert_cmpuint (sluice_task_get_link_count (task), ==, 0);
  g_assert_cmpstr (sluice_task_get_content_type (task), ==, "application/octet-stream");
}

static void
test_huge_page_capped (Fixture       *f,
                       gconstpointer  data)
{
  /* About 12 MiB of links. */
  SluiceTask *task = scrape (f, "/links/400000");

  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_FAILED);
  g_assert_cmpint (sluice_task_get_error_kind (task), ==, SLUICE_ERROR_TOO_LARGE);
  g_assert_cmpstr (sluice_task_get_title (task), ==, "Links");
  /* What was parsed before the cap is kept. */
  g_assert_cmpuint (sluice_task_get_link_count (task), >, 100000);
  g_assert_cmpuint (sluice_task_get_link_count (task), <, 400000);
  g_assert_cmpuint (sluice_task_get_attempt (task), ==, 1);
}

static void
test_many_links (Fixture       *f,
                 gconstpointer  data)
{
  SluiceTask *task = scrape (f, "/links/100000");

  g_assert_cmpint (sluice_task_get_state (task), ==, SLUICE_TASK_STATE_DONE);
  g_assert_cmpuint (sluice_task_get_link_count (task), ==, 100000);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add ("/scrape/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("sample-page", test_sample_page);
  ADD ("http-charset", test_http_charset);
  ADD ("not-html", test_not_html);
  ADD ("huge-page-capped", test_huge_page_capped);
  ADD ("many-links", test_many_links);
#undef ADD

  return g_test_run ();
}
