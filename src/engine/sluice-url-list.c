/* sluice-url-list.c: pasted text → validated, de-duplicated URLs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sluice-url-list.h"

/* Refused lines are shown to people, so keep them short. */
#define REFUSED_TEXT_MAX_CHARS 200
/* Schemes are echoed in a reason; a pasted blob can have a "scheme" of any
 * length. */
#define SCHEME_DISPLAY_MAX_CHARS 24
/* Lines between two looks at the cancellable in the threaded variant. */
#define CANCEL_CHECK_INTERVAL 4096

struct _SluiceUrlList
{
  GObject     parent_instance;

  GPtrArray  *urls;          /* char *, NULL-terminated */
  GArray     *refused;       /* SluiceRefusedLine */
  guint       n_duplicates;
};

G_DEFINE_FINAL_TYPE (SluiceUrlList, sluice_url_list, G_TYPE_OBJECT)

static void
refused_line_clear (gpointer data)
{
  SluiceRefusedLine *refused = data;

  g_clear_pointer (&refused->text, g_free);
  g_clear_pointer (&refused->reason, g_free);
}

static void
sluice_url_list_finalize (GObject *object)
{
  SluiceUrlList *self = SLUICE_URL_LIST (object);

  g_clear_pointer (&self->urls, g_ptr_array_unref);
  g_clear_pointer (&self->refused, g_array_unref);

  G_OBJECT_CLASS (sluice_url_list_parent_class)->finalize (object);
}

static void
sluice_url_list_class_init (SluiceUrlListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sluice_url_list_finalize;
}

static void
sluice_url_list_init (SluiceUrlList *self)
{
  self->urls = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  self->refused = g_array_new (FALSE, TRUE, sizeof (SluiceRefusedLine));
  g_array_set_clear_func (self->refused, refused_line_clear);
}

/* Line text for display: valid UTF-8, with anything that could break a
 * one-line label or reorder it (controls, bidi and other format characters,
 * line separators) written as an escape. */
static char *
make_display_text (const char *line,
                   gsize       length)
{
  g_autofree char *valid = g_utf8_make_valid (line, length);
  GString *out = g_string_sized_new (MIN (length, REFUSED_TEXT_MAX_CHARS * 2) + 8);
  guint n_chars = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n_chars >= REFUSED_TEXT_MAX_CHARS)
        {
          g_string_append (out, "…");
          break;
        }

      if (c < 0x20 || c == 0x7f)
        {
          g_string_append_printf (out, "\\x%02X", c);
          n_chars += 4;
        }
      else if ((c >= 0x80 && c < 0xa0) ||
               c == 0x2028 || c == 0x2029 ||
               g_unichar_type (c) == G_UNICODE_FORMAT)
        {
          g_string_append_printf (out, "\\u%04X", c);
          n_chars += 6;
        }
      else
        {
          g_string_append_unichar (out, c);
          n_chars++;
        }
    }

  return g_string_free (out, FALSE);
}

static void
add_refused (SluiceUrlList *self,
             guint          line_no,
             const char    *line,
             gsize          length,
             char          *reason /* owned */)
{
  SluiceRefusedLine refused;

  refused.line = line_no;
  refused.text = make_display_text (line, length);
  refused.reason = reason;
  g_array_append_val (self->refused, refused);
}

/* g_ascii_isspace() leaves out the vertical tab */
static inline gboolean
is_ascii_blank (char c)
{
  return g_ascii_isspace (c) || c == '\v';
}

/* Besides ASCII white space: what text copied from web pages and office
 * documents tends to carry around a link. */
static inline gboolean
is_trimmable (gunichar c)
{
  return g_unichar_isspace (c) || c == 0x00a0 || c == 0xfeff || c == 0x200b;
}

static void
trim_ascii (const char **start,
            const char **end)
{
  while (*start < *end && is_ascii_blank (**start))
    (*start)++;
  while (*end > *start && is_ascii_blank ((*end)[-1]))
    (*end)--;
}

/* [start, end) must be valid UTF-8. */
static void
trim_unicode (const char **start,
              const char **end)
{
  while (*start < *end)
    {
      if ((guchar) **start < 0x80)
        {
          if (!is_ascii_blank (**start))
            break;
          (*start)++;
        }
      else if (is_trimmable (g_utf8_get_char (*start)))
        *start = g_utf8_next_char (*start);
      else
        break;
    }

  while (*end > *start)
    {
      if ((guchar) (*end)[-1] < 0x80)
        {
          if (!is_ascii_blank ((*end)[-1]))
            break;
          (*end)--;
        }
      else
        {
          const char *prev = g_utf8_find_prev_char (*start, *end);

          if (prev == NULL || !is_trimmable (g_utf8_get_char (prev)))
            break;
          *end = prev;
        }
    }
}

/* RFC 3986: unreserved, reserved and '%'. */
static inline gboolean
is_uri_ascii (guchar c)
{
  return g_ascii_isalnum (c) ||
         (c != '\0' && strchr ("-._~:/?#[]@!$&'()*+,;=%", c) != NULL);
}

/* GUri percent-encodes or passes through characters that cannot be in a
 * URI, so they are caught here: a space or a '|' in a pasted line usually
 * means two things ran together, and guessing would fetch the wrong thing.
 * Other non-ASCII characters are fine (an IRI) and set *non_ascii.
 * Returns a reason, or NULL. */
static char *
check_characters (const char *start,
                  const char *end,
                  gboolean   *non_ascii)
{
  *non_ascii = FALSE;

  for (const char *p = start; p < end; )
    {
      guchar b = (guchar) *p;
      gunichar c;
      GUnicodeType type;

      if (b < 0x80)
        {
          if (G_LIKELY (is_uri_ascii (b)))
            {
              p++;
              continue;
            }
          if (b == ' ')
            return g_strdup (_("The link contains a space"));
          if (g_ascii_isprint (b))
            {
              /* Translators: %c is a character such as “|” */
              return g_strdup_printf (_("The link contains a character that is not allowed (“%c”)"), b);
            }
          /* Translators: %04X is a character code such as 0009 (a tab) */
          return g_strdup_printf (_("The link contains a character that is not allowed (U+%04X)"), (guint) b);
        }

      c = g_utf8_get_char (p);
      type = g_unichar_type (c);
      if (type == G_UNICODE_SPACE_SEPARATOR ||
          type == G_UNICODE_LINE_SEPARATOR ||
          type == G_UNICODE_PARAGRAPH_SEPARATOR)
        return g_strdup (_("The link contains a space"));
      if (type == G_UNICODE_CONTROL || type == G_UNICODE_FORMAT)
        return g_strdup_printf (_("The link contains a character that is not allowed (U+%04X)"), c);

      *non_ascii = TRUE;
      p = g_utf8_next_char (p);
    }

  return NULL;
}

/* Length of a syntactically valid scheme followed by ':' at the start of
 * [start, end), or 0. */
static gsize
scheme_length (const char *start,
               const char *end)
{
  const char *p = start;

  if (p >= end || !g_ascii_isalpha (*p))
    return 0;
  while (p < end && (g_ascii_isalnum (*p) || *p == '+' || *p == '-' || *p == '.'))
    p++;
  if (p >= end || *p != ':')
    return 0;

  return p - start;
}

static char *
scheme_reason (const char *scheme,
               gsize       length)
{
  g_autofree char *shown = g_ascii_strdown (scheme, MIN (length, SCHEME_DISPLAY_MAX_CHARS));

  if (length > SCHEME_DISPLAY_MAX_CHARS)
    {
      char *longer = g_strconcat (shown, "…", NULL);

      g_free (shown);
      shown = longer;
    }

  /* Translators: %s is a URL scheme such as “ftp” or “mailto” */
  return g_strdup_printf (_("Only http and https links are supported (this one is %s)"), shown);
}

static inline char *
not_a_url_reason (void)
{
  return g_strdup (_("Not a valid URL"));
}

static inline char *
no_scheme_reason (void)
{
  return g_strdup (_("Not a valid URL (it must start with http:// or https://)"));
}

/* GUri turns a percent-encoded or IDN host into its decoded or ASCII form;
 * only a DNS-like name or an IP address may come out, so that "%2F" or
 * "%3A" in a host cannot change the meaning of the URL we write back. */
static gboolean
host_is_valid (const char *host)
{
  if (strchr (host, ':') != NULL)
    {
      const char *zone = strchr (host, '%');

      /* RFC 6874: a zone ID is unreserved characters (GUri has decoded any
       * percent-encoding, and g_hostname_is_ip_address () takes anything
       * after the '%'), so "%2F" or "%5D" cannot reshape the URL. */
      if (zone != NULL)
        {
          if (zone[1] == '\0')
            return FALSE;
          for (const char *p = zone + 1; *p != '\0'; p++)
            {
              if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_' && *p != '~')
                return FALSE;
            }
        }
      return g_hostname_is_ip_address (host);
    }

  for (const char *p = host; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_' && *p != '~')
        return FALSE;
    }

  return TRUE;
}

static void
append_host (GString    *out,
             const char *host)
{
  if (strchr (host, ':') != NULL)
    {
      /* IPv6 literal, maybe with a zone ID whose '%' must be encoded again */
      g_string_append_c (out, '[');
      for (const char *p = host; *p != '\0'; p++)
        {
          if (*p == '%')
            g_string_append (out, "%25");
          else
            g_string_append_c (out, g_ascii_tolower (*p));
        }
      g_string_append_c (out, ']');
    }
  else
    {
      for (const char *p = host; *p != '\0'; p++)
        g_string_append_c (out, g_ascii_tolower (*p));
    }
}

/* Builds the normalised string, or returns NULL and sets *reason. */
static char *
normalise (const char  *start,
           const char  *end,
           gboolean     non_ascii,
           char       **reason)
{
  g_autoptr(GString) encoded = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;
  const char *scheme;
  const char *host;
  const char *userinfo;
  const char *path;
  const char *query;
  int port;
  GString *out;

  /* IRI → URI: percent-encode the UTF-8 bytes; GUri decodes them again in
   * the host and turns it into its IDN ASCII form. */
  encoded = g_string_sized_new ((end - start) + (non_ascii ? 32 : 1));
  for (const char *p = start; p < end; p++)
    {
      guchar b = (guchar) *p;

      if (b >= 0x80)
        g_string_append_printf (encoded, "%%%02X", b);
      else
        g_string_append_c (encoded, b);
    }

  uri = g_uri_parse (encoded->str, G_URI_FLAGS_ENCODED, &error);
  if (uri == NULL)
    {
      if (g_error_matches (error, G_URI_ERROR, G_URI_ERROR_BAD_PORT))
        *reason = g_strdup (_("The port number is not valid"));
      else if (g_error_matches (error, G_URI_ERROR, G_URI_ERROR_BAD_HOST))
        *reason = g_strdup (_("The host name is not valid"));
      else
        *reason = not_a_url_reason ();
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);  /* GUri lowercases it */
  host = g_uri_get_host (uri);
  port = g_uri_get_port (uri);

  if (host == NULL || *host == '\0')
    {
      *reason = g_strdup (_("The link has no host name"));
      return NULL;
    }
  if (!host_is_valid (host))
    {
      *reason = g_strdup (_("The host name is not valid"));
      return NULL;
    }
  if (port == 0)
    {
      *reason = g_strdup (_("The port number is not valid"));
      return NULL;
    }

  if ((port == 80 && strcmp (scheme, "http") == 0) ||
      (port == 443 && strcmp (scheme, "https") == 0))
    port = -1;

  userinfo = g_uri_get_userinfo (uri);
  path = g_uri_get_path (uri);
  query = g_uri_get_query (uri);

  out = g_string_sized_new (encoded->len + 8);
  g_string_append (out, scheme);
  g_string_append (out, "://");
  if (userinfo != NULL && *userinfo != '\0')
    {
      g_string_append (out, userinfo);
      g_string_append_c (out, '@');
    }
  append_host (out, host);
  if (port > 0)
    g_string_append_printf (out, ":%d", port);
  g_string_append (out, *path != '\0' ? path : "/");
  if (query != NULL)
    {
      g_string_append_c (out, '?');
      g_string_append (out, query);
    }
  /* the fragment is never sent to the server, so it is dropped */

  return g_string_free (out, FALSE);
}

static void
parse_line (SluiceUrlList *self,
            GHashTable    *seen,
            guint          line_no,
            const char    *line,
            gsize          length)
{
  const char *start = line;
  const char *end = line + length;
  gboolean non_ascii;
  char *reason = NULL;
  char *url;
  gsize scheme_len;

  if (!g_utf8_validate_len (line, length, NULL))
    {
      trim_ascii (&start, &end);
      if (start == end || *start == '#')
        return;
      add_refused (self, line_no, start, end - start, g_strdup (_("Not valid UTF-8")));
      return;
    }

  trim_unicode (&start, &end);
  if (start == end || *start == '#')
    return;

  /* The scheme first, so that "javascript:a b" gets the scheme reason and
   * not the one about the space. */
  scheme_len = scheme_length (start, end);
  if (scheme_len == 0)
    {
      add_refused (self, line_no, start, end - start, no_scheme_reason ());
      return;
    }
  if (!((scheme_len == 4 && g_ascii_strncasecmp (start, "http", 4) == 0) ||
        (scheme_len == 5 && g_ascii_strncasecmp (start, "https", 5) == 0)))
    {
      /* "example.com:8080/x" and "localhost:8080" look like a scheme, but are
       * links without one. */
      if (memchr (start, '.', scheme_len) != NULL ||
          (start + scheme_len + 1 < end && g_ascii_isdigit (start[scheme_len + 1])))
        reason = no_scheme_reason ();
      else
        reason = scheme_reason (start, scheme_len);
      add_refused (self, line_no, start, end - start, reason);
      return;
    }

  reason = check_characters (start, end, &non_ascii);
  if (reason != NULL)
    {
      add_refused (self, line_no, start, end - start, reason);
      return;
    }

  url = normalise (start, end, non_ascii, &reason);
  if (url == NULL)
    {
      add_refused (self, line_no, start, end - start, reason);
      return;
    }

  if (g_hash_table_contains (seen, url))
    {
      self->n_duplicates++;
      g_free (url);
      return;
    }

  /* the set borrows the string from self->urls */
  g_hash_table_add (seen, url);
  g_ptr_array_add (self->urls, url);
}

static SluiceUrlList *
parse_text (const char    *text,
            gsize          length,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(SluiceUrlList) self = g_object_new (SLUICE_TYPE_URL_LIST, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  const char *p = text;
  /* text may be NULL with length 0, and NULL + 0 is undefined. */
  const char *end = length > 0 ? text + length : text;
  guint line_no = 0;

  while (p < end)
    {
      const char *line = p;
      const char *eol;

      line_no++;
      if (cancellable != NULL &&
          line_no % CANCEL_CHECK_INTERVAL == 0 &&
          g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      while (p < end && *p != '\n' && *p != '\r')
        p++;
      eol = p;
      if (p < end)
        p += (*p == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;

      parse_line (self, seen, line_no, line, eol - line);
    }

  return g_steal_pointer (&self);
}

SluiceUrlList *
sluice_url_list_parse (const char *text,
                       gssize      length)
{
  g_return_val_if_fail (text != NULL || length == 0, NULL);

  if (length < 0)
    length = strlen (text);

  return parse_text (text, length, NULL, NULL);
}

typedef struct {
  char  *text;
  gsize  length;
} ParseData;

static void
parse_data_free (gpointer data)
{
  ParseData *parse_data = data;

  g_free (parse_data->text);
  g_free (parse_data);
}

static void
parse_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ParseData *data = task_data;
  GError *error = NULL;
  SluiceUrlList *list;

  list = parse_text (data->text, data->length, cancellable, &error);
  if (list == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, list, g_object_unref);
}

void
sluice_url_list_parse_async (const char          *text,
                             gssize               length,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ParseData *data;

  g_return_if_fail (text != NULL || length == 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (length < 0)
    length = strlen (text);

  /* the caller's buffer may be gone before the thread runs */
  data = g_new0 (ParseData, 1);
  data->length = length;
  data->text = g_malloc (length + 1);
  if (length > 0)
    memcpy (data->text, text, length);
  data->text[length] = '\0';

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sluice_url_list_parse_async);
  g_task_set_name (task, "[sluice] parse URL list");
  g_task_set_task_data (task, data, parse_data_free);
  g_task_run_in_thread (task, parse_thread);
}

SluiceUrlList *
sluice_url_list_parse_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sluice_url_list_parse_async, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
sluice_url_list_get_n_urls (SluiceUrlList *self)
{
  g_return_val_if_fail (SLUICE_IS_URL_LIST (self), 0);

  return self->urls->len;
}

const char *
sluice_url_list_get_url (SluiceUrlList *self,
                         guint          index)
{
  g_return_val_if_fail (SLUICE_IS_URL_LIST (self), NULL);
  g_return_val_if_fail (index < self->urls->len, NULL);

  return g_ptr_array_index (self->urls, index);
}

const char * const *
sluice_url_list_get_urls (SluiceUrlList *self)
{
  static const char * const empty[] = { NULL };

  g_return_val_if_fail (SLUICE_IS_URL_LIST (self), NULL);

  /* an empty GPtrArray may not have allocated its terminator yet */
  if (self->urls->pdata == NULL)
    return empty;

  return (const char * const *) self->urls->pdata;
}

guint
sluice_url_list_get_n_refused (SluiceUrlList *self)
{
  g_return_val_if_fail (SLUICE_IS_URL_LIST (self), 0);

  return self->refused->len;
}

const SluiceRefusedLine *
sluice_url_list_get_refused (SluiceUrlList *self,
                             guint          index)
{
  g_return_val_if_fail (SLUICE_IS_URL_LIST (self), NULL);
  g_return_val_if_fail (index < self->refused->len, NULL);

  return &g_array_index (self->refused, SluiceRefusedLine, index);
}

guint
sluice_url_list_get_n_duplicates (SluiceUrlList *self)
{
  g_return_val_if_fail (SLUICE_IS_URL_LIST (self), 0);

  return self->n_duplicates;
}

char *
sluice_url_list_format_summary (SluiceUrlList *self)
{
  GString *summary;
  guint n_urls;
  guint n_refused;

  g_return_val_if_fail (SLUICE_IS_URL_LIST (self), NULL);

  n_urls = self->urls->len;
  n_refused = self->refused->len;

  summary = g_string_new (NULL);
  g_string_append_printf (summary,
                          g_dngettext (GETTEXT_PACKAGE, "%u URL", "%u URLs", n_urls),
                          n_urls);
  if (n_refused > 0)
    {
      g_string_append (summary, " · ");
      g_string_append_printf (summary,
                              /* Translators: the number of pasted lines that are not usable links */
                              g_dngettext (GETTEXT_PACKAGE, "%u refused", "%u refused", n_refused),
                              n_refused);
    }
  if (self->n_duplicates > 0)
    {
      g_string_append (summary, " · ");
      g_string_append_printf (summary,
                              g_dngettext (GETTEXT_PACKAGE, "%u duplicate", "%u duplicates", self->n_duplicates),
                              self->n_duplicates);
    }

  return g_string_free (summary, FALSE);
}

char *
sluice_url_redact (const char *url)
{
  const char *authority;
  const char *authority_end;
  const char *at = NULL;
  const char *colon;
  gsize scheme_len;
  gsize sep_len;
  GString *out;

  g_return_val_if_fail (url != NULL, NULL);

  /* Done by hand rather than with GUri so that everything but the password
   * stays byte for byte, and so that text GUri refuses is redacted too. */
  scheme_len = scheme_length (url, url + strlen (url));
  if (scheme_len == 0 || strncmp (url + scheme_len, "://", 3) != 0)
    return g_strdup (url);

  authority = url + scheme_len + 3;
  authority_end = authority + strcspn (authority, "/?#");
  for (const char *p = authority; p < authority_end; p++)
    {
      if (*p == '@')
        at = p;
    }
  if (at == NULL)
    return g_strdup (url);

  colon = memchr (authority, ':', at - authority);
  sep_len = 1;
  if (colon == NULL)
    {
      /* libsoup writes the user info of a redirected URL back as
       * "user%3Apassword": a user name with a colon in it is rare, a
       * password shown in a log is worse. */
      for (const char *p = authority; p + 3 <= at; p++)
        {
          if (p[0] == '%' && p[1] == '3' && (p[2] == 'A' || p[2] == 'a'))
            {
              colon = p;
              sep_len = 3;
              break;
            }
        }
    }
  if (colon == NULL || colon + sep_len == at)
    return g_strdup (url);

  out = g_string_new_len (url, colon + sep_len - url);
  g_string_append (out, "***");
  g_string_append (out, at);

  return g_string_free (out, FALSE);
}

char *
sluice_uri_to_string (GUri *uri)
{
  g_autofree char *text = g_uri_to_string (uri);
  const char *host = g_uri_get_host (uri);
  const char *percent = host != NULL ? strchr (host, '%') : NULL;
  g_autofree char *bare = NULL;
  g_autofree char *zone = NULL;
  const char *found;

  if (percent == NULL)
    return g_steal_pointer (&text);
  bare = g_strdup_printf ("[%s]", host);
  found = strstr (text, bare);
  if (found == NULL)
    return g_steal_pointer (&text);
  zone = g_uri_escape_string (percent + 1, NULL, FALSE);
  return g_strdup_printf ("%.*s[%.*s%%25%s]%s",
                          (int) (found - text), text,
                          (int) (percent - host), host,
                          zone,
                          found + strlen (bare));
}
