/* fuzz-html-extractor.c: libFuzzer target for SluiceHtmlExtractor and the
 * Content-Type helpers
 *
 * Input: a Content-Type line (up to the first newline, at most 128 bytes;
 * its charset goes to the extractor), then the page.  The page is parsed
 * whole, and again in chunks whose sizes come from a generator seeded by
 * the input; the results must be within the documented limits and, for
 * pages without quotes (see below), identical.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "sluice-html-extractor.h"

#define CONTENT_TYPE_MAX 128

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

static void
check_text (const char *text)
{
  if (text == NULL)
    return;
  FUZZ_CHECK (*text != '\0');
  FUZZ_CHECK (strlen (text) <= SLUICE_HTML_EXTRACTOR_MAX_TEXT);
  FUZZ_CHECK (g_utf8_validate (text, -1, NULL));
}

static void
check_results (SluiceHtmlExtractor *extractor)
{
  const char * const *headings = sluice_html_extractor_get_headings (extractor);
  gsize total = 0;
  guint n = 0;

  check_text (sluice_html_extractor_get_title (extractor));
  check_text (sluice_html_extractor_get_description (extractor));
  for (; headings[n] != NULL; n++)
    {
      check_text (headings[n]);
      total += strlen (headings[n]);
    }
  FUZZ_CHECK (n <= SLUICE_HTML_EXTRACTOR_MAX_HEADINGS);
  FUZZ_CHECK (total <= SLUICE_HTML_EXTRACTOR_MAX_HEADINGS_TOTAL);
}

static gboolean
same_results (SluiceHtmlExtractor *a,
              SluiceHtmlExtractor *b)
{
  const char * const *ha = sluice_html_extractor_get_headings (a);
  const char * const *hb = sluice_html_extractor_get_headings (b);
  guint i;

  if (g_strcmp0 (sluice_html_extractor_get_title (a), sluice_html_extractor_get_title (b)) != 0 ||
      g_strcmp0 (sluice_html_extractor_get_description (a), sluice_html_extractor_get_description (b)) != 0 ||
      g_strcmp0 (sluice_html_extractor_get_encoding (a), sluice_html_extractor_get_encoding (b)) != 0 ||
      sluice_html_extractor_get_link_count (a) != sluice_html_extractor_get_link_count (b))
    return FALSE;
  for (i = 0; ha[i] != NULL && hb[i] != NULL; i++)
    if (strcmp (ha[i], hb[i]) != 0)
      return FALSE;
  return ha[i] == NULL && hb[i] == NULL;
}

static void
print_results (const char          *how,
               SluiceHtmlExtractor *extractor)
{
  const char * const *headings = sluice_html_extractor_get_headings (extractor);
  g_autofree char *joined = g_strjoinv ("\" \"", (char **) headings);

  g_printerr ("%s: title=\"%s\" links=%u encoding=%s description=\"%s\" h1=[\"%s\"]\n", how,
              sluice_html_extractor_get_title (extractor),
              sluice_html_extractor_get_link_count (extractor),
              sluice_html_extractor_get_encoding (extractor),
              sluice_html_extractor_get_description (extractor),
              joined);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(SluiceHtmlExtractor) whole = NULL;
  g_autoptr(SluiceHtmlExtractor) chunked = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *charset = NULL;
  const uint8_t *newline;
  const char *page;
  gsize page_len, offset = 0;
  guint64 state;

  newline = memchr (data, '\n', MIN (size, CONTENT_TYPE_MAX));
  if (newline != NULL)
    {
      content_type = g_strndup ((const char *) data, newline - data);
      page = (const char *) newline + 1;
      page_len = size - (newline + 1 - data);
    }
  else
    {
      page = (const char *) data;
      page_len = size;
    }

  if (content_type != NULL)
    {
      (void) sluice_content_type_is_html (content_type);
      charset = sluice_content_type_get_charset (content_type);
      if (charset != NULL)
        FUZZ_CHECK (*charset != '\0');
    }

  whole = sluice_html_extractor_new (charset);
  sluice_html_extractor_feed (whole, page, page_len);
  FUZZ_CHECK (sluice_html_extractor_get_bytes_fed (whole) == page_len);
  /* Partial results are readable at any time. */
  check_results (whole);
  sluice_html_extractor_finish (whole);
  sluice_html_extractor_finish (whole);
  check_results (whole);

  /* FNV-1a over the page: the same page always splits the same way. */
  state = G_GUINT64_CONSTANT (14695981039346656037);
  for (gsize i = 0; i < page_len; i++)
    state = (state ^ (guint8) page[i]) * G_GUINT64_CONSTANT (1099511628211);
  chunked = sluice_html_extractor_new (charset);
  while (offset < page_len)
    {
      /* Mostly tiny chunks, sometimes large ones. */
      guint32 r = fuzz_next_random (&state);
      gsize n = (r & 0xf) == 0 ? 1 + (r >> 4) % 4096 : 1 + (r >> 4) % 8;

      n = MIN (n, page_len - offset);
      sluice_html_extractor_feed (chunked, page + offset, n);
      offset += n;
    }
  sluice_html_extractor_finish (chunked);
  check_results (chunked);

  /* Known and accepted: libxml2 2.9's push parser finds the end of a start
   * tag with a lookahead that pairs up every quote, while its tag parser
   * does not (a stray quote in a name position), so with broken quoting a
   * tag may end elsewhere depending on what had arrived.  Such pages are
   * only checked for memory safety and limits. */
  if (memchr (page, '"', page_len) == NULL && memchr (page, '\'', page_len) == NULL &&
      !same_results (whole, chunked))
    {
      print_results ("whole", whole);
      print_results ("chunked", chunked);
      FUZZ_CHECK (!"chunked parse differs from whole parse");
    }
  return 0;
}
