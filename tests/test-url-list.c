/* test-url-list.c: SluiceUrlList parsing, normalisation and summaries
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "sluice-url-list.h"

static SluiceUrlList *
parse (const char *text)
{
  return sluice_url_list_parse (text, -1);
}

static void
assert_refused (SluiceUrlList *list,
                guint          index,
                guint          line,
                const char    *reason_part)
{
  const SluiceRefusedLine *refused;

  g_assert_cmpuint (index, <, sluice_url_list_get_n_refused (list));
  refused = sluice_url_list_get_refused (list, index);
  g_assert_nonnull (refused);
  g_assert_cmpuint (refused->line, ==, line);
  g_assert_nonnull (refused->text);
  g_assert_true (g_utf8_validate (refused->text, -1, NULL));
  g_assert_null (strchr (refused->text, '\r'));
  g_assert_null (strchr (refused->text, '\n'));
  g_assert_nonnull (refused->reason);
  if (strstr (refused->reason, reason_part) == NULL)
    g_error ("line %u: reason “%s” lacks “%s”", line, refused->reason, reason_part);
}

/* text must give exactly one URL, equal to expected */
static void
assert_normalises_to (const char *text,
                      const char *expected)
{
  g_autoptr(SluiceUrlList) list = parse (text);

  if (sluice_url_list_get_n_refused (list) > 0)
    g_error ("“%s” refused: %s", text, sluice_url_list_get_refused (list, 0)->reason);
  g_assert_cmpuint (sluice_url_list_get_n_urls (list), ==, 1);
  g_assert_cmpstr (sluice_url_list_get_url (list, 0), ==, expected);
}

/* text must be refused (line 1) with a reason containing reason_part */
static void
assert_refused_single (const char *text,
                       const char *reason_part)
{
  g_autoptr(SluiceUrlList) list = parse (text);

  if (sluice_url_list_get_n_urls (list) > 0)
    g_error ("“%s” accepted as %s", text, sluice_url_list_get_url (list, 0));
  g_assert_cmpuint (sluice_url_list_get_n_refused (list), ==, 1);
  assert_refused (list, 0, 1, reason_part);
}

static void
test_basic (void)
{
  g_autoptr(SluiceUrlList) list = NULL;
  const char * const expected[] = {
    "http://example.com/a",
    "https://example.org/b?x=1",
    NULL
  };

  list = parse ("http://example.com/a\nhttps://example.org/b?x=1\n");
  g_assert_true (SLUICE_IS_URL_LIST (list));
  g_assert_cmpuint (sluice_url_list_get_n_urls (list), ==, 2);
  g_assert_cmpuint (sluice_url_list_get_n_refused (list), ==, 0);
  g_assert_cmpuint (sluice_url_list_get_n_duplicates (list), ==, 0);
  g_assert_cmpstr (sluice_url_list_get_url (list, 0), ==, expected[0]);
  g_assert_cmpstr (sluice_url_list_get_url (list, 1), ==, expected[1]);
  g_assert_cmpstrv (sluice_url_list_get_urls (list), expected);
}

static void
test_empty (void)
{
  const char *inputs[] = { "", "\n", "\r\n\r\n", "   \t  ", "# only a comment", NULL };
  g_autoptr(SluiceUrlList) from_null = sluice_url_list_parse (NULL, 0);

  for (guint i = 0; inputs[i] != NULL; i++)
    {
      g_autoptr(SluiceUrlList) list = parse (inputs[i]);

      g_assert_cmpuint (sluice_url_list_get_n_urls (list), ==, 0);
      g_assert_cmpuint (sluice_url_list_get_n_refused (list), ==, 0);
      g_assert_cmpuint (sluice_url_list_get_n_duplicates (list), ==, 0);
      g_assert_nonnull (sluice_url_list_get_urls (list));
      g_assert_null (sluice_url_list_get_urls (list)[0]);
    }

  g_assert_cmpuint (sluice_url_list_get_n_urls (from_null), ==, 0);
}

static void
test_line_endings (void)
{
  /* CRLF, lone CR, LF, an empty line between "\n" and "\r", no final
   * newline */
  g_autoptr(SluiceUrlList) list = parse ("http://a.example/1\r\n"
                                         "http://a.example/2\r"
                                         "http://a.example/3\n"
                                         "\r"
                                         "ftp://x.example/\r\n"
                                         "\r\n"
                                         "http://a.example/7");
  const char * const expected[] = {
    "http://a.example/1",
    "http://a.example/2",
    "http://a.example/3",
    "http://a.example/7",
    NULL
  };

  g_assert_cmpstrv (sluice_url_list_get_urls (list), expected);
  g_assert_cmpuint (sluice_url_list_get_n_refused (list), ==, 1);
  assert_refused (list, 0, 5, "ftp");
  g_assert_cmpstr (sluice_url_list_get_refused (list, 0)->text, ==, "ftp://x.example/");
}

static void
test_comments_blanks (void)
{
  g_autoptr(SluiceUrlList) list = parse ("# my downloads\n"
                                         "\n"
                                         "   \n"
                                         "\t# indented comment\n"
                                         "http://x.example/\n"
                                         "#http://commented-out.example/\n"
                                         "  \t\n"
                                         "ftp://x.example/\n");

  g_assert_cmpuint (sluice_url_list_get_n_urls (list), ==, 1);
  g_assert_cmpstr (sluice_url_list_get_url (list, 0), ==, "http://x.example/");
  /* comments and blanks are not refused, but they do count as lines */
  g_assert_cmpuint (sluice_url_list_get_n_refused (list), ==, 1);
  assert_refused (list, 0, 8, "ftp");
}

static void
test_trim (void)
{
  g_autoptr(SluiceUrlList) list = parse ("  \thttp://x.example/a \t\n"
                                         "\xc2\xa0http://x.example/b\xc2\xa0\n"    /* NBSP */
                                         "\xef\xbb\xbfhttp://x.example/c\v\f\n"    /* BOM */
                                         "\xe2\x80\x8bhttp://x.example/d\n");      /* ZWSP */
  const char * const expected[] = {
    "http://x.example/a",
    "http://x.example/b",
    "http://x.example/c",
    "http://x.example/d",
    NULL
  };

  g_assert_cmpuint (sluice_url_list_get_n_refused (list), ==, 0);
  g_assert_cmpstrv (sluice_url_list_get_urls (list), expected);
}

static void
test_normalise (void)
{
  assert_normalises_to ("HTTP://Example.COM:80", "http://example.com/");
  assert_normalises_to ("HtTpS://EXAMPLE.com:443/Path/File?Q=A#frag", "https://example.com/Path/File?Q=A");
  assert_normalises_to ("http://example.com:443/", "http://example.com:443/");
  assert_normalises_to ("https://example.com:80/", "https://example.com:80/");
  assert_normalises_to ("http://example.com:8080", "http://example.com:8080/");
  assert_normalises_to ("http://example.com?q=1", "http://example.com/?q=1");
  assert_normalises_to ("http://example.com/#frag", "http://example.com/");
  assert_normalises_to ("http://example.com/?", "http://example.com/?");
  /* the query is kept byte for byte, escapes stay escaped */
  assert_normalises_to ("http://example.com/a%2Fb?x=%20Y&b=[1]", "http://example.com/a%2Fb?x=%20Y&b=[1]");
  assert_normalises_to ("http://example.com/a/./b/../c", "http://example.com/a/c");
  assert_normalises_to ("http://192.0.2.1:80/x", "http://192.0.2.1/x");
  assert_normalises_to ("http://[::1]:8080/x", "http://[::1]:8080/x");
  assert_normalises_to ("http://[FE80::1%25eth0]/", "http://[fe80::1%25eth0]/");
  assert_normalises_to ("http://exa_mple.com/", "http://exa_mple.com/");
  /* IRIs: non-ASCII is percent-encoded, host names become IDNA */
  assert_normalises_to ("http://example.com/caf\xc3\xa9?q=\xe2\x82\xac", "http://example.com/caf%C3%A9?q=%E2%82%AC");
  assert_normalises_to ("http://B\xc3\xbc" "cher.example/", "http://xn--bcher-kva.example/");
}

static void
test_duplicates (void)
{
  g_autoptr(SluiceUrlList) list = parse ("http://example.com/\n"
                                         "HTTP://Example.COM:80\n"
                                         "http://example.com/#top\n"
                                         "http://example.com\n"
                                         "http://example.com/?a\n"
                                         "https://example.com/\n"
                                         "https://example.com:443\n"
                                         "http://example.com/?A\n"
                                         "http://example.com/?a\n");
  const char * const expected[] = {
    "http://example.com/",
    "http://example.com/?a",
    "https://example.com/",
    "http://example.com/?A",
    NULL
  };

  g_assert_cmpstrv (sluice_url_list_get_urls (list), expected);
  g_assert_cmpuint (sluice_url_list_get_n_duplicates (list), ==, 5);
  g_assert_cmpuint (sluice_url_list_get_n_refused (list), ==, 0);
}

static void
test_schemes (void)
{
  g_autoptr(SluiceUrlList) list = parse ("ftp://ftp.example.com/file\n"
                                         "file:///etc/passwd\n"
                                         "javascript:alert(1)\n"
                                         "data:text/plain,hi\n"
                                         "http://ok.example/\n"
                                         "mailto:someone@example.com\n"
                                         "FTP://X.example/\n"
                                         "javascript:alert('a b')\n"
                                         "httpx://x.example/\n");

  g_assert_cmpuint (sluice_url_list_get_n_urls (list), ==, 1);
  g_assert_cmpuint (sluice_url_list_get_n_refused (list), ==, 8);
  assert_refused (list, 0, 1, "Only http and https links are supported (this one is ftp)");
  assert_refused (list, 1, 2, "(this one is file)");
  assert_refused (list, 2, 3, "(this one is javascript)");
  assert_refused (list, 3, 4, "(this one is data)");
  assert_refused (list, 4, 6, "(this one is mailto)");
  assert_refused (list, 5, 7, "(this one is ftp)");
  /* the scheme is the reason, not the space */
  assert_refused (list, 6, 8, "(this one is javascript)");
  assert_refused (list, 7, 9, "(this one is httpx)");
  g_assert_cmpstr (sluice_url_list_get_refused (list, 2)->text, ==, "javascript:alert(1)");

  /* a very long "scheme" is shortened in the reason */
  {
    g_autoptr(GString) text = g_string_new (NULL);
    const SluiceRefusedLine *refused;
    g_autoptr(SluiceUrlList) long_list = NULL;

    for (guint i = 0; i < 500; i++)
      g_string_append_c (text, 'a');
    g_string_append (text, "://x/");
    long_list = parse (text->str);
    refused = sluice_url_list_get_refused (long_list, 0);
    g_assert_cmpuint (strlen (refused->reason), <, 120);
    g_assert_nonnull (strstr (refused->reason, "…"));
  }
}

static void
test_no_host (void)
{
  const char *inputs[] = {
    "http:///path",
    "http://",
    "https:/x",
    "http:example.com",
    "http://:80/",
    "http://user@/x",
    NULL
  };

  for (guint i = 0; inputs[i] != NULL; i++)
    assert_refused_single (inputs[i], "The link has no host name");
}

static void
test_invalid (void)
{
  assert_refused_single ("example.com/file.zip", "Not a valid URL");
  assert_refused_single ("www.example.com", "http:// or https://");
  assert_refused_single ("localhost:8080/x", "http:// or https://");
  assert_refused_single ("example.com:8080/x", "http:// or https://");
  assert_refused_single ("//example.com/x", "Not a valid URL");
  assert_refused_single ("<a href=\"http://example.com/\">", "Not a valid URL");
  /* GUri would quietly percent-encode these */
  assert_refused_single ("http://example.com/a b", "The link contains a space");
  assert_refused_single ("http://example.com/a\tb", "not allowed (U+0009)");
  assert_refused_single ("http://example.com/a\xc2\xa0" "b", "The link contains a space");
  assert_refused_single ("http://example.com/a|b", "not allowed (“|”)");
  assert_refused_single ("http://example.com/\"quoted\"", "not allowed (“\"”)");
  assert_refused_single ("http://example.com/{x}", "not allowed (“{”)");
  assert_refused_single ("http://example.com/x\x01y", "not allowed (U+0001)");
  assert_refused_single ("http://example.com/\xe2\x80\xae" "fdp.exe", "not allowed (U+202E)");
  assert_refused_single ("http://example.com/a\xc2\x85" "b", "not allowed (U+0085)");
  assert_refused_single ("http://example.com/%zz", "Not a valid URL");
  assert_refused_single ("http://example.com:99999/", "The port number is not valid");
  assert_refused_single ("http://example.com:abc/", "The port number is not valid");
  assert_refused_single ("http://example.com:0/", "The port number is not valid");
  assert_refused_single ("http://[::1/", "The host name is not valid");
  assert_refused_single ("http://[v1.x]/", "The host name is not valid");
  /* decoded hosts must not smuggle in a path or a port */
  assert_refused_single ("http://evil.example%2F.good.example/", "The host name is not valid");
  assert_refused_single ("http://ex%2Fample.com/", "The host name is not valid");
  assert_refused_single ("http://a%3Ab/", "The host name is not valid");
  assert_refused_single ("http://exa!mple.com/", "The host name is not valid");
}

static void
test_userinfo (void)
{
  assert_normalises_to ("http://user:secret@Example.com/x", "http://user:secret@example.com/x");
  assert_normalises_to ("https://user@EXAMPLE.com:443", "https://user@example.com/");
  assert_normalises_to ("http://us%40er:p%3Ass@example.com/", "http://us%40er:p%3Ass@example.com/");
  /* an empty userinfo means nothing */
  assert_normalises_to ("http://@example.com/", "http://example.com/");
}

static void
test_invalid_utf8 (void)
{
  g_autoptr(SluiceUrlList) list = parse ("http://example.com/ok\n"
                                         "http://example.com/\xff\xfe\n"
                                         "  \xc3\x28  \n"
                                         "#\xff a comment stays a comment\n"
                                         "http://example.com/\xed\xa0\x80\n");  /* a surrogate */
  const SluiceRefusedLine *refused;

  g_assert_cmpuint (sluice_url_list_get_n_urls (list), ==, 1);
  g_assert_cmpuint (sluice_url_list_get_n_refused (list), ==, 3);
  assert_refused (list, 0, 2, "Not valid UTF-8");
  assert_refused (list, 1, 3, "Not valid UTF-8");
  assert_refused (list, 2, 5, "Not valid UTF-8");

  refused = sluice_url_list_get_refused (list, 0);
  g_assert_true (g_str_has_prefix (refused->text, "http://example.com/"));
  g_assert_nonnull (strstr (refused->text, "\xef\xbf\xbd"));  /* U+FFFD */
  /* trimmed */
  refused = sluice_url_list_get_refused (list, 1);
  g_assert_cmpstr (refused->text, ==, "\xef\xbf\xbd(");
}

static void
test_refused_text (void)
{
  g_autoptr(SluiceUrlList) list = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  const SluiceRefusedLine *refused;

  g_string_append (text, "ftp://x.example/\x1b[31mred\xe2\x80\xae" "fdp.exe\x7f\n");
  g_string_append (text, "ftp://x.example/");
  for (guint i = 0; i < 1000; i++)
    g_string_append (text, "\xc3\xa9");
  g_string_append (text, "\n");

  list = parse (text->str);
  g_assert_cmpuint (sluice_url_list_get_n_refused (list), ==, 2);

  refused = sluice_url_list_get_refused (list, 0);
  g_assert_cmpstr (refused->text, ==, "ftp://x.example/\\x1B[31mred\\u202Efdp.exe\\x7F");

  refused = sluice_url_list_get_refused (list, 1);
  g_assert_cmpuint (g_utf8_strlen (refused->text, -1), <=, 201);
  g_assert_cmpuint (g_utf8_strlen (refused->text, -1), >=, 150);
  g_assert_true (g_str_has_suffix (refused->text, "…"));
  g_assert_true (g_utf8_validate (refused->text, -1, NULL));
}

static void
test_explicit_length (void)
{
  static const char text[] = "http://a.example/\nhttp://b.example/";
  static const char with_nul[] = "http://x.example/\0evil\nhttp://ok.example/";
  g_autoptr(SluiceUrlList) first = sluice_url_list_parse (text, 17);
  g_autoptr(SluiceUrlList) nul = sluice_url_list_parse (with_nul, sizeof with_nul - 1);
  g_autoptr(SluiceUrlList) none = sluice_url_list_parse (text, 0);
  const SluiceRefusedLine *refused;

  g_assert_cmpuint (sluice_url_list_get_n_urls (first), ==, 1);
  g_assert_cmpstr (sluice_url_list_get_url (first, 0), ==, "http://a.example/");
  g_assert_cmpuint (sluice_url_list_get_n_urls (none), ==, 0);

  /* an embedded NUL does not end the text early, and the line with it is
   * refused without the NUL in its text */
  g_assert_cmpuint (sluice_url_list_get_n_urls (nul), ==, 1);
  g_assert_cmpstr (sluice_url_list_get_url (nul, 0), ==, "http://ok.example/");
  g_assert_cmpuint (sluice_url_list_get_n_refused (nul), ==, 1);
  assert_refused (nul, 0, 1, "Not valid UTF-8");
  refused = sluice_url_list_get_refused (nul, 0);
  g_assert_true (g_str_has_suffix (refused->text, "evil"));
}

/* 100 lines of every 100: 97 distinct URLs, one duplicate of the line
 * before, one comment, one refused. */
static char *
make_large_input (guint n_lines)
{
  GString *text = g_string_sized_new (n_lines * 64);

  for (guint i = 0; i < n_lines; i++)
    {
      switch (i % 100)
        {
        case 50:
          g_string_append (text, "# a comment\n");
          break;
        case 98:
          g_string_append_printf (text, "HTTPS://Host%u.EXAMPLE:443/path/to/file-%u.bin?token=%08x#part\r\n",
                                  (i - 1) % 97, i - 1, (i - 1) * 2654435761u);
          break;
        case 99:
          g_string_append_printf (text, "ftp://files.example/f%u\n", i);
          break;
        default:
          g_string_append_printf (text, "https://host%u.example/path/to/file-%u.bin?token=%08x\n",
                                  i % 97, i, i * 2654435761u);
          break;
        }
    }

  return g_string_free (text, FALSE);
}

static void
test_large (void)
{
  const guint n_lines = 100000;
  g_autofree char *text = make_large_input (n_lines);
  g_autoptr(SluiceUrlList) list = NULL;
  g_autofree char *summary = NULL;
  gint64 start, elapsed;

  start = g_get_monotonic_time ();
  list = parse (text);
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("parsed %u lines (%zu bytes) in %.1f ms",
                  n_lines, strlen (text), elapsed / 1000.0);

  g_assert_cmpuint (sluice_url_list_get_n_urls (list), ==, 97000);
  g_assert_cmpuint (sluice_url_list_get_n_refused (list), ==, 1000);
  g_assert_cmpuint (sluice_url_list_get_n_duplicates (list), ==, 1000);
  g_assert_cmpstr (sluice_url_list_get_url (list, 0), ==,
                   "https://host0.example/path/to/file-0.bin?token=00000000");
  assert_refused (list, 0, 100, "ftp");
  assert_refused (list, 999, 100000, "ftp");
  g_assert_null (sluice_url_list_get_urls (list)[97000]);

  summary = sluice_url_list_format_summary (list);
  g_assert_cmpstr (summary, ==, "97000 URLs · 1000 refused · 1000 duplicates");
}

typedef struct {
  SluiceUrlList *list;
  GError        *error;
  gboolean       done;
} AsyncResult;

static void
parse_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncResult *async = user_data;

  g_assert_null (source);
  async->list = sluice_url_list_parse_finish (result, &async->error);
  async->done = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("timed out waiting for the parse");
  return G_SOURCE_REMOVE;
}

static void
wait_for (AsyncResult *async)
{
  guint timeout_id = g_timeout_add_seconds (30, timeout_cb, NULL);

  while (!async->done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout_id);
}

static void
test_async (void)
{
  AsyncResult async = { NULL, NULL, FALSE };
  char *text = make_large_input (10000);
  g_autoptr(SluiceUrlList) list = NULL;

  sluice_url_list_parse_async (text, -1, NULL, parse_done_cb, &async);
  /* the text was copied, the buffer may go (and is scribbled over first) */
  memset (text, 'x', strlen (text));
  g_free (text);

  wait_for (&async);
  g_assert_no_error (async.error);
  list = g_steal_pointer (&async.list);
  g_assert_true (SLUICE_IS_URL_LIST (list));
  g_assert_cmpuint (sluice_url_list_get_n_urls (list), ==, 9700);
  g_assert_cmpuint (sluice_url_list_get_n_refused (list), ==, 100);
  g_assert_cmpuint (sluice_url_list_get_n_duplicates (list), ==, 100);
}

static void
test_async_length (void)
{
  AsyncResult async = { NULL, NULL, FALSE };
  static const char text[] = "http://a.example/\0\nhttp://b.example/";
  g_autoptr(SluiceUrlList) list = NULL;

  sluice_url_list_parse_async (text, sizeof text - 1, NULL, parse_done_cb, &async);
  wait_for (&async);
  g_assert_no_error (async.error);
  list = g_steal_pointer (&async.list);
  g_assert_cmpuint (sluice_url_list_get_n_urls (list), ==, 1);
  g_assert_cmpstr (sluice_url_list_get_url (list, 0), ==, "http://b.example/");
  g_assert_cmpuint (sluice_url_list_get_n_refused (list), ==, 1);
}

static void
test_async_cancelled (void)
{
  AsyncResult async = { NULL, NULL, FALSE };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *text = make_large_input (100000);

  g_cancellable_cancel (cancellable);
  sluice_url_list_parse_async (text, -1, cancellable, parse_done_cb, &async);
  wait_for (&async);

  g_assert_null (async.list);
  g_assert_error (async.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&async.error);
}

/* Random lines built from pieces the parser looks at.  No crash, and every
 * result keeps its promises. */
static void
test_fuzz (void)
{
  static const char * const pieces[] = {
    "http", "https", "HTTP", "ftp", ":", "//", "/", "@", "[", "]", "::1", "%",
    "%2F", "%3A", "%zz", "%E2%82%AC", "?", "#", " ", "\t", "\r", "\n", "\r\n",
    ".", "example.com", ":80", ":443", ":0", ":99999", "user:pw", "\xc3\xa9",
    "\xe2\x80\xae", "\xff", "\xc2\xa0", "\xef\xbb\xbf", "\x01", "\x7f", "|", "\"",
  };
  guint iterations = g_test_thorough () ? 100000 : 10000;

  for (guint i = 0; i < iterations; i++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_autoptr(SluiceUrlList) list = NULL;
      guint n = g_test_rand_int_range (0, 40);
      guint last_line = 0;

      for (guint j = 0; j < n; j++)
        {
          if (g_test_rand_int_range (0, 4) != 0)
            g_string_append (text, pieces[g_test_rand_int_range (0, G_N_ELEMENTS (pieces))]);
          else
            g_string_append_c (text, (char) g_test_rand_int_range (0, 256));
        }

      list = sluice_url_list_parse (text->str, text->len);

      for (guint j = 0; j < sluice_url_list_get_n_urls (list); j++)
        {
          const char *url = sluice_url_list_get_url (list, j);

          g_assert_true (g_str_has_prefix (url, "http://") || g_str_has_prefix (url, "https://"));
          g_assert_null (strchr (url, '#'));
          for (const char *p = url; *p != '\0'; p++)
            g_assert_true (g_ascii_isgraph (*p));
        }

      for (guint j = 0; j < sluice_url_list_get_n_refused (list); j++)
        {
          const SluiceRefusedLine *refused = sluice_url_list_get_refused (list, j);

          g_assert_cmpuint (refused->line, >, last_line);
          last_line = refused->line;
          g_assert_true (g_utf8_validate (refused->text, -1, NULL));
          for (const char *p = refused->text; *p != '\0'; p++)
            g_assert_false ((guchar) *p < 0x20 || *p == 0x7f);
          g_assert_nonnull (refused->reason);
        }
    }
}

static void
assert_summary (const char *text,
                const char *expected)
{
  g_autoptr(SluiceUrlList) list = parse (text);
  g_autofree char *summary = sluice_url_list_format_summary (list);

  g_assert_cmpstr (summary, ==, expected);
}

static void
test_summary (void)
{
  assert_summary ("", "0 URLs");
  assert_summary ("ftp://x.example/", "0 URLs · 1 refused");
  assert_summary ("http://a.example/", "1 URL");
  assert_summary ("http://a.example/\nhttp://b.example/", "2 URLs");
  assert_summary ("http://a.example/\nhttp://b.example/\nnonsense", "2 URLs · 1 refused");
  assert_summary ("http://a.example/\nftp://x/\nftp://y/\nhttp://A.example", "1 URL · 2 refused · 1 duplicate");
  assert_summary ("http://a.example/\nhttp://a.example/\nhttp://a.example/", "1 URL · 2 duplicates");
}

static void
test_redact (void)
{
  struct {
    const char *url;
    const char *expected;
  } cases[] = {
    { "http://user:secret@example.com/x", "http://user:***@example.com/x" },
    { "https://user:pa%40ss@example.com?x#y", "https://user:***@example.com?x#y" },
    { "http://u:p@ss@example.com/", "http://u:***@example.com/" },
    { "ftp://a:b@c/", "ftp://a:***@c/" },
    { "HTTP://user:secret@example.com", "HTTP://user:***@example.com" },
    { "https://user@example.com/", "https://user@example.com/" },
    { "http://user:@example.com/", "http://user:@example.com/" },
    { "http://example.com:8080/", "http://example.com:8080/" },
    { "http://example.com/@user:x", "http://example.com/@user:x" },
    { "http://example.com/?u=a:b@c", "http://example.com/?u=a:b@c" },
    { "http://a b:c d@example.com/", "http://a b:***@example.com/" },
    { "not a url", "not a url" },
    { "user:secret@example.com", "user:secret@example.com" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *redacted = sluice_url_redact (cases[i].url);

      g_assert_cmpstr (redacted, ==, cases[i].expected);
    }

  /* what the list keeps can be redacted for the log */
  {
    g_autoptr(SluiceUrlList) list = parse ("HTTP://me:hunter2@Example.com:80/f");
    g_autofree char *redacted = sluice_url_redact (sluice_url_list_get_url (list, 0));

    g_assert_cmpstr (sluice_url_list_get_url (list, 0), ==, "http://me:hunter2@example.com/f");
    g_assert_cmpstr (redacted, ==, "http://me:***@example.com/f");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/url-list/basic", test_basic);
  g_test_add_func ("/url-list/empty", test_empty);
  g_test_add_func ("/url-list/line-endings", test_line_endings);
  g_test_add_func ("/url-list/comments-blanks", test_comments_blanks);
  g_test_add_func ("/url-list/trim", test_trim);
  g_test_add_func ("/url-list/normalise", test_normalise);
  g_test_add_func ("/url-list/duplicates", test_duplicates);
  g_test_add_func ("/url-list/schemes", test_schemes);
  g_test_add_func ("/url-list/no-host", test_no_host);
  g_test_add_func ("/url-list/invalid", test_invalid);
  g_test_add_func ("/url-list/userinfo", test_userinfo);
  g_test_add_func ("/url-list/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/url-list/refused-text", test_refused_text);
  g_test_add_func ("/url-list/explicit-length", test_explicit_length);
  g_test_add_func ("/url-list/large", test_large);
  g_test_add_func ("/url-list/async", test_async);
  g_test_add_func ("/url-list/async-length", test_async_length);
  g_test_add_func ("/url-list/async-cancelled", test_async_cancelled);
  g_test_add_func ("/url-list/fuzz", test_fuzz);
  g_test_add_func ("/url-list/summary", test_summary);
  g_test_add_func ("/url-list/redact", test_redact);

  return g_test_run ();
}
