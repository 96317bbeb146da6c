/* fuzz-filename.c: libFuzzer target for the file-name sanitiser and
 * Content-Disposition parsing
 *
 * Input: one byte for name_max (1..256), one for the counter, then the
 * header value / name.  Whatever comes out must be a single, visible,
 * valid UTF-8 path component that fits name_max bytes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "sluice-filename.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

/* What a sanitised name must be. */
static void
check_safe_name (const char *name,
                 gsize       name_max)
{
  gunichar first;

  FUZZ_CHECK (name != NULL);
  FUZZ_CHECK (*name != '\0');
  FUZZ_CHECK (strlen (name) <= name_max);
  FUZZ_CHECK (g_utf8_validate (name, -1, NULL));
  FUZZ_CHECK (strchr (name, '/') == NULL);
  FUZZ_CHECK (strchr (name, '\\') == NULL);
  FUZZ_CHECK (strcmp (name, ".") != 0 && strcmp (name, "..") != 0);
  FUZZ_CHECK (fuzz_text_is_clean (name));
  first = g_utf8_get_char (name);
  FUZZ_CHECK (first != '.' && first != '-' && !g_unichar_isspace (first));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  g_autofree char *suggested = NULL;
  g_autofree char *clean = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *uri_string = NULL;
  g_autoptr(GUri) uri = NULL;
  gsize name_max;
  guint counter;

  if (size < 2)
    return 0;
  name_max = (gsize) data[0] + 1;
  counter = data[1];
  text = g_strndup ((const char *) data + 2, size - 2);

  suggested = sluice_filename_from_content_disposition (text);
  if (suggested != NULL)
    FUZZ_CHECK (g_utf8_validate (suggested, -1, NULL));

  clean = sluice_filename_sanitize (text, name_max);
  if (clean != NULL)
    {
      g_autofree char *again = sluice_filename_sanitize (clean, name_max);
      g_autofree char *numbered = sluice_filename_with_counter (clean, counter, name_max);

      check_safe_name (clean, name_max);
      /* A safe name stays as it is. */
      FUZZ_CHECK (again != NULL && strcmp (again, clean) == 0);
      check_safe_name (numbered, name_max);
    }

  /* The same text as a URL path, and as a header next to that URL. */
  escaped = g_uri_escape_string (text, "/", FALSE);
  uri_string = g_strconcat ("http://example.com/", escaped, NULL);
  uri = g_uri_parse (uri_string, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
  if (uri != NULL)
    {
      g_autofree char *from_url = sluice_filename_for_response (NULL, uri, name_max);
      g_autofree char *from_header = sluice_filename_for_response (text, uri, name_max);

      check_safe_name (from_url, name_max);
      check_safe_name (from_header, name_max);
    }
  return 0;
}
