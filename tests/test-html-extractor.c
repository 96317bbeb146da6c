/* test-html-extractor.c: SluiceHtmlExtractor and the Content-Type helpers
 *
 * Every page is parsed whole and again chunked in many ways (every split
 * point, byte by byte, random 1..7 byte chunks); the results must match.
 *
 * SLUICE_TEST_HUGE_LINKS sets the size of the huge page (default 1000000);
 * set it lower under valgrind.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/resource.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "sluice-html-extractor.h"

/* Above this, a fixture gets random chunks only, not every split point. */
#define EXHAUSTIVE_MAX 4096
#define RANDOM_ROUNDS 16

typedef struct {
  char *title;
  GStrv headings;
  guint link_count;
  char *description;
  char *encoding;
  gsize bytes_fed;
} Result;

static void
result_free (Result *result)
{
  g_free (result->title);
  g_strfreev (result->headings);
  g_free (result->description);
  g_free (result->encoding);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

static void
assert_valid_utf8 (const char *str)
{
  if (str != NULL)
    g_assert_true (g_utf8_validate (str, -1, NULL));
}

static Result *
result_take (SluiceHtmlExtractor *extractor)
{
  Result *result = g_new0 (Result, 1);
  const char * const *headings = sluice_html_extractor_get_headings (extractor);

  g_assert_nonnull (headings);
  result->title = g_strdup (sluice_html_extractor_get_title (extractor));
  result->headings = g_strdupv ((char **) headings);
  result->link_count = sluice_html_extractor_get_link_count (extractor);
  result->description = g_strdup (sluice_html_extractor_get_description (extractor));
  result->encoding = g_strdup (sluice_html_extractor_get_encoding (extractor));
  result->bytes_fed = sluice_html_extractor_get_bytes_fed (extractor);

  assert_valid_utf8 (result->title);
  assert_valid_utf8 (result->description);
  for (guint i = 0; result->headings[i] != NULL; i++)
    assert_valid_utf8 (result->headings[i]);

  return result;
}

static void
assert_results_equal (const Result *expected,
                      const Result *actual,
                      const char   *how)
{
  if (g_strcmp0 (expected->title, actual->title) != 0 ||
      !g_strv_equal ((const char * const *) expected->headings,
                     (const char * const *) actual->headings) ||
      expected->link_count != actual->link_count ||
      g_strcmp0 (expected->description, actual->description) != 0 ||
      g_strcmp0 (expected->encoding, actual->encoding) != 0 ||
      expected->bytes_fed != actual->bytes_fed)
    {
      g_autofree char *want = g_strjoinv ("|", expected->headings);
      g_autofree char *got = g_strjoinv ("|", actual->headings);

      g_error ("results differ when fed %s:\n"
               "  title       %s / %s\n  headings    %s / %s\n"
               "  links       %u / %u\n  description %s / %s\n"
               "  encoding    %s / %s\n  bytes       %" G_GSIZE_FORMAT " / %" G_GSIZE_FORMAT,
               how, expected->title, actual->title, want, got,
               expected->link_count, actual->link_count,
               expected->description, actual->description,
               expected->encoding, actual->encoding,
               expected->bytes_fed, actual->bytes_fed);
    }
}

/* Feeds data split at the given offsets (ascending, within data). */
static Result *
extract_split (const char  *data,
               gsize        len,
               const char  *charset,
               const gsize *splits,
               guint        n_splits)
{
  g_autoptr(SluiceHtmlExtractor) extractor = sluice_html_extractor_new (charset);
  gsize pos = 0;

  for (guint i = 0; i <= n_splits; i++)
    {
      gsize next = i < n_splits ? splits[i] : len;

      sluice_html_extractor_feed (extractor, data + pos, next - pos);
      pos = next;
    }
  sluice_html_extractor_finish (extractor);
  /* Idempotent. */
  sluice_html_extractor_finish (extractor);

  return result_take (extractor);
}

static Result *
extract_whole (const char *data,
               gsize       len,
               const char *charset)
{
  return extract_split (data, len, charset, NULL, 0);
}

static Result *
extract_chunked (const char *data,
                 gsize       len,
                 const char *charset,
                 gsize       min_chunk,
                 gsize       max_chunk)
{
  g_autoptr(SluiceHtmlExtractor) extractor = sluice_html_extractor_new (charset);
  gsize pos = 0;

  while (pos < len)
    {
      gsize n = (gsize) g_test_rand_int_range (min_chunk, max_chunk + 1);

      /* Not inside MIN (), which would draw twice. */
      n = MIN (n, len - pos);

      sluice_html_extractor_feed (extractor, data + pos, n);
      /* Empty feeds are harmless. */
      sluice_html_extractor_feed (extractor, data + pos + n, 0);
      pos += n;
    }
  sluice_html_extractor_finish (extractor);

  return result_take (extractor);
}

/* Parses data whole, then chunked every which way, asserting identical
 * results; returns the whole-document result. */
static Result *
extract_all_ways (const char *data,
                  gsize       len,
                  const char *charset)
{
  Result *reference = extract_whole (data, len, charset);

  g_assert_cmpuint (reference->bytes_fed, ==, len);

  if (len <= EXHAUSTIVE_MAX)
    {
      for (gsize split = 1; split < len; split++)
        {
          g_autoptr(Result) result = extract_split (data, len, charset, &split, 1);
          g_autofree char *how = g_strdup_printf ("split at %" G_GSIZE_FORMAT, split);

          assert_results_equal (reference, result, how);
        }

      {
        g_autoptr(Result) result = extract_chunked (data, len, charset, 1, 1);

        assert_results_equal (reference, result, "byte by byte");
      }
    }

  for (guint round = 0; round < RANDOM_ROUNDS; round++)
    {
      g_autoptr(Result) result = extract_chunked (data, len, charset, 1, 7);

      assert_results_equal (reference, result, "in random 1..7 byte chunks");
    }

  return reference;
}

static GBytes *
load_fixture (const char *name)
{
  g_autofree char *path = g_build_filename (TEST_DATA_DIR, name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);

  return g_bytes_new_take (contents, len);
}

static Result *
extract_fixture (const char *name,
                 const char *charset)
{
  g_autoptr(GBytes) bytes = load_fixture (name);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  return extract_all_ways (data, len, charset);
}

static void
assert_headings (const Result *result,
                 ...)
{
  va_list args;
  guint i = 0;
  const char *expected;

  va_start (args, result);
  while ((expected = va_arg (args, const char *)) != NULL)
    {
      g_assert_nonnull (result->headings[i]);
      g_assert_cmpstr (result->headings[i], ==, expected);
      i++;
    }
  va_end (args);
  g_assert_null (result->headings[i]);
}

/* Tests */

static void
test_normal (void)
{
  g_autoptr(Result) result = extract_fixture ("scrape-normal.html", NULL);

  g_assert_cmpstr (result->title, ==, "Sluice test page");
  assert_headings (result, "Welcome to Sluice", "Latest news", NULL);
  /* /docs, https://example.org/, /upper, "" and /news; not the <a> without
   * href, the <area>, the <link>, nor anything in <script> or comments. */
  g_assert_cmpuint (result->link_count, ==, 5);
  g_assert_cmpstr (result->description, ==, "A page for testing the extractor & its friends.");
  g_assert_cmpstr (result->encoding, ==, "UTF-8");
}

static void
test_charset_latin1_meta (void)
{
  g_autoptr(Result) result = extract_fixture ("scrape-latin1.html", NULL);

  /* Labelled ISO-8859-1, but with windows-1252's en dash (0x96) and quotes:
   * libxml2 would make those C1 controls. */
  g_assert_cmpstr (result->encoding, ==, "WINDOWS-1252");
  g_assert_cmpstr (result->title, ==, "Café – Überblick");
  assert_headings (result, "Café – Überblick", NULL);
  g_assert_cmpstr (result->description, ==, "Grüße aus Köln – „Anführungszeichen“ & mehr…");
  g_assert_cmpuint (result->link_count, ==, 1);
}

static void
test_charset_http_equiv (void)
{
  g_autoptr(Result) result = extract_fixture ("scrape-cp1252-http-equiv.html", NULL);

  g_assert_cmpstr (result->encoding, ==, "WINDOWS-1252");
  g_assert_cmpstr (result->title, ==, "Preise in € – Überblick");
  /* 0x81 is undefined in windows-1252: it becomes U+FFFD, and the rest of
   * the page is still read (libxml2's own converter stops there). */
  assert_headings (result, "Nach dem Fehler: Grüße", NULL);
  g_assert_cmpuint (result->link_count, ==, 1);
}

static void
test_charset_utf8 (void)
{
  g_autoptr(Result) result = extract_fixture ("scrape-utf8.html", NULL);
  g_autoptr(Result) undeclared = extract_fixture ("scrape-undeclared-utf8.html", NULL);

  g_assert_cmpstr (result->encoding, ==, "UTF-8");
  g_assert_cmpstr (result->title, ==, "日本語のページ — 🚀 Start");
  assert_headings (result, "Ελληνικά · Русский · 中文", NULL);
  g_assert_cmpstr (result->description, ==, "Привет, мир! Ελληνικά και 中文.");
  g_assert_cmpuint (result->link_count, ==, 1);

  /* No declaration at all: valid UTF-8 is taken for UTF-8, where libxml2
   * would read Latin-1. */
  g_assert_cmpstr (undeclared->encoding, ==, "UTF-8");
  g_assert_cmpstr (undeclared->title, ==, "Café – Überblick");
  assert_headings (undeclared, "Grüße", NULL);
}

static void
test_charset_undeclared_latin1 (void)
{
  g_autoptr(Result) result = extract_fixture ("scrape-undeclared-latin1.html", NULL);

  g_assert_cmpstr (result->encoding, ==, "WINDOWS-1252");
  g_assert_cmpstr (result->title, ==, "Café – Überblick");
  assert_headings (result, "Grüße", NULL);
}

static void
test_charset_http_overrides_meta (void)
{
  g_autoptr(Result) with_http = extract_fixture ("scrape-wrong-meta.html", "utf-8");
  g_autoptr(Result) quoted = extract_fixture ("scrape-wrong-meta.html", " UTF8 ");
  g_autoptr(Result) meta_only = extract_fixture ("scrape-wrong-meta.html", NULL);
  g_autoptr(Result) latin1_as_http = extract_fixture ("scrape-latin1.html", "latin1");

  /* The page is UTF-8 but its <meta> says windows-1252. */
  g_assert_cmpstr (with_http->encoding, ==, "UTF-8");
  g_assert_cmpstr (with_http->title, ==, "Café – Überblick");
  assert_headings (with_http, "Grüße", NULL);
  assert_results_equal (with_http, quoted, "with the label \" UTF8 \"");

  /* Without HTTP's word, the <meta> is believed. */
  g_assert_cmpstr (meta_only->encoding, ==, "WINDOWS-1252");
  g_assert_cmpstr (meta_only->title, ==, "CafÃ© â€“ Ãœberblick");

  g_assert_cmpstr (latin1_as_http->encoding, ==, "WINDOWS-1252");
  g_assert_cmpstr (latin1_as_http->title, ==, "Café – Überblick");
}

static void
test_charset_utf16 (void)
{
  g_autoptr(Result) utf8 = extract_fixture ("scrape-utf8.html", NULL);
  g_autoptr(Result) le = extract_fixture ("scrape-utf16le.html", NULL);
  g_autoptr(Result) le_wrong_http = extract_fixture ("scrape-utf16le.html", "iso-8859-1");
  g_autoptr(GBytes) bytes = load_fixture ("scrape-utf16le.html");
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autoptr(GError) error = NULL;
  g_autofree char *be = NULL;
  g_autofree char *be_with_bom = NULL;
  gsize be_len = 0;
  g_autoptr(Result) be_result = NULL;
  g_autoptr(Result) le_no_bom = NULL;

  g_assert_cmpstr (le->encoding, ==, "UTF-16LE");
  g_assert_cmpstr (le->title, ==, utf8->title);
  g_assert_cmpstr (le->description, ==, utf8->description);
  g_assert_true (g_strv_equal ((const char * const *) le->headings,
                               (const char * const *) utf8->headings));
  g_assert_cmpuint (le->link_count, ==, utf8->link_count);

  /* A byte order mark beats the HTTP charset. */
  g_assert_cmpstr (le_wrong_http->encoding, ==, "UTF-16LE");
  g_assert_cmpstr (le_wrong_http->title, ==, utf8->title);

  /* Big-endian, made here from the little-endian one. */
  be = g_convert (data + 2, len - 2, "UTF-16BE", "UTF-16LE", NULL, &be_len, &error);
  g_assert_no_error (error);
  be_with_bom = g_malloc (be_len + 2);
  memcpy (be_with_bom, "\xfe\xff", 2);
  memcpy (be_with_bom + 2, be, be_len);
  be_result = extract_all_ways (be_with_bom, be_len + 2, NULL);
  g_assert_cmpstr (be_result->encoding, ==, "UTF-16BE");
  g_assert_cmpstr (be_result->title, ==, utf8->title);

  /* No BOM: only the HTTP charset can tell. */
  le_no_bom = extract_all_ways (data + 2, len - 2, "utf-16le");
  g_assert_cmpstr (le_no_bom->encoding, ==, "UTF-16LE");
  g_assert_cmpstr (le_no_bom->title, ==, utf8->title);
}

static void
test_charset_unknown (void)
{
  g_autoptr(Result) unknown_meta = extract_fixture ("scrape-unknown-charset.html", NULL);
  g_autoptr(Result) unknown_http = extract_fixture ("scrape-latin1.html", "x-no-such-charset");
  g_autoptr(Result) sneaky_http = extract_fixture ("scrape-latin1.html", "utf-8//IGNORE");
  g_autoptr(Result) empty_http = extract_fixture ("scrape-latin1.html", "");

  /* Unknown <meta> label: ignored, and the bytes are valid UTF-8. */
  g_assert_cmpstr (unknown_meta->encoding, ==, "UTF-8");
  g_assert_cmpstr (unknown_meta->title, ==, "Café – Überblick");

  /* Unknown HTTP label: ignored, so the <meta> decides. */
  g_assert_cmpstr (unknown_http->encoding, ==, "WINDOWS-1252");
  g_assert_cmpstr (unknown_http->title, ==, "Café – Überblick");
  assert_results_equal (unknown_http, sneaky_http, "with an iconv option in the label");
  assert_results_equal (unknown_http, empty_http, "with an empty label");
}

static void
test_charset_late_meta (void)
{
  g_autoptr(Result) result = extract_fixture ("scrape-late-meta.html", NULL);

  /* The <meta> is past the 1024-byte prescan; libxml2 sees it while the
   * page is still ASCII. */
  g_assert_cmpstr (result->encoding, ==, "ISO-8859-7");
  g_assert_cmpstr (result->title, ==, "Καλημέρα κόσμε");
  assert_headings (result, "Ελληνικά", NULL);
}

static void
test_invalid_bytes (void)
{
  static const char page[] =
    "<html><head><meta charset=utf-8><title>A\xff" "B\0C\xe2\x82" "D\xed\xa0\x80" "E</title></head>"
    "<body><h1>\xc3</h1><a href=\"\xfe\">x</a><h1>tail \xe2\x82";
  g_autoptr(Result) result = extract_all_ways (page, sizeof page - 1, NULL);

  /* One U+FFFD per bad byte, NUL included; a cut-off final character is
   * one too. */
  g_assert_cmpstr (result->title, ==, "A\xef\xbf\xbd" "B\xef\xbf\xbd" "C\xef\xbf\xbd\xef\xbf\xbd" "D"
                   "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "E");
  assert_headings (result, "\xef\xbf\xbd", "tail \xef\xbf\xbd\xef\xbf\xbd", NULL);
  g_assert_cmpuint (result->link_count, ==, 1);
}

/* Numeric references to 128-159 mean windows-1252 characters, as in
 * browsers (pages saved from word processors are full of them): not C1
 * control characters.  129, 141, 143, 144 and 157 name nothing: dropped. */
static void
test_windows_1252_references (void)
{
  static const char page[] =
    "<html><head><meta charset=utf-8><title>It&#146;s &#150; &#x80;5 &#147;q&#148;&#129;</title>"
    "<meta name=description content=\"a&#133;\"></head><body><h1>&#153; &#159;</h1>";
  g_autoptr(Result) result = extract_all_ways (page, sizeof page - 1, NULL);

  g_assert_cmpstr (result->title, ==, "It\u2019s \u2013 \u20ac5 \u201cq\u201d");
  g_assert_cmpstr (result->description, ==, "a\u2026");
  assert_headings (result, "\u2122 \u0178", NULL);
}

static void
test_broken_markup (void)
{
  g_autoptr(Result) result = extract_fixture ("scrape-broken.html", NULL);

  g_assert_cmpstr (result->title, ==, "Broken page");
  g_assert_cmpstr (result->description, ==, "unquoted-description");
  /* /one, /two (nested), /three (never closed), /four (closed by </td>). */
  g_assert_cmpuint (result->link_count, ==, 4);
  /* A <h1> opened inside another ends the first, as in browsers. */
  assert_headings (result,
                   "Unclosed heading with span paragraph inside",
                   "Second",
                   "Third",
                   "Never closed italic",
                   NULL);
}

static void
test_after_html (void)
{
  g_autoptr(Result) result = extract_fixture ("scrape-after-html.html", NULL);

  /* libxml2's push parser alone would stop at the first </html>. */
  g_assert_cmpstr (result->title, ==, "Before the end");
  assert_headings (result, "Inside", "After the end", NULL);
  g_assert_cmpuint (result->link_count, ==, 3);
}

/* Constructs far longer than a chunk: libxml2 rescans an unfinished one
 * on every push, which must not turn quadratic. */
static void
test_long_constructs (void)
{
  const gsize size = 2 * 1024 * 1024;
  /* Opening, filler that must not end the construct, closing. */
  const char *templates[][3] = {
    { "<a href=\"", "xxxx>xx'xx<xx x", "\">attribute</a><h1>end</h1>" },
    { "<h1>", "xxxx xx>xxx\txx", "</h1><a href=/x>end</a><h1>end</h1>" },
    { "<!-- ", "xxx-xx>xx<xx!x", " --><a href=/x>end</a><h1>end</h1>" },
    { "<script>var s = '", "xx</xx>xx\"x'x", "';</script><a href=/x>end</a><h1>end</h1>" },
    { "<p title='", "xxx\"xx>xx<xx x", "'>text</p><a href=/x>end</a><h1>end</h1>" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (templates); i++)
    {
      g_autoptr(GString) page = g_string_new (templates[i][0]);
      g_autoptr(SluiceHtmlExtractor) extractor = sluice_html_extractor_new (NULL);
      const char *filler = templates[i][1];
      gsize filler_len = strlen (filler);
      const char * const *headings;
      gint64 start;

      for (gsize j = 0; j < size; j++)
        g_string_append_c (page, filler[j % filler_len]);
      g_string_append (page, templates[i][2]);

      start = g_get_monotonic_time ();
      for (gsize pos = 0; pos < page->len; pos += 64)
        sluice_html_extractor_feed (extractor, page->str + pos, MIN (64, page->len - pos));
      sluice_html_extractor_finish (extractor);
      g_test_message ("%s...: %.1f MB in 64-byte chunks, %.3f s",
                      templates[i][0], page->len / 1e6,
                      (g_get_monotonic_time () - start) / 1e6);

      g_assert_cmpuint (sluice_html_extractor_get_link_count (extractor), ==, 1);
      headings = sluice_html_extractor_get_headings (extractor);
      g_assert_nonnull (headings[0]);
      g_assert_cmpstr (headings[g_strv_length ((char **) headings) - 1], ==, "end");
    }
}

static void
test_missing (void)
{
  g_autoptr(Result) result = extract_fixture ("scrape-minimal.html", NULL);
  g_autoptr(Result) og = extract_fixture ("scrape-og-only.html", NULL);
  g_autoptr(Result) empty = extract_whole ("", 0, NULL);
  g_autoptr(SluiceHtmlExtractor) fresh = sluice_html_extractor_new (NULL);

  /* Blank title, blank description, <a> without href, blank <h1>, and an
   * SVG <title>. */
  g_assert_null (result->title);
  g_assert_null (result->description);
  g_assert_cmpuint (result->link_count, ==, 0);
  assert_headings (result, NULL);
  /* All ASCII: nothing needed deciding. */
  g_assert_null (result->encoding);

  g_assert_null (og->title);
  g_assert_cmpstr (og->description, ==, "Only the Open Graph one");

  g_assert_null (empty->title);
  g_assert_null (empty->description);
  g_assert_cmpuint (empty->link_count, ==, 0);
  assert_headings (empty, NULL);
  g_assert_cmpuint (empty->bytes_fed, ==, 0);

  /* Getters work before anything is fed. */
  g_assert_null (sluice_html_extractor_get_title (fresh));
  g_assert_nonnull (sluice_html_extractor_get_headings (fresh));
  g_assert_null (sluice_html_extractor_get_headings (fresh)[0]);
  g_assert_cmpuint (sluice_html_extractor_get_link_count (fresh), ==, 0);
}

static void
test_many_headings (void)
{
  g_autoptr(GString) page = g_string_new ("<html><head><title>Many</title></head><body>\n");
  g_autoptr(Result) result = NULL;

  for (guint i = 1; i <= 50; i++)
    g_string_append_printf (page,
                            "<h1 id=\"h%u\">Heading <b>%u</b></h1>\n"
                            "<p>Text %u with <a href=\"/%u\">a link</a>.</p>\n",
                            i, i, i, i);
  g_string_append (page, "</body></html>\n");

  result = extract_all_ways (page->str, page->len, NULL);

  g_assert_cmpuint (g_strv_length (result->headings), ==, 50);
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *expected = g_strdup_printf ("Heading %u", i + 1);

      g_assert_cmpstr (result->headings[i], ==, expected);
    }
  g_assert_cmpuint (result->link_count, ==, 50);
}

static void
test_caps (void)
{
  const gsize max = SLUICE_HTML_EXTRACTOR_MAX_TEXT;
  g_autoptr(GString) page = g_string_new ("<title>");
  g_autoptr(Result) result = NULL;
  gsize title_len;

  /* Two-byte characters, so the cut lands mid-character unless careful. */
  for (gsize i = 0; i < max; i++)
    g_string_append (page, "é");
  g_string_append (page, "</title><h1>");
  /* Blanks don't count against the cap. */
  for (gsize i = 0; i < 4 * max; i++)
    g_string_append (page, " \n\t");
  g_string_append (page, "word</h1>\n");
  for (guint i = 0; i < SLUICE_HTML_EXTRACTOR_MAX_HEADINGS + 500; i++)
    g_string_append_printf (page, "<h1>h%u</h1>", i);

  result = extract_whole (page->str, page->len, "utf-8");

  title_len = strlen (result->title);
  g_assert_cmpuint (title_len, <=, max);
  g_assert_cmpuint (title_len, >=, max - 2);
  g_assert_true (g_str_has_suffix (result->title, "é"));
  g_assert_cmpuint (g_strv_length (result->headings), ==, SLUICE_HTML_EXTRACTOR_MAX_HEADINGS);
  g_assert_cmpstr (result->headings[0], ==, "word");
  g_assert_cmpstr (result->headings[1], ==, "h0");

  {
    g_autoptr(Result) chunked = extract_chunked (page->str, page->len, "utf-8", 1, 4096);

    assert_results_equal (result, chunked, "in random 1..4096 byte chunks");
  }

  /* Long headings run into the total budget first; the list stops there. */
  g_string_truncate (page, 0);
  for (guint i = 0; i < 40; i++)
    {
      g_string_append_printf (page, "<h1>%02u ", i);
      for (gsize j = 0; j < max; j++)
        g_string_append_c (page, 'x');
      g_string_append (page, "</h1><h1>short</h1>");
    }
  g_clear_pointer (&result, result_free);
  result = extract_whole (page->str, page->len, NULL);
  {
    guint n = g_strv_length (result->headings);
    gsize total = 0;

    for (guint i = 0; i < n; i++)
      total += strlen (result->headings[i]) + 1;
    g_assert_cmpuint (total, <=, SLUICE_HTML_EXTRACTOR_MAX_HEADINGS_TOTAL);
    g_assert_cmpuint (total, >, SLUICE_HTML_EXTRACTOR_MAX_HEADINGS_TOTAL - max - 8);
    g_assert_true (g_str_has_prefix (result->headings[n - 2], "14 "));
    g_assert_cmpstr (result->headings[n - 1], ==, "short");
  }
}

static void
test_whitespace_entities (void)
{
  g_autoptr(Result) result = extract_fixture ("scrape-whitespace.html", NULL);

  /* NBSP (&nbsp;, &#160;) and the other Unicode spaces collapse too. */
  g_assert_cmpstr (result->title, ==,
                   "Tabs and newlines & entities é nbsp x <tag> – — \"q\" ©");
  g_assert_cmpstr (result->description, ==, "multi line description & more");
  assert_headings (result,
                   "Line break",
                   "A ideographic space and narrow nbsp",
                   "nospacebetween",
                   "Comment inside",
                   NULL);
}

static void
test_no_stderr_subprocess (void)
{
  const char *fixtures[] = {
    "scrape-broken.html",
    "scrape-cp1252-http-equiv.html",
    "scrape-unknown-charset.html",
    "scrape-wrong-meta.html",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (fixtures); i++)
    {
      g_autoptr(GBytes) bytes = load_fixture (fixtures[i]);
      gsize len;
      const char *data = g_bytes_get_data (bytes, &len);
      g_autoptr(Result) a = extract_whole (data, len, NULL);
      g_autoptr(Result) b = extract_whole (data, len, "utf-8");
    }
}

static void
test_no_stderr (void)
{
  /* libxml2 complains about all of these, to stderr by default. */
  g_test_trap_subprocess ("/html-extractor/no-stderr/subprocess", 0, 0);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr_unmatched ("?*");
  g_test_trap_assert_stdout_unmatched ("*libxml*");
}

typedef struct {
  GBytes *bytes;
  Result *expected;
} ThreadJob;

static gpointer
thread_func (gpointer data)
{
  GPtrArray *jobs = data;

  for (guint round = 0; round < 20; round++)
    {
      for (guint i = 0; i < jobs->len; i++)
        {
          ThreadJob *job = g_ptr_array_index (jobs, i);
          gsize len;
          const char *bytes = g_bytes_get_data (job->bytes, &len);
          g_autoptr(Result) result = extract_whole (bytes, len, NULL);

          assert_results_equal (job->expected, result, "on a thread");
        }
    }

  return NULL;
}

static void
test_threads (void)
{
  const char *fixtures[] = {
    "scrape-normal.html",
    "scrape-latin1.html",
    "scrape-utf16le.html",
    "scrape-late-meta.html",
    "scrape-broken.html",
  };
  g_autoptr(GPtrArray) jobs = g_ptr_array_new ();
  GThread *threads[8];

  for (gsize i = 0; i < G_N_ELEMENTS (fixtures); i++)
    {
      ThreadJob *job = g_new0 (ThreadJob, 1);
      gsize len;
      const char *data;

      job->bytes = load_fixture (fixtures[i]);
      data = g_bytes_get_data (job->bytes, &len);
      job->expected = extract_whole (data, len, NULL);
      g_ptr_array_add (jobs, job);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("extractor", thread_func, jobs);
  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  for (guint i = 0; i < jobs->len; i++)
    {
      ThreadJob *job = g_ptr_array_index (jobs, i);

      g_bytes_unref (job->bytes);
      result_free (job->expected);
      g_free (job);
    }
}

/* Heap in use, or 0 where glibc's malloc isn't the one in use. */
static gsize
heap_in_use (void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
#else
  return 0;
#endif
}

static void
test_huge_page (void)
{
  const char *env = g_getenv ("SLUICE_TEST_HUGE_LINKS");
  guint n_links = env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : 1000000;
  const gsize chunk = 64 * 1024;
  g_autoptr(SluiceHtmlExtractor) extractor = sluice_html_extractor_new (NULL);
  g_autoptr(GString) buffer = g_string_sized_new (2 * chunk);
  gsize total = 0;
  gsize heap_before;
  gsize heap_peak;
  gint64 start;
  gint64 elapsed;
  struct rusage usage;
  guint i = 0;

  g_string_append (buffer,
                   "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                   "<title>A huge page</title></head><body><ul>\n");

  heap_before = heap_in_use ();
  heap_peak = heap_before;
  start = g_get_monotonic_time ();

  /* Made as it is fed, so the page itself is never in memory. */
  for (;;)
    {
      gboolean done = i >= n_links;

      while (!done && buffer->len < chunk)
        {
          g_string_append_printf (buffer,
                                  "<li><a href=\"/item/%u\" title='%u'>%u</a>\n",
                                  i, i, i);
          if (++i == n_links)
            {
              g_string_append (buffer, "</ul><h1>The end</h1></body></html>\n");
              done = TRUE;
            }
        }

      if (buffer->len == 0)
        break;
      if (buffer->len >= chunk || done)
        {
          gsize n = MIN (buffer->len, chunk);

          sluice_html_extractor_feed (extractor, buffer->str, n);
          g_string_erase (buffer, 0, n);
          total += n;
          heap_peak = MAX (heap_peak, heap_in_use ());
        }
    }
  sluice_html_extractor_finish (extractor);
  elapsed = g_get_monotonic_time () - start;
  getrusage (RUSAGE_SELF, &usage);

  g_test_message ("huge page: %u links, %.1f MB in 64 KiB chunks, %.2f s, "
                  "peak heap growth %.2f MB, process max RSS %.1f MB",
                  n_links, total / 1e6, elapsed / 1e6,
                  (heap_peak - heap_before) / 1e6, usage.ru_maxrss / 1024.0);

  g_assert_cmpuint (sluice_html_extractor_get_bytes_fed (extractor), ==, total);
  g_assert_cmpuint (sluice_html_extractor_get_link_count (extractor), ==, n_links);
  g_assert_cmpstr (sluice_html_extractor_get_title (extractor), ==, "A huge page");
  g_assert_cmpstr (sluice_html_extractor_get_headings (extractor)[0], ==, "The end");

  /* Streaming: a few MB at most, never the page (which libxml2 2.9.14 ends
   * up buffering whole if a tag splits inside quotes).  Only meaningful
   * with glibc's own malloc. */
  if (heap_before > 0 && total > 64 * 1024 * 1024 / 4)
    g_assert_cmpuint (heap_peak - heap_before, <, 16 * 1024 * 1024);
}

static void
test_content_type (void)
{
  const struct {
    const char *content_type;
    gboolean is_html;
    const char *charset;
  } cases[] = {
    { NULL, FALSE, NULL },
    { "", FALSE, NULL },
    { "text/html", TRUE, NULL },
    { "TEXT/HTML", TRUE, NULL },
    { "  text/html  ", TRUE, NULL },
    { "text/html; charset=utf-8", TRUE, "utf-8" },
    { "text/html;charset=UTF-8", TRUE, "UTF-8" },
    { "Text/Html ; Charset = \"ISO-8859-1\" ", TRUE, "ISO-8859-1" },
    { "text/html; charset=\"a\\\"b\"", TRUE, "a\"b" },
    { "text/html; charset='windows-1252'", TRUE, "windows-1252" },
    { "text/html; foo=bar; charset=koi8-r; charset=utf-8", TRUE, "koi8-r" },
    { "text/html; foo=\"x;charset=bad\"; charset=good", TRUE, "good" },
    { "text/html; charset=", TRUE, NULL },
    { "text/html; charset", TRUE, NULL },
    { "text/html; xcharset=utf-8", TRUE, NULL },
    { "application/xhtml+xml; charset=utf-8", TRUE, "utf-8" },
    { "APPLICATION/XHTML+XML", TRUE, NULL },
    { "text/htmlx", FALSE, NULL },
    { "text/plain; charset=utf-8", FALSE, "utf-8" },
    { "application/json", FALSE, NULL },
    { "text/html5", FALSE, NULL },
    { "text / html", FALSE, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *charset = sluice_content_type_get_charset (cases[i].content_type);

      g_test_message ("%s", cases[i].content_type);
      g_assert_cmpint (sluice_content_type_is_html (cases[i].content_type), ==, cases[i].is_html);
      g_assert_cmpstr (charset, ==, cases[i].charset);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/html-extractor/normal", test_normal);
  g_test_add_func ("/html-extractor/windows-1252-references", test_windows_1252_references);
  g_test_add_func ("/html-extractor/charset/latin1-meta", test_charset_latin1_meta);
  g_test_add_func ("/html-extractor/charset/http-equiv", test_charset_http_equiv);
  g_test_add_func ("/html-extractor/charset/utf8", test_charset_utf8);
  g_test_add_func ("/html-extractor/charset/undeclared-latin1", test_charset_undeclared_latin1);
  g_test_add_func ("/html-extractor/charset/http-overrides-meta", test_charset_http_overrides_meta);
  g_test_add_func ("/html-extractor/charset/utf16", test_charset_utf16);
  g_test_add_func ("/html-extractor/charset/unknown", test_charset_unknown);
  g_test_add_func ("/html-extractor/charset/late-meta", test_charset_late_meta);
  g_test_add_func ("/html-extractor/charset/invalid-bytes", test_invalid_bytes);
  g_test_add_func ("/html-extractor/broken-markup", test_broken_markup);
  g_test_add_func ("/html-extractor/after-html", test_after_html);
  g_test_add_func ("/html-extractor/long-constructs", test_long_constructs);
  g_test_add_func ("/html-extractor/missing", test_missing);
  g_test_add_func ("/html-extractor/many-headings", test_many_headings);
  g_test_add_func ("/html-extractor/caps", test_caps);
  g_test_add_func ("/html-extractor/whitespace-entities", test_whitespace_entities);
  g_test_add_func ("/html-extractor/no-stderr", test_no_stderr);
  g_test_add_func ("/html-extractor/no-stderr/subprocess", test_no_stderr_subprocess);
  g_test_add_func ("/html-extractor/threads", test_threads);
  g_test_add_func ("/html-extractor/huge-page", test_huge_page);
  g_test_add_func ("/html-extractor/content-type", test_content_type);

  return g_test_run ();
}
