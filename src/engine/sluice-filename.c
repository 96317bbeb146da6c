/* sluice-filename.c: safe file names from Content-Disposition and URLs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "sluice-filename.h"

#define DEFAULT_NAME_MAX 255
#define FALLBACK_NAME "download"
/* Anything after the last dot that is longer, or not alphanumeric, is part
 * of the name ("Report v2.5 final") rather than an extension. */
#define EXTENSION_MAX_CHARS 12
/* Real charset names are short; the name is handed to iconv. */
#define CHARSET_MAX_CHARS 40

/* Compressor suffixes that go with ".tar" into one extension. */
static const char * const tar_compressions[] = {
  "gz", "bz2", "xz", "zst", "zstd", "lz", "lzma", "lz4", "lzo", "z", "br", NULL
};

/* Characters that are invisible or rearrange how the rest of the name is
 * shown ("harmless\u202Efdp.exe"), or that terminals and logs interpret. */
static inline gboolean
is_removed_char (gunichar c)
{
  return c < 0x20 ||
         (c >= 0x7f && c <= 0x9f) ||
         (c >= 0x202a && c <= 0x202e) ||
         (c >= 0x2066 && c <= 0x2069) ||
         c == 0x200e || c == 0x200f ||
         c == 0x061c ||
         c == 0x2028 || c == 0x2029 ||
         c == 0xfeff;
}

static inline gboolean
is_separator (char c)
{
  return c == '/' || c == '\\';
}

static gboolean
is_tar_compression (const char *ext,
                    gsize       length)
{
  for (guint i = 0; tar_compressions[i] != NULL; i++)
    {
      if (strlen (tar_compressions[i]) == length &&
          g_ascii_strncasecmp (ext, tar_compressions[i], length) == 0)
        return TRUE;
    }

  return FALSE;
}

/* Byte offset of the extension (with its dot) in name, or length if there
 * is none.  A leading dot does not start an extension. */
static gsize
find_extension (const char *name,
                gsize       length)
{
  const char *dot = g_strrstr_len (name, length, ".");
  gsize ext_chars;

  if (dot == NULL || dot == name)
    return length;

  ext_chars = name + length - (dot + 1);
  if (ext_chars == 0 || ext_chars > EXTENSION_MAX_CHARS)
    return length;
  for (const char *p = dot + 1; p < name + length; p++)
    {
      if (!g_ascii_isalnum (*p))
        return length;
    }

  if (is_tar_compression (dot + 1, ext_chars) &&
      dot - name > 4 &&
      g_ascii_strncasecmp (dot - 4, ".tar", 4) == 0)
    return dot - 4 - name;

  return dot - name;
}

/* Where the UTF-8 text from start to end ends once trailing white space
 * (any Unicode space) is cut off. */
static const char *
trim_trailing_space (const char *start,
                     const char *end)
{
  while (end > start)
    {
      const char *prev = g_utf8_find_prev_char (start, end);

      if (prev == NULL || !g_unichar_isspace (g_utf8_get_char (prev)))
        break;
      end = prev;
    }
  return end;
}

/* The longest prefix of the valid UTF-8 string s (length bytes) that has at
 * most max bytes and ends on a character boundary, without trailing white
 * space (any Unicode space, as the sanitiser trims) if it had to be cut. */
static gsize
utf8_prefix_length (const char *s,
                    gsize       length,
                    gsize       max)
{
  gsize n;

  if (length <= max)
    return length;

  n = max;
  while (n > 0 && ((guchar) s[n] & 0xc0) == 0x80)
    n--;
  return trim_trailing_space (s, s + n) - s;
}

/* stem + middle + ext in at most name_max bytes: the stem gives way first,
 * then the extension, and the middle (a counter) last. */
static char *
fit_name (const char *stem,
          gsize       stem_len,
          const char *middle,
          const char *ext,
          gsize       ext_len,
          gsize       name_max)
{
  gsize middle_len = strlen (middle);
  GString *out;
  gsize keep;

  if (stem_len + middle_len + ext_len <= name_max)
    {
      out = g_string_sized_new (stem_len + middle_len + ext_len);
      g_string_append_len (out, stem, stem_len);
      g_string_append (out, middle);
      g_string_append_len (out, ext, ext_len);
      return g_string_free (out, FALSE);
    }

  if (middle_len + ext_len < name_max)
    {
      keep = utf8_prefix_length (stem, stem_len, name_max - middle_len - ext_len);
      if (keep > 0)
        {
          out = g_string_sized_new (name_max);
          g_string_append_len (out, stem, keep);
          g_string_append (out, middle);
          g_string_append_len (out, ext, ext_len);
          return g_string_free (out, FALSE);
        }
    }

  if (middle_len < name_max)
    {
      /* No room for a stem beside the extension: cut the name as a whole. */
      g_autoptr(GString) whole = g_string_sized_new (stem_len + ext_len);

      g_string_append_len (whole, stem, stem_len);
      g_string_append_len (whole, ext, ext_len);
      keep = utf8_prefix_length (whole->str, whole->len, name_max - middle_len);
      if (keep > 0)
        {
          out = g_string_sized_new (name_max);
          g_string_append_len (out, whole->str, keep);
          g_string_append (out, middle);
          return g_string_free (out, FALSE);
        }
    }

  /* Only the middle, or a part of it: it is ASCII, so any cut is on a
   * boundary. */
  while (*middle == ' ')
    {
      middle++;
      middle_len--;
    }

  return g_strndup (middle, MIN (middle_len, name_max));
}

char *
sluice_filename_sanitize (const char *name,
                          gsize       name_max)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) clean = NULL;
  const char *start;
  const char *end;
  const char *p;
  gsize ext;
  char *result;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (name_max > 0, NULL);

  valid = g_utf8_make_valid (name, -1);

  clean = g_string_sized_new (strlen (valid));
  for (p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (!is_removed_char (g_utf8_get_char (p)))
        g_string_append_len (clean, p, g_utf8_next_char (p) - p);
    }

  /* Only the last non-empty path component, Unix or Windows style. */
  start = clean->str;
  end = clean->str + clean->len;
  while (end > start && is_separator (end[-1]))
    end--;
  for (p = end; p > start; p--)
    {
      if (is_separator (p[-1]))
        break;
    }
  start = p;

  /* "C:name" is relative to the current directory of drive C.  Leading
   * dots hide the file, leading dashes turn it into an option on someone's
   * command line.  Either may uncover the other (".. C:name"), so both go
   * until neither is left. */
  for (;;)
    {
      if (end - start >= 2 && g_ascii_isalpha (start[0]) && start[1] == ':')
        {
          start += 2;
          continue;
        }
      if (start < end)
        {
          gunichar c = g_utf8_get_char (start);

          if (c == '.' || c == '-' || g_unichar_isspace (c))
            {
              start = g_utf8_next_char (start);
              continue;
            }
        }
      break;
    }
  end = trim_trailing_space (start, end);

  if (start == end)
    return NULL;

  ext = find_extension (start, end - start);
  result = fit_name (start, ext, "", start + ext, (end - start) - ext, name_max);
  if (*result == '\0' || strcmp (result, ".") == 0 || strcmp (result, "..") == 0)
    g_clear_pointer (&result, g_free);

  return result;
}

/* Content-Disposition parsing.  Hand-written on purpose: the value comes
 * from any server, so every step checks bounds and nothing recurses. */

static const char *
skip_space (const char *p,
            const char *end)
{
  while (p < end && g_ascii_isspace (*p))
    p++;
  return p;
}

/* Moves past the rest of a parameter, up to the next ';' that is not inside
 * a quoted string. */
static const char *
skip_to_separator (const char *p,
                   const char *end)
{
  while (p < end && *p != ';')
    {
      if (*p == '"')
        {
          p++;
          while (p < end && *p != '"')
            {
              if (*p == '\\' && p + 1 < end)
                p++;
              p++;
            }
          if (p < end)
            p++;
        }
      else
        {
          p++;
        }
    }

  return p;
}

/* A quoted-string (with backslash escapes) or a token, which servers often
 * send with spaces in it.  NULL for an unterminated quoted string. */
static char *
read_value (const char **pp,
            const char  *end)
{
  const char *p = *pp;

  if (p < end && *p == '"')
    {
      g_autoptr(GString) value = g_string_new (NULL);

      for (p++; p < end; p++)
        {
          if (*p == '"')
            {
              *pp = p + 1;
              return g_string_free (g_steal_pointer (&value), FALSE);
            }
          if (*p == '\\')
            {
              if (p + 1 >= end)
                break;
              p++;
            }
          g_string_append_c (value, *p);
        }

      *pp = end;
      return NULL;
    }
  else
    {
      const char *start = p;
      const char *value_end;

      while (p < end && *p != ';')
        p++;
      value_end = p;
      while (value_end > start && g_ascii_isspace (value_end[-1]))
        value_end--;

      *pp = p;
      return g_strndup (start, value_end - start);
    }
}

static char *
latin1_to_utf8 (const char *bytes,
                gsize       length)
{
  GString *out = g_string_sized_new (length * 2);

  for (gsize i = 0; i < length; i++)
    g_string_append_unichar (out, (guchar) bytes[i]);

  return g_string_free (out, FALSE);
}

static gboolean
charset_name_is_plausible (const char *charset,
                           gsize       length)
{
  if (length == 0 || length > CHARSET_MAX_CHARS)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = charset[i];

      if (!g_ascii_isalnum (c) && c != '-' && c != '_' && c != '.' && c != ':' && c != '+')
        return FALSE;
    }

  return TRUE;
}

/* RFC 8187 ext-value: charset'[language]'percent-encoded.  NULL if any part
 * is malformed, cannot be converted, or is empty. */
static char *
decode_ext_value (const char *value)
{
  const char *quote1 = strchr (value, '\'');
  const char *quote2;
  g_autofree char *charset = NULL;
  g_autoptr(GString) bytes = NULL;

  if (quote1 == NULL)
    return NULL;
  quote2 = strchr (quote1 + 1, '\'');
  if (quote2 == NULL)
    return NULL;
  if (!charset_name_is_plausible (value, quote1 - value))
    return NULL;
  charset = g_strndup (value, quote1 - value);

  bytes = g_string_new (NULL);
  for (const char *p = quote2 + 1; *p != '\0'; p++)
    {
      if (*p == '%')
        {
          int hi, lo;

          if (p[1] == '\0' || p[2] == '\0')
            return NULL;
          hi = g_ascii_xdigit_value (p[1]);
          lo = g_ascii_xdigit_value (p[2]);
          if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return NULL;
          g_string_append_c (bytes, (char) (hi * 16 + lo));
          p += 2;
        }
      else
        {
          g_string_append_c (bytes, *p);
        }
    }

  if (bytes->len == 0)
    return NULL;

  if (g_ascii_strcasecmp (charset, "UTF-8") == 0 ||
      g_ascii_strcasecmp (charset, "UTF8") == 0)
    {
      if (!g_utf8_validate_len (bytes->str, bytes->len, NULL))
        return NULL;
      return g_strndup (bytes->str, bytes->len);
    }

  if (g_ascii_strcasecmp (charset, "ISO-8859-1") == 0 ||
      g_ascii_strcasecmp (charset, "ISO8859-1") == 0 ||
      g_ascii_strcasecmp (charset, "ISO_8859-1") == 0 ||
      g_ascii_strcasecmp (charset, "latin1") == 0)
    return latin1_to_utf8 (bytes->str, bytes->len);

  {
    g_autofree char *converted = NULL;
    gsize written = 0;

    converted = g_convert (bytes->str, bytes->len, "UTF-8", charset, NULL, &written, NULL);
    /* validating with the length also refuses an encoded NUL */
    if (converted == NULL || written == 0 ||
        !g_utf8_validate_len (converted, written, NULL))
      return NULL;
    return g_steal_pointer (&converted);
  }
}

char *
sluice_filename_from_content_disposition (const char *header_value)
{
  g_autofree char *plain = NULL;
  g_autofree char *extended = NULL;
  const char *p;
  const char *end;

  g_return_val_if_fail (header_value != NULL, NULL);

  p = header_value;
  end = header_value + strlen (header_value);

  /* The disposition type is just a parameter without '=' here, so a value
   * that lacks it ("filename=x") still works. */
  while (p < end)
    {
      const char *name;
      gsize name_len;
      g_autofree char *value = NULL;

      p = skip_space (p, end);
      name = p;
      while (p < end && *p != '=' && *p != ';' && *p != '"' && !g_ascii_isspace (*p))
        p++;
      name_len = p - name;

      p = skip_space (p, end);
      if (p < end && *p == '=')
        {
          p = skip_space (p + 1, end);
          value = read_value (&p, end);
        }
      p = skip_to_separator (p, end);
      if (p < end)
        p++;

      if (value == NULL)
        continue;

      if (name_len == 9 && g_ascii_strncasecmp (name, "filename*", 9) == 0)
        {
          if (extended == NULL)
            extended = decode_ext_value (value);
        }
      else if (name_len == 8 && g_ascii_strncasecmp (name, "filename", 8) == 0)
        {
          if (plain == NULL && *value != '\0')
            plain = g_steal_pointer (&value);
        }
    }

  if (extended != NULL)
    return g_steal_pointer (&extended);

  if (plain != NULL)
    {
      /* RFC 6266 says ISO-8859-1, but servers mostly send raw UTF-8 */
      if (g_utf8_validate (plain, -1, NULL))
        return g_steal_pointer (&plain);
      return latin1_to_utf8 (plain, strlen (plain));
    }

  return NULL;
}

/* Percent-decodes a path segment.  A decoded '/' or '\' (or NUL) would
 * change what the segment means, so they become '_'. */
static char *
decode_segment (const char *segment,
                gsize       length)
{
  GString *out = g_string_sized_new (length);

  for (gsize i = 0; i < length; i++)
    {
      char c = segment[i];

      if (c == '%' && i + 2 < length &&
          g_ascii_isxdigit (segment[i + 1]) && g_ascii_isxdigit (segment[i + 2]))
        {
          c = (char) (g_ascii_xdigit_value (segment[i + 1]) * 16 +
                      g_ascii_xdigit_value (segment[i + 2]));
          i += 2;
          if (c == '/' || c == '\\' || c == '\0')
            c = '_';
        }
      g_string_append_c (out, c);
    }

  return g_string_free (out, FALSE);
}

static char *
last_path_segment (GUri *uri)
{
  const char *path = g_uri_get_path (uri);
  const char *end = path + strlen (path);
  const char *start;

  while (end > path && end[-1] == '/')
    end--;
  for (start = end; start > path && start[-1] != '/'; start--)
    ;
  if (start == end)
    return NULL;

  /* A GUri parsed without ENCODED flags has already decoded the path (and
   * any "%2F" is already a '/'); otherwise decode it here. */
  if (g_uri_get_flags (uri) & (G_URI_FLAGS_ENCODED | G_URI_FLAGS_ENCODED_PATH))
    return decode_segment (start, end - start);

  return g_strndup (start, end - start);
}

char *
sluice_filename_for_response (const char *content_disposition,
                              GUri       *uri,
                              gsize       name_max)
{
  g_return_val_if_fail (uri != NULL, g_strdup (FALLBACK_NAME));
  g_return_val_if_fail (name_max > 0, g_strdup (FALLBACK_NAME));

  if (content_disposition != NULL)
    {
      g_autofree char *suggested = sluice_filename_from_content_disposition (content_disposition);

      if (suggested != NULL)
        {
          char *name = sluice_filename_sanitize (suggested, name_max);

          if (name != NULL)
            return name;
        }
    }

  {
    g_autofree char *segment = last_path_segment (uri);

    if (segment != NULL)
      {
        char *name = sluice_filename_sanitize (segment, name_max);

        if (name != NULL)
          return name;
      }
  }

  /* name_max > 0, so at least "d" survives */
  return sluice_filename_sanitize (FALLBACK_NAME, name_max);
}

char *
sluice_filename_with_counter (const char *name,
                              guint       n,
                              gsize       name_max)
{
  g_autofree char *valid = NULL;
  g_autofree char *middle = NULL;
  gsize length;
  gsize ext;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (name_max > 0, NULL);

  /* cutting on character boundaries needs valid UTF-8 */
  valid = g_utf8_make_valid (name, -1);
  length = strlen (valid);
  ext = find_extension (valid, length);
  middle = g_strdup_printf (" (%u)", n);

  return fit_name (valid, ext, middle, valid + ext, length - ext, name_max);
}

gsize
sluice_filename_get_name_max (const char *directory)
{
  long name_max;

  g_return_val_if_fail (directory != NULL, DEFAULT_NAME_MAX);

  name_max = pathconf (directory, _PC_NAME_MAX);
  if (name_max <= 0)
    return DEFAULT_NAME_MAX;

  return (gsize) name_max;
}
