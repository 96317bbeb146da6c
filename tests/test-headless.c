/* test-headless.c: `sluice --headless` as a script would use it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>

#include "test-utils.h"

typedef struct {
  TestServer  *server;
  char        *dir;
  GSubprocess *process;
  char        *out;
  char        *err;
  gboolean     finished;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = test_server_new ();
  f->dir = test_make_temp_dir ();
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->process);
  g_free (f->out);
  g_free (f->err);
  test_server_free (f->server);
  test_remove_tree (f->dir);
  g_free (f->dir);
}

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
                                                       &f->out, &f->err, &error));
  g_assert_no_error (error);
  f->finished = TRUE;
}

/* Starts sluice --headless -o DIR ARGS…; the server keeps answering on
 * this main loop meanwhile. */
static void
start (Fixture    *f,
       const char *stdin_text,
       ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *binary = g_getenv ("SLUICE_BINARY");
  const char *arg;
  va_list args;

  g_assert_nonnull (binary);
  g_ptr_array_add (argv, g_strdup (binary));
  g_ptr_array_add (argv, g_strdup ("--headless"));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup (f->dir));
  g_ptr_array_add (argv, g_strdup ("--retry-delay=0.01"));
  va_start (args, stdin_text);
  while ((arg = va_arg (args, const char *)) != NULL)
    {
      if (arg[0] == '/')
        g_ptr_array_add (argv, test_server_url (f->server, arg));
      else
        g_ptr_array_add (argv, g_strdup (arg));
    }
  va_end (args);
  g_ptr_array_add (argv, NULL);

  f->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                  G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                  G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                  G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                  &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (f->process, stdin_text != NULL ? stdin_text : "",
                                       NULL, on_communicated, f);
}

static int
wait_exit (Fixture *f)
{
  TEST_RUN_UNTIL (f->finished, 30000);
  g_test_message ("stdout:\n%s\nstderr:\n%s", f->out, f->err);
  g_assert_true (g_subprocess_get_if_exited (f->process));
  return g_subprocess_get_exit_status (f->process);
}

static JsonObject *
record_for (GPtrArray  *records,
            const char *path_suffix)
{
  for (guint i = 0; i < records->len; i++)
    {
      JsonObject *o = g_ptr_array_index (records, i);

      if (g_str_has_suffix (json_object_get_string_member (o, "url"), path_suffix))
        return o;
    }
  g_error ("no record for %s", path_suffix);
}

static GPtrArray *
parse_jsonl (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      if (*lines[i] == '\0')
        continue;
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      g_ptr_array_add (records, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
    }
  return records;
}

static void
test_jsonl_downloads (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autofree char *sha = test_pattern_sha256 (5000);
  JsonObject *ok, *missing;

  start (f, NULL, "/bytes/5000", "/status/404", "/chunked/100", NULL);
  g_assert_cmpint (wait_exit (f), ==, 1);

  records = parse_jsonl (f->out);
  g_assert_cmpuint (records->len, ==, 3);
  ok = record_for (records, "/bytes/5000");
  g_assert_cmpstr (json_object_get_string_member (ok, "state"), ==, "done");
  g_assert_cmpstr (json_object_get_string_member (ok, "kind"), ==, "download");
  g_assert_cmpint (json_object_get_int_member (ok, "http_status"), ==, 200);
  g_assert_cmpint (json_object_get_int_member (ok, "bytes"), ==, 5000);
  g_assert_cmpint (json_object_get_int_member (ok, "attempts"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (ok, "sha256"), ==, sha);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (ok, "path"), f->dir));
  g_assert_true (json_object_get_null_member (ok, "error_kind"));
  g_assert_true (json_object_has_member (ok, "elapsed_s"));
  g_assert_true (json_object_has_member (ok, "final_url"));
  g_assert_true (json_object_has_member (ok, "content_type"));

  missing = record_for (records, "/status/404");
  g_assert_cmpstr (json_object_get_string_member (missing, "state"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (missing, "error_kind"), ==, "http-client");
  g_assert_nonnull (strstr (json_object_get_string_member (missing, "error"), "404"));
  g_assert_true (json_object_get_null_member (missing, "path"));

  g_assert_nonnull (strstr (f->err, "2 done, 1 failed, 0 cancelled"));
}

static void
test_all_done_exit_zero (Fixture       *f,
                         gconstpointer  data)
{
  g_auto(GStrv) lines = NULL;

  start (f, NULL, "--format=text", "-j", "2", "/bytes/10", "/bytes/20", NULL);
  g_assert_cmpint (wait_exit (f), ==, 0);
  lines = g_strsplit (f->out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_true (g_str_has_prefix (f->out, "done"));
}

static void
test_csv (Fixture       *f,
          gconstpointer  data)
{
  g_auto(GStrv) lines = NULL;

  start (f, NULL, "--format", "csv", "/disposition?name=a,b.txt", NULL);
  g_assert_cmpint (wait_exit (f), ==, 0);
  lines = g_strsplit (f->out, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_true (g_str_has_prefix (lines[0], "url,kind,state,http_status,final_url,bytes,elapsed_s,attempts,error_kind,error,path,sha256"));
  g_assert_nonnull (strstr (lines[1], ",download,done,200,"));
  /* A value with a comma is quoted the CSV way. */
  g_assert_nonnull (strstr (lines[1], "a,b.txt\""));
  g_assert_cmpstr (lines[2], ==, "");
}

static void
test_scrape_records (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) records = NULL;
  JsonObject *page;

  start (f, NULL, "--scrape", "/html/scrape-normal.html", NULL);
  g_assert_cmpint (wait_exit (f), ==, 0);
  records = parse_jsonl (f->out);
  g_assert_cmpuint (records->len, ==, 1);
  page = g_ptr_array_index (records, 0);
  g_assert_cmpstr (json_object_get_string_member (page, "kind"), ==, "scrape");
  g_assert_nonnull (json_object_get_string_member (page, "title"));
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (page, "h1")));
  g_assert_cmpint (json_object_get_int_member (page, "links"), >, 0);
  g_assert_false (json_object_has_member (page, "sha256"));
}

/* -s, as `sluice --help` says, is --scrape here too. */
static void
test_scrape_short_option (Fixture       *f,
                          gconstpointer  data)
{
  start (f, NULL, "-s", "/html/scrape-normal.html", NULL);
  g_assert_cmpint (wait_exit (f), ==, 0);
  g_assert_nonnull (strstr (f->out, "\"kind\":\"scrape\""));
}

static void
test_no_valid_url (Fixture       *f,
                   gconstpointer  data)
{
  start (f, NULL, "ftp://example.com/x", "not a url", NULL);
  g_assert_cmpint (wait_exit (f), ==, 2);
  g_assert_cmpstr (f->out, ==, "");
  g_assert_nonnull (strstr (f->err, "argument 1"));
  g_assert_nonnull (strstr (f->err, "argument 2"));
}

static void
test_usage_error (Fixture       *f,
                  gconstpointer  data)
{
  start (f, NULL, "--format=xml", "/bytes/1", NULL);
  g_assert_cmpint (wait_exit (f), ==, 2);
  g_assert_nonnull (strstr (f->err, "xml"));
}

/* Forgets the last run, for another. */
static void
forget_run (Fixture *f)
{
  g_clear_object (&f->process);
  g_clear_pointer (&f->out, g_free);
  g_clear_pointer (&f->err, g_free);
  f->finished = FALSE;
}

/* A value past what the engine takes is a usage error, not silently the
 * default (as the engine would make of it); so is a rate that is no number. */
static void
test_out_of_range (Fixture       *f,
                   gconstpointer  data)
{
  const char *options[] = {
    "-j=1025", "--per-host=1025", "--timeout=3601", "--retries=101", "--retry-delay=61",
    "--rate=10001", "--rate=nan", "--rate=inf",
  };

  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    {
      forget_run (f);
      start (f, NULL, options[i], "/bytes/1", NULL);
      g_assert_cmpint (wait_exit (f), ==, 2);
      g_assert_cmpstr (f->out, ==, "");
    }
  g_assert_cmpuint (test_server_get_request_count (f->server, NULL), ==, 0);
}

/* A URL given both as an argument and in a list file is one task. */
static void
test_same_url_twice (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *url = test_server_url (f->server, "/bytes/10");
  g_autofree char *list = g_build_filename (f->dir, "list.txt", NULL);
  g_autofree char *text = g_strdup_printf ("%s\n", url);
  /* (One argument: start () takes a lone "/…" for a server path.) */
  g_autofree char *input = g_strconcat ("--input=", list, NULL);

  g_assert_true (g_file_set_contents (list, text, -1, NULL));
  start (f, NULL, input, "/bytes/10", NULL);
  g_assert_cmpint (wait_exit (f), ==, 0);
  g_assert_cmpuint (test_server_get_request_count (f->server, "/bytes"), ==, 1);
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 2);  /* the list and 10 */
}

/* --session pointed at a folder (a slip for -o) or a CSV run with nothing
 * to do: a usage error, the folder left as it is, stdout empty. */
static void
test_session_not_a_file (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *folder = g_build_filename (f->dir, "mine", NULL);
  g_autofree char *kept = g_build_filename (folder, "kept.txt", NULL);
  g_autofree char *empty_session = g_build_filename (f->dir, "new.json", NULL);
  g_autofree char *folder_option = g_strconcat ("--session=", folder, NULL);
  g_autofree char *empty_option = g_strconcat ("--session=", empty_session, NULL);

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_true (g_file_set_contents (kept, "precious", -1, NULL));
  start (f, NULL, folder_option, "/bytes/1", NULL);
  g_assert_cmpint (wait_exit (f), ==, 2);
  g_assert_cmpstr (f->out, ==, "");
  g_assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (test_count_files (f->dir, NULL), ==, 1);
  g_assert_cmpuint (test_server_get_request_count (f->server, NULL), ==, 0);

  forget_run (f);
  start (f, NULL, empty_option, "--format=csv", NULL);
  g_assert_cmpint (wait_exit (f), ==, 2);
  g_assert_cmpstr (f->out, ==, "");
}

static void
test_input_from_stdin (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *a = test_server_url (f->server, "/bytes/1");
  g_autofree char *b = test_server_url (f->server, "/bytes/2");
  g_autofree char *text = g_strdup_printf ("# a comment\n\n  %s  \r\n%s\n%s\nmailto:x@y\n", a, b, a);
  g_autoptr(GPtrArray) records = NULL;

  start (f, text, "-i", "-", NULL);
  g_assert_cmpint (wait_exit (f), ==, 0);
  records = parse_jsonl (f->out);
  /* The duplicate is dropped, the mailto: line refused and named. */
  g_assert_cmpuint (records->len, ==, 2);
  g_assert_nonnull (strstr (f->err, "line 6"));
}

static void
test_sigterm_cancels_gracefully (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GPtrArray) records = NULL;

  start (f, NULL, "-j", "2", "/slow/1000000?rate=10000&a", "/slow/1000000?rate=10000&b",
         "/slow/1000000?rate=10000&c", NULL);
  TEST_RUN_UNTIL (test_server_get_in_flight (f->server, "/slow") == 2, 10000);
  g_subprocess_send_signal (f->process, SIGTERM);
  g_assert_cmpint (wait_exit (f), ==, 1);

  records = parse_jsonl (f->out);
  g_assert_cmpuint (records->len, ==, 3);
  for (guint i = 0; i < records->len; i++)
    g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (records, i), "state"), ==, "cancelled");
  g_assert_nonnull (strstr (f->err, "0 done, 0 failed, 3 cancelled"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add ("/headless/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("jsonl-downloads", test_jsonl_downloads);
  ADD ("all-done-exit-zero", test_all_done_exit_zero);
  ADD ("csv", test_csv);
  ADD ("scrape-records", test_scrape_records);
  ADD ("scrape-records-short-option", test_scrape_short_option);
  ADD ("no-valid-url", test_no_valid_url);
  ADD ("usage-error", test_usage_error);
  ADD ("out-of-range", test_out_of_range);
  ADD ("same-url-twice", test_same_url_twice);
  ADD ("session-not-a-file", test_session_not_a_file);
  ADD ("input-from-stdin", test_input_from_stdin);
  ADD ("sigterm-cancels-gracefully", test_sigterm_cancels_gracefully);
#undef ADD

  return g_test_run ();
}
