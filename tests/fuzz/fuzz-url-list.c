/* fuzz-url-list.c: libFuzzer target for sluice_url_list_parse() and
 * sluice_url_redact()
 *
 * The input is pasted text.  Besides memory errors, every invariant the
 * add dialog and the scheduler rely on is checked: accepted URLs are
 * http(s), printable ASCII, stable under a second parse and accepted by
 * GUri as the scheduler parses them; refused lines are short, valid UTF-8
 * and free of control and bidi characters; redaction hides passwords.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "sluice-url-list.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

static guint
count_lines (const char *text,
             gsize       length)
{
  guint lines = length > 0 ? 1 : 0;

  for (gsize i = 0; i < length; i++)
    {
      if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == length || text[i + 1] != '\n')))
        {
          if (i + 1 < length)
            lines++;
        }
    }
  return lines;
}

static void
check_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(SluiceUrlList) again = NULL;
  g_autofree char *redacted = NULL;
  const char *userinfo;
  const char *separator;
  gsize separator_len;

  FUZZ_CHECK (g_str_has_prefix (url, "http://") || g_str_has_prefix (url, "https://"));
  for (const char *p = url; *p != '\0'; p++)
    FUZZ_CHECK (*p > 0x20 && *p < 0x7f && *p != '#');

  /* What the scheduler does with it (sluice-scheduler.c parse_web_uri). */
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
  FUZZ_CHECK (uri != NULL);
  FUZZ_CHECK (g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0');

  /* Normalising is idempotent. */
  again = sluice_url_list_parse (url, -1);
  FUZZ_CHECK (sluice_url_list_get_n_urls (again) == 1);
  FUZZ_CHECK (strcmp (sluice_url_list_get_url (again, 0), url) == 0);

  /* A password never survives redaction: the user info is cut at its
   * first colon, literal or percent-encoded (libsoup writes "user:pw" back
   * as "user%3Apw" after a redirect), and the rest shown as "***". */
  redacted = sluice_url_redact (url);
  userinfo = g_uri_get_userinfo (uri);
  separator = userinfo != NULL ? strchr (userinfo, ':') : NULL;
  separator_len = 1;
  if (userinfo != NULL && separator == NULL)
    {
      for (const char *p = userinfo; p[0] != '\0' && p[1] != '\0' && p[2] != '\0'; p++)
        if (p[0] == '%' && p[1] == '3' && (p[2] == 'A' || p[2] == 'a'))
          {
            separator = p;
            separator_len = 3;
            break;
          }
    }
  if (separator == NULL || separator[separator_len] == '\0')
    FUZZ_CHECK (strcmp (redacted, url) == 0);
  else
    {
      g_autoptr(GUri) hidden = g_uri_parse (redacted, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
      g_autofree char *expected = g_strdup_printf ("%.*s***", (int) (separator + separator_len - userinfo),
                                                   userinfo);

      FUZZ_CHECK (hidden != NULL);
      FUZZ_CHECK (g_strcmp0 (g_uri_get_userinfo (hidden), expected) == 0);
      FUZZ_CHECK (g_strcmp0 (g_uri_get_host (hidden), g_uri_get_host (uri)) == 0);
      FUZZ_CHECK (g_strcmp0 (g_uri_get_path (hidden), g_uri_get_path (uri)) == 0);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(SluiceUrlList) list = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *text = NULL;
  g_autofree char *redacted = NULL;
  guint n_urls, n_refused, last_line = 0;

  list = sluice_url_list_parse ((const char *) data, (gssize) size);
  n_urls = sluice_url_list_get_n_urls (list);
  n_refused = sluice_url_list_get_n_refused (list);

  FUZZ_CHECK (n_urls + n_refused + sluice_url_list_get_n_duplicates (list) <=
              count_lines ((const char *) data, size));
  FUZZ_CHECK (g_strv_length ((char **) sluice_url_list_get_urls (list)) == n_urls);

  for (guint i = 0; i < n_urls; i++)
    check_url (sluice_url_list_get_url (list, i));

  for (guint i = 0; i < n_refused; i++)
    {
      const SluiceRefusedLine *line = sluice_url_list_get_refused (list, i);

      FUZZ_CHECK (line->line > last_line);
      last_line = line->line;
      FUZZ_CHECK (line->reason != NULL && *line->reason != '\0');
      FUZZ_CHECK (g_utf8_validate (line->text, -1, NULL));
      FUZZ_CHECK (fuzz_text_is_clean (line->text));
      /* 200 characters, an escape that crossed the line, and "…". */
      FUZZ_CHECK (g_utf8_strlen (line->text, -1) <= 200 + 6 + 1);
      for (const char *p = line->text; *p != '\0'; p = g_utf8_next_char (p))
        FUZZ_CHECK (g_unichar_type (g_utf8_get_char (p)) != G_UNICODE_FORMAT);
    }

  summary = sluice_url_list_format_summary (list);
  FUZZ_CHECK (summary != NULL && g_utf8_validate (summary, -1, NULL));

  /* Redaction works on any string without reading past it. */
  text = g_strndup ((const char *) data, size);
  redacted = sluice_url_redact (text);
  FUZZ_CHECK (redacted != NULL);
  return 0;
}
