/* sluice-html-extractor.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sluice-html-extractor.h"

#include <errno.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>

/* The WHATWG prescan window, and the window for guessing UTF-8. */
#define SNIFF_SIZE 1024

/* Below this much unparsed input, rescanning it on every push is cheap. */
#define HOLDBACK_MIN (4 * 1024)

/* htmlParseChunk () takes an int. */
#define PUSH_MAX ((gsize) 1 << 30)

/* The longest unfinished "<…" kept back from libxml2 (see parser_push). */
#define TAIL_MAX 16

/* Each costs a parser context; pages repeating </html> get this many. */
#define MAX_RESTARTS 1000

#define REPLACEMENT_CHAR "\xef\xbf\xbd"

typedef enum {
  STATE_SNIFFING,  /* holding back the first SNIFF_SIZE bytes */
  STATE_ASCII,     /* nothing decided and only ASCII handed to libxml2 */
  STATE_GUESSING,  /* as above, holding SNIFF_SIZE bytes from the first non-ASCII one */
  STATE_DECODING,
  STATE_FINISHED,
} State;

typedef struct {
  GString  *str;
  gboolean  space_pending;
  gboolean  full;
} TextBuf;

struct _SluiceHtmlExtractor
{
  GObject parent_instance;

  char *http_charset;
  State state;
  gsize bytes_fed;

  GByteArray *sniff;
  char *encoding;          /* iconv name, once decided */
  GIConv iconv;            /* (GIConv) -1 for UTF-8, which we check ourselves */
  guint invalid_skip;      /* bytes one invalid sequence stands for */
  GByteArray *carry;       /* an incomplete sequence from the last chunk */

  htmlParserCtxtPtr ctxt;
  GByteArray *holdback;
  GByteArray *tail;        /* an unfinished "<…" not yet given to libxml2 */
  guint restarts;

  TextBuf title_buf;
  TextBuf heading_buf;
  gboolean in_title;
  gboolean in_heading;
  guint svg_depth;

  char *title;
  GPtrArray *headings;
  gsize headings_size;
  gboolean headings_full;
  guint link_count;
  char *description;
  char *og_description;
};

G_DEFINE_FINAL_TYPE (SluiceHtmlExtractor, sluice_html_extractor, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CHARSET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void process_raw (SluiceHtmlExtractor *self,
                         const guint8        *data,
                         gsize                len);

static void
ensure_libxml2 (void)
{
  static gsize initialized = 0;

  /* xmlInitParser () sets up process-wide tables and must not race. */
  if (g_once_init_enter (&initialized))
    {
      xmlInitParser ();
      g_once_init_leave (&initialized, 1);
    }
}

static gboolean
is_html_space (guint8 c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* Text collection */

static void
textbuf_reset (TextBuf *tb)
{
  if (tb->str == NULL)
    tb->str = g_string_new (NULL);
  else
    g_string_truncate (tb->str, 0);
  tb->space_pending = FALSE;
  tb->full = FALSE;
}

static void
textbuf_clear (TextBuf *tb)
{
  if (tb->str != NULL)
    g_string_free (g_steal_pointer (&tb->str), TRUE);
}

static void
textbuf_add_space (TextBuf *tb)
{
  if (tb->str->len > 0)
    tb->space_pending = TRUE;
}

/* What U+0080..U+009F stand for: libxml2 turns "&#146;" into U+0092, where
 * HTML (and every browser) reads the windows-1252 character, ’.  Raw C1
 * controls in a page's text are as good as unheard of.  0: names nothing. */
static const gunichar c1_as_windows_1252[32] = {
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
  0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
  0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

static void textbuf_append (TextBuf    *tb,
                            const char *data,
                            gsize       len);

/* A C1 control (2 bytes of UTF-8): its windows-1252 character, or nothing. */
static void
textbuf_append_c1 (TextBuf  *tb,
                   gunichar  c1)
{
  char utf8[6];
  gunichar u = c1_as_windows_1252[c1 - 0x80];

  if (u != 0)
    textbuf_append (tb, utf8, g_unichar_to_utf8 (u, utf8));
}

/* Collapses whitespace as it goes, so a page padded with megabytes of
 * blanks doesn't reach the cap before its words do. */
static void
textbuf_append (TextBuf    *tb,
                const char *data,
                gsize       len)
{
  const char *p = data;
  const char *end = data + len;

  while (p < end && !tb->full)
    {
      guchar c = (guchar) *p;
      gsize n = 1;
      gboolean space;

      if (c < 0x80)
        {
          space = g_ascii_isspace (c);
        }
      else
        {
          gunichar u = g_utf8_get_char_validated (p, end - p);

          /* Invalid bytes are kept and repaired in textbuf_steal (). */
          if (u == (gunichar) -1 || u == (gunichar) -2)
            {
              space = FALSE;
            }
          else if (u >= 0x80 && u <= 0x9f)
            {
              textbuf_append_c1 (tb, u);
              p += g_utf8_skip[c];
              continue;
            }
          else
            {
              n = g_utf8_skip[c];
              space = g_unichar_type (u) == G_UNICODE_SPACE_SEPARATOR;
            }
        }

      if (space)
        {
          textbuf_add_space (tb);
        }
      else if (tb->str->len + n + 1 > SLUICE_HTML_EXTRACTOR_MAX_TEXT)
        {
          tb->full = TRUE;
        }
      else
        {
          if (tb->space_pending)
            g_string_append_c (tb->str, ' ');
          tb->space_pending = FALSE;
          g_string_append_len (tb->str, p, n);
        }
      p += n;
    }
}

static void
utf8_truncate (char  *str,
               gsize  max)
{
  char *p;

  if (strlen (str) <= max)
    return;
  p = str + max;
  while (p > str && ((guchar) *p & 0xc0) == 0x80)
    p--;
  *p = '\0';
}

/* The collected text as valid UTF-8, or NULL if blank. */
static char *
textbuf_steal (TextBuf *tb)
{
  char *text;

  if (tb->str == NULL || tb->str->len == 0)
    return NULL;

  if (g_utf8_validate_len (tb->str->str, tb->str->len, NULL))
    text = g_strndup (tb->str->str, tb->str->len);
  else
    text = g_utf8_make_valid (tb->str->str, tb->str->len);
  utf8_truncate (text, SLUICE_HTML_EXTRACTOR_MAX_TEXT);
  g_string_truncate (tb->str, 0);

  return text;
}

static char *
collapse_text (const char *text)
{
  TextBuf tb = { NULL, };
  char *result;

  textbuf_reset (&tb);
  textbuf_append (&tb, text, strlen (text));
  result = textbuf_steal (&tb);
  textbuf_clear (&tb);

  return result;
}

/* Charset labels */

typedef struct {
  const char *label;
  const char *name;
} CharsetAlias;

/* Where the WHATWG Encoding Standard reads a label differently from iconv,
 * or iconv doesn't know it.  Notably the Latin-1 family: real pages
 * labelled so use windows-1252's quotes and dashes. */
static const CharsetAlias charset_aliases[] = {
  { "unicode-1-1-utf-8", "UTF-8" },
  { "unicode11utf8", "UTF-8" },
  { "unicode20utf8", "UTF-8" },
  { "utf-8", "UTF-8" },
  { "utf8", "UTF-8" },
  { "x-unicode20utf8", "UTF-8" },
  { "ansi_x3.4-1968", "WINDOWS-1252" },
  { "ascii", "WINDOWS-1252" },
  { "cp1252", "WINDOWS-1252" },
  { "cp819", "WINDOWS-1252" },
  { "csisolatin1", "WINDOWS-1252" },
  { "ibm819", "WINDOWS-1252" },
  { "iso-8859-1", "WINDOWS-1252" },
  { "iso-ir-100", "WINDOWS-1252" },
  { "iso8859-1", "WINDOWS-1252" },
  { "iso88591", "WINDOWS-1252" },
  { "iso_8859-1", "WINDOWS-1252" },
  { "iso_8859-1:1987", "WINDOWS-1252" },
  { "l1", "WINDOWS-1252" },
  { "latin1", "WINDOWS-1252" },
  { "us-ascii", "WINDOWS-1252" },
  { "windows-1252", "WINDOWS-1252" },
  { "x-cp1252", "WINDOWS-1252" },
  { "x-user-defined", "WINDOWS-1252" },
  { "cp1254", "WINDOWS-1254" },
  { "csisolatin5", "WINDOWS-1254" },
  { "iso-8859-9", "WINDOWS-1254" },
  { "iso-ir-148", "WINDOWS-1254" },
  { "iso8859-9", "WINDOWS-1254" },
  { "iso88599", "WINDOWS-1254" },
  { "iso_8859-9", "WINDOWS-1254" },
  { "iso_8859-9:1989", "WINDOWS-1254" },
  { "l5", "WINDOWS-1254" },
  { "latin5", "WINDOWS-1254" },
  { "x-cp1254", "WINDOWS-1254" },
  { "dos-874", "WINDOWS-874" },
  { "iso-8859-11", "WINDOWS-874" },
  { "iso8859-11", "WINDOWS-874" },
  { "iso885911", "WINDOWS-874" },
  { "tis-620", "WINDOWS-874" },
  { "iso-8859-8-i", "ISO-8859-8" },
  { "csiso88598i", "ISO-8859-8" },
  { "logical", "ISO-8859-8" },
  { "chinese", "GB18030" },
  { "csgb2312", "GB18030" },
  { "csiso58gb231280", "GB18030" },
  { "gb2312", "GB18030" },
  { "gb_2312", "GB18030" },
  { "gb_2312-80", "GB18030" },
  { "gbk", "GB18030" },
  { "iso-ir-58", "GB18030" },
  { "x-gbk", "GB18030" },
  { "cseuckr", "CP949" },
  { "csksc56011987", "CP949" },
  { "euc-kr", "CP949" },
  { "iso-ir-149", "CP949" },
  { "korean", "CP949" },
  { "ks_c_5601-1987", "CP949" },
  { "ks_c_5601-1989", "CP949" },
  { "ksc5601", "CP949" },
  { "ksc_5601", "CP949" },
  { "windows-949", "CP949" },
  { "csshiftjis", "CP932" },
  { "ms932", "CP932" },
  { "ms_kanji", "CP932" },
  { "shift-jis", "CP932" },
  { "shift_jis", "CP932" },
  { "sjis", "CP932" },
  { "windows-31j", "CP932" },
  { "x-sjis", "CP932" },
  { "big5", "BIG5-HKSCS" },
  { "cn-big5", "BIG5-HKSCS" },
  { "csbig5", "BIG5-HKSCS" },
  { "x-x-big5", "BIG5-HKSCS" },
  { "x-mac-roman", "MACINTOSH" },
  { "csmacintosh", "MACINTOSH" },
  { "mac", "MACINTOSH" },
  { "csunicode", "UTF-16LE" },
  { "iso-10646-ucs-2", "UTF-16LE" },
  { "ucs-2", "UTF-16LE" },
  { "unicode", "UTF-16LE" },
  { "unicodefeff", "UTF-16LE" },
  { "utf-16", "UTF-16LE" },
  { "utf-16le", "UTF-16LE" },
  { "unicodefffe", "UTF-16BE" },
  { "utf-16be", "UTF-16BE" },
};

/* The iconv name for a label, or NULL if it can't be one. */
static char *
charset_name_for_label (const char *label)
{
  g_autofree char *lower = NULL;
  const char *start;
  const char *end;

  if (label == NULL)
    return NULL;

  start = label;
  while (is_html_space (*start))
    start++;
  end = start + strlen (start);
  while (end > start && is_html_space (end[-1]))
    end--;
  if (end == start || end - start > 40)
    return NULL;

  /* Keeps iconv options such as "//IGNORE" out of page-supplied labels. */
  for (const char *p = start; p < end; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-_.:+()", *p) == NULL)
      return NULL;

  lower = g_ascii_strdown (start, end - start);
  for (gsize i = 0; i < G_N_ELEMENTS (charset_aliases); i++)
    if (strcmp (lower, charset_aliases[i].label) == 0)
      return g_strdup (charset_aliases[i].name);

  return g_ascii_strup (lower, -1);
}

static gboolean
decoder_open (SluiceHtmlExtractor *self,
              const char          *name)
{
  GIConv cd = (GIConv) -1;

  g_assert (self->encoding == NULL);

  if (g_ascii_strcasecmp (name, "UTF-8") != 0)
    {
      cd = g_iconv_open ("UTF-8", name);
      if (cd == (GIConv) -1)
        return FALSE;
    }

  self->iconv = cd;
  self->encoding = g_strdup (name);
  /* Skipping one byte of UTF-16 would misalign everything after it. */
  self->invalid_skip = g_str_has_prefix (name, "UTF-16") ? 2 : 1;
  self->state = STATE_DECODING;

  return TRUE;
}

/* A label found in the document itself. */
static gboolean
try_document_charset (SluiceHtmlExtractor *self,
                      const char          *label)
{
  g_autofree char *name = charset_name_for_label (label);

  if (name == NULL)
    return FALSE;

  /* We could read the <meta>, so the page is ASCII-compatible: WHATWG
   * takes UTF-16 there to mean UTF-8. */
  if (g_str_has_prefix (name, "UTF-16"))
    {
      g_free (name);
      name = g_strdup ("UTF-8");
    }

  return decoder_open (self, name);
}

/* WHATWG "extracting a character encoding from a meta element". */
static char *
charset_from_meta_content (const char *content)
{
  gsize len = strlen (content);
  gsize i = 0;

  while (i + 7 <= len)
    {
      gsize start;

      if (g_ascii_strncasecmp (content + i, "charset", 7) != 0)
        {
          i++;
          continue;
        }
      i += 7;
      while (i < len && is_html_space (content[i]))
        i++;
      if (i >= len || content[i] != '=')
        continue;
      i++;
      while (i < len && is_html_space (content[i]))
        i++;
      if (i >= len)
        return NULL;

      if (content[i] == '"' || content[i] == '\'')
        {
          const char *close = strchr (content + i + 1, content[i]);

          if (close == NULL)
            return NULL;
          return g_strndup (content + i + 1, close - (content + i + 1));
        }

      start = i;
      while (i < len && !is_html_space (content[i]) && content[i] != ';')
        i++;
      return g_strndup (content + start, i - start);
    }

  return NULL;
}

/* Prescan (WHATWG "prescan a byte stream to determine its encoding") */

typedef enum {
  ATTR_NONE,
  ATTR_FOUND,
  ATTR_EOF,
} AttrResult;

static AttrResult
prescan_attribute (const guint8 **pos,
                   const guint8  *end,
                   GString       *name,
                   GString       *value)
{
  const guint8 *p = *pos;

  g_string_truncate (name, 0);
  g_string_truncate (value, 0);

  while (p < end && (is_html_space (*p) || *p == '/'))
    p++;
  if (p >= end)
    return ATTR_EOF;
  if (*p == '>')
    {
      *pos = p;
      return ATTR_NONE;
    }

  for (;;)
    {
      if (p >= end)
        return ATTR_EOF;
      if (*p == '=' && name->len > 0)
        {
          p++;
          goto value;
        }
      if (is_html_space (*p))
        break;
      if (*p == '/' || *p == '>')
        {
          *pos = p;
          return ATTR_FOUND;
        }
      g_string_append_c (name, g_ascii_tolower (*p));
      p++;
    }

  while (p < end && is_html_space (*p))
    p++;
  if (p >= end)
    return ATTR_EOF;
  if (*p != '=')
    {
      *pos = p;
      return ATTR_FOUND;
    }
  p++;

value:
  while (p < end && is_html_space (*p))
    p++;
  if (p >= end)
    return ATTR_EOF;

  if (*p == '"' || *p == '\'')
    {
      guint8 quote = *p++;

      for (;;)
        {
          if (p >= end)
            return ATTR_EOF;
          if (*p == quote)
            {
              *pos = p + 1;
              return ATTR_FOUND;
            }
          g_string_append_c (value, g_ascii_tolower (*p));
          p++;
        }
    }

  while (p < end && !is_html_space (*p) && *p != '>')
    {
      g_string_append_c (value, g_ascii_tolower (*p));
      p++;
    }
  if (p >= end)
    return ATTR_EOF;
  *pos = p;

  return ATTR_FOUND;
}

static gboolean
bytes_start_with (const guint8 *p,
                  const guint8 *end,
                  const char   *prefix)
{
  gsize n = strlen (prefix);

  return (gsize) (end - p) >= n && g_ascii_strncasecmp ((const char *) p, prefix, n) == 0;
}

/* TRUE if a <meta> in data named a charset we could open. */
static gboolean
prescan_meta (SluiceHtmlExtractor *self,
              const guint8        *data,
              gsize                len)
{
  g_autoptr(GString) name = g_string_new (NULL);
  g_autoptr(GString) value = g_string_new (NULL);
  const guint8 *p = data;
  const guint8 *end = data + len;

  while (p < end)
    {
      if (bytes_start_with (p, end, "<!--"))
        {
          /* "<!-->" is a whole comment, hence starting at the first '-'. */
          const guint8 *q = p + 2;

          while (q + 3 <= end && memcmp (q, "-->", 3) != 0)
            q++;
          if (q + 3 > end)
            return FALSE;
          p = q + 3;
        }
      else if (bytes_start_with (p, end, "<meta") && p + 5 < end &&
               (is_html_space (p[5]) || p[5] == '/'))
        {
          g_autofree char *charset = NULL;
          gboolean seen_http_equiv = FALSE;
          gboolean seen_content = FALSE;
          gboolean seen_charset = FALSE;
          gboolean got_pragma = FALSE;
          int need_pragma = -1;
          AttrResult r;

          p += 6;
          while ((r = prescan_attribute (&p, end, name, value)) == ATTR_FOUND)
            {
              if (!seen_http_equiv && strcmp (name->str, "http-equiv") == 0)
                {
                  seen_http_equiv = TRUE;
                  if (strcmp (value->str, "content-type") == 0)
                    got_pragma = TRUE;
                }
              else if (!seen_content && strcmp (name->str, "content") == 0)
                {
                  seen_content = TRUE;
                  if (charset == NULL)
                    {
                      charset = charset_from_meta_content (value->str);
                      if (charset != NULL)
                        need_pragma = 1;
                    }
                }
              else if (!seen_charset && strcmp (name->str, "charset") == 0)
                {
                  seen_charset = TRUE;
                  g_free (charset);
                  charset = g_strdup (value->str);
                  need_pragma = 0;
                }
            }
          if (r == ATTR_EOF)
            return FALSE;

          if (charset != NULL &&
              (need_pragma == 0 || (need_pragma == 1 && got_pragma)) &&
              try_document_charset (self, charset))
            return TRUE;
          p++;
        }
      else if (end - p >= 2 && p[0] == '<' &&
               (g_ascii_isalpha (p[1]) ||
                (p[1] == '/' && end - p >= 3 && g_ascii_isalpha (p[2]))))
        {
          /* Any other tag: its attributes may hold '>' or "<meta". */
          AttrResult r;

          while (p < end && !is_html_space (*p) && *p != '>')
            p++;
          while ((r = prescan_attribute (&p, end, name, value)) == ATTR_FOUND)
            ;
          if (r == ATTR_EOF)
            return FALSE;
          p++;
        }
      else if (end - p >= 2 && p[0] == '<' &&
               (p[1] == '!' || p[1] == '/' || p[1] == '?'))
        {
          const guint8 *gt = memchr (p + 1, '>', end - p - 1);

          if (gt == NULL)
            return FALSE;
          p = gt + 1;
        }
      else
        {
          p++;
        }
    }

  return FALSE;
}

static gboolean
is_ascii (const guint8 *data,
          gsize         len)
{
  for (gsize i = 0; i < len; i++)
    if (data[i] >= 0x80)
      return FALSE;
  return TRUE;
}

/* NUL aside, which we replace anyway.  The window may end mid-character
 * unless the document ends there. */
static gboolean
looks_like_utf8 (const guint8 *data,
                 gsize         len,
                 gboolean      at_eof)
{
  const char *p = (const char *) data;
  const char *end = p + len;

  while (p < end)
    {
      const char *valid_end;

      if (g_utf8_validate_len (p, end - p, &valid_end))
        return TRUE;
      if (*valid_end == '\0')
        {
          p = valid_end + 1;
          continue;
        }
      return !at_eof &&
             g_utf8_get_char_validated (valid_end, end - valid_end) == (gunichar) -2;
    }

  return TRUE;
}

/* Feeding libxml2 */

static void ensure_parser (SluiceHtmlExtractor *self);

static void
parser_run (SluiceHtmlExtractor *self,
            const char          *data,
            gsize                len,
            gboolean             terminate)
{
  gsize last_left = G_MAXSIZE;

  /* libxml2 2.9.14 forgets that it was inside a quoted attribute value
   * when a start tag is split across chunks; resuming its lookahead where
   * it stopped then misses every later '>' and it holds the rest of the
   * document until the final chunk.  Rescanning the unfinished construct
   * from its start is always right. */
  self->ctxt->checkIndex = 0;
  htmlParseChunk (self->ctxt, data, (int) len, terminate);

  /* After </html> the push parser stops at anything but comments and
   * blanks, and at the end leaves unread whatever follows such blanks;
   * browsers (and libxml2's pull parser) read on.  A new context given the
   * rest does too. */
  while (self->ctxt->instate == XML_PARSER_EOF)
    {
      gsize left = (gsize) (self->ctxt->input->end - self->ctxt->input->cur);
      g_autofree char *rest = NULL;

      if (left == 0 || left >= last_left || left > PUSH_MAX ||
          self->restarts >= MAX_RESTARTS)
        break;

      last_left = left;
      self->restarts++;
      rest = g_memdup2 (self->ctxt->input->cur, left);
      g_clear_pointer (&self->ctxt, htmlFreeParserCtxt);
      ensure_parser (self);
      htmlParseChunk (self->ctxt, rest, (int) left, terminate);
    }
}

static void
parser_push_now (SluiceHtmlExtractor *self,
                 const char          *data,
                 gsize                len)
{
  while (len > 0)
    {
      gsize n = MIN (len, PUSH_MAX);

      if (self->ctxt->instate == XML_PARSER_EOF)
        return;

      parser_run (self, data, n, FALSE);
      data += n;
      len -= n;
    }
}

static void
parser_flush_holdback (SluiceHtmlExtractor *self)
{
  if (self->holdback->len == 0)
    return;

  parser_push_now (self, (const char *) self->holdback->data, self->holdback->len);
  g_byte_array_set_size (self->holdback, 0);
}

/* Since every push rescans what libxml2 hasn't parsed yet, a long
 * unfinished construct waits for input at least its size: linear
 * overall, whatever the chunk sizes. */
static void
parser_push_held (SluiceHtmlExtractor *self,
                  const char          *data,
                  gsize                len)
{
  gsize pending;

  if (len == 0)
    return;

  pending = (gsize) (self->ctxt->input->end - self->ctxt->input->cur);
  if (self->holdback->len > 0 || pending >= HOLDBACK_MIN)
    {
      g_byte_array_append (self->holdback, (const guint8 *) data, len);
      if (self->holdback->len >= pending)
        parser_flush_holdback (self);
      return;
    }

  parser_push_now (self, data, len);
}

/* Bytes at the end of data from a '<' that has no '>' after it, if that
 * is at most TAIL_MAX bytes; else 0. */
static gsize
unfinished_tag_length (const guint8 *data,
                       gsize         len)
{
  gsize from = len > TAIL_MAX ? len - TAIL_MAX : 0;

  for (gsize i = len; i > from; i--)
    {
      if (data[i - 1] == '>')
        return 0;
      if (data[i - 1] == '<')
        return len - (i - 1);
    }
  return 0;
}

/* The bytes held back last time (*pending) followed by data, len bytes:
 * data itself when nothing was held, else the pending buffer with data
 * appended, handed over to *joined (and *pending starts anew). */
static const guint8 *
join_pending (GByteArray   **pending,
              GByteArray   **joined,
              const guint8  *data,
              gsize         *len)
{
  if ((*pending)->len == 0)
    return data;
  if (*len > 0)
    g_byte_array_append (*pending, data, *len);
  *joined = g_steal_pointer (pending);
  *pending = g_byte_array_new ();
  *len = (*joined)->len;
  return (*joined)->data;
}

/* libxml2 2.9's push parser decides whether "</" ends a <script> or
 * <style> from the bytes it has: a chunk ending in "</sty" reads as text,
 * and so does the rest of the document after it.  So no push ends inside
 * a short unfinished "<…"; it waits for its '>' (or for more than
 * TAIL_MAX bytes, longer than any end tag's name). */
static void
parser_push (SluiceHtmlExtractor *self,
             const char          *data,
             gsize                len)
{
  g_autoptr(GByteArray) joined = NULL;
  gsize keep;

  if (len == 0)
    return;

  data = (const char *) join_pending (&self->tail, &joined, (const guint8 *) data, &len);
  keep = unfinished_tag_length ((const guint8 *) data, len);
  parser_push_held (self, data, len - keep);
  if (keep > 0)
    g_byte_array_append (self->tail, (const guint8 *) data + len - keep, keep);
}

/* Everything given so far goes to libxml2 now. */
static void
parser_flush (SluiceHtmlExtractor *self)
{
  if (self->tail->len > 0)
    {
      g_autoptr(GByteArray) tail = g_steal_pointer (&self->tail);

      self->tail = g_byte_array_new ();
      parser_push_held (self, (const char *) tail->data, tail->len);
    }
  parser_flush_holdback (self);
}

/* libxml2 treats NUL as the end of its input in places. */
static void
emit_utf8 (SluiceHtmlExtractor *self,
           const char          *data,
           gsize                len)
{
  while (len > 0)
    {
      const char *nul = memchr (data, '\0', len);
      gsize n = nul != NULL ? (gsize) (nul - data) : len;

      parser_push (self, data, n);
      if (nul == NULL)
        break;
      parser_push (self, REPLACEMENT_CHAR, 3);
      data = nul + 1;
      len -= n + 1;
    }
}

/* Decoding; each returns how much it consumed, the rest being an
 * incomplete character.  One U+FFFD per invalid byte (per unit) keeps the
 * result independent of where chunks split. */

static gsize
decode_utf8 (SluiceHtmlExtractor *self,
             const guint8        *data,
             gsize                len,
             gboolean             at_eof)
{
  const char *p = (const char *) data;
  const char *end = p + len;

  while (p < end)
    {
      const char *valid_end;

      g_utf8_validate_len (p, end - p, &valid_end);
      parser_push (self, p, valid_end - p);
      p = valid_end;
      if (p == end)
        break;

      /* g_utf8_get_char_validated () calls NUL incomplete. */
      if (*p != '\0' && !at_eof &&
          g_utf8_get_char_validated (p, end - p) == (gunichar) -2)
        break;

      parser_push (self, REPLACEMENT_CHAR, 3);
      p++;
    }

  return p - (const char *) data;
}

static gsize
decode_iconv (SluiceHtmlExtractor *self,
              const guint8        *data,
              gsize                len,
              gboolean             at_eof)
{
  char *in = (char *) data;
  gsize in_left = len;
  char out[8192];
  char *o;
  gsize out_left;

  while (in_left > 0)
    {
      gsize r;
      int saved_errno;
      gsize skip;

      o = out;
      out_left = sizeof out;
      r = g_iconv (self->iconv, &in, &in_left, &o, &out_left);
      saved_errno = errno;
      emit_utf8 (self, out, o - out);

      if (r != (gsize) -1 || saved_errno == E2BIG)
        continue;
      if (saved_errno == EINVAL && !at_eof)
        break;

      /* EILSEQ, or a character cut off by the end of the document. */
      parser_push (self, REPLACEMENT_CHAR, 3);
      skip = MIN (self->invalid_skip, in_left);
      in += skip;
      in_left -= skip;
    }

  if (at_eof)
    {
      /* Stateful encodings may owe a final shift sequence. */
      o = out;
      out_left = sizeof out;
      g_iconv (self->iconv, NULL, NULL, &o, &out_left);
      emit_utf8 (self, out, o - out);
    }

  return len - in_left;
}

static void
decode (SluiceHtmlExtractor *self,
        const guint8        *data,
        gsize                len,
        gboolean             at_eof)
{
  g_autoptr(GByteArray) joined = NULL;
  gsize used;

  data = join_pending (&self->carry, &joined, data, &len);

  if (self->iconv == (GIConv) -1)
    used = decode_utf8 (self, data, len, at_eof);
  else
    used = decode_iconv (self, data, len, at_eof);

  if (used < len)
    g_byte_array_append (self->carry, data + used, len - used);
}

static void on_start_element (void           *user_data,
                              const xmlChar  *name,
                              const xmlChar **atts);
static void on_end_element   (void           *user_data,
                              const xmlChar  *name);
static void on_characters    (void           *user_data,
                              const xmlChar  *ch,
                              int             len);
static void on_cdata_block   (void           *user_data,
                              const xmlChar  *ch,
                              int             len);
static void on_error         (void           *user_data,
                              xmlErrorPtr     error);

static void
ensure_parser (SluiceHtmlExtractor *self)
{
  htmlSAXHandler sax;

  if (self->ctxt != NULL)
    return;

  memset (&sax, 0, sizeof sax);
  sax.startElement = on_start_element;
  sax.endElement = on_end_element;
  sax.characters = on_characters;
  sax.ignorableWhitespace = on_characters;
  /* Without it, <script> and <style> text arrives as characters. */
  sax.cdataBlock = on_cdata_block;
  /* serror is only consulted on a SAX2 handler; it keeps libxml2's
   * complaints about broken markup off stderr for this context only. */
  sax.serror = on_error;
  sax.initialized = XML_SAX2_MAGIC;

  /* We hand libxml2 nothing but valid UTF-8, so it never converts and
   * never guesses (its guess is Latin-1). */
  self->ctxt = htmlCreatePushParserCtxt (&sax, self, NULL, 0, NULL, XML_CHAR_ENCODING_UTF8);
  if (self->ctxt == NULL)
    g_error ("%s: out of memory", G_STRLOC);

  htmlCtxtUseOptions (self->ctxt,
                      HTML_PARSE_RECOVER |
                      HTML_PARSE_NOERROR |
                      HTML_PARSE_NOWARNING |
                      HTML_PARSE_NONET |
                      HTML_PARSE_IGNORE_ENC);
  /* 2.9's htmlCtxtUseOptions () doesn't know NONET and drops it; set it
   * as xmlCtxtUseOptions () would, for the entity loader to see. */
  self->ctxt->options |= XML_PARSE_NONET;
}

/* Picks the decoder once the window is full or the document ended, then
 * runs the window through it. */
static void
decide_encoding (SluiceHtmlExtractor *self,
                 gboolean             at_eof)
{
  g_autoptr(GByteArray) held = g_steal_pointer (&self->sniff);
  /* An empty array has no data at all, and NULL + 0 is undefined. */
  const guint8 *data = held->data != NULL ? held->data : (const guint8 *) "";
  gsize len = held->len;
  gsize skip = 0;
  gboolean decided = FALSE;

  self->sniff = g_byte_array_new ();

  if (self->state == STATE_SNIFFING)
    {
      if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
        {
          decided = decoder_open (self, "UTF-8");
          skip = 3;
        }
      else if (len >= 2 && data[0] == 0xfe && data[1] == 0xff)
        {
          decided = decoder_open (self, "UTF-16BE");
          skip = 2;
        }
      else if (len >= 2 && data[0] == 0xff && data[1] == 0xfe)
        {
          decided = decoder_open (self, "UTF-16LE");
          skip = 2;
        }

      if (!decided)
        {
          g_autofree char *name = charset_name_for_label (self->http_charset);

          skip = 0;
          decided = name != NULL && decoder_open (self, name);
        }
    }

  if (!decided)
    decided = prescan_meta (self, data, len);

  /* UTF-8 needs no iconv, so something always succeeds here. */
  if (!decided && !is_ascii (data, len))
    decided = (!looks_like_utf8 (data, len, at_eof) && decoder_open (self, "WINDOWS-1252")) ||
              decoder_open (self, "UTF-8");

  if (!decided)
    self->state = STATE_ASCII;

  ensure_parser (self);
  process_raw (self, data + skip, len - skip);
}

static void
process_raw (SluiceHtmlExtractor *self,
             const guint8        *data,
             gsize                len)
{
  while (len > 0)
    {
      switch (self->state)
        {
        case STATE_SNIFFING:
        case STATE_GUESSING:
          {
            gsize take = MIN (len, SNIFF_SIZE - self->sniff->len);

            g_byte_array_append (self->sniff, data, take);
            data += take;
            len -= take;
            if (self->sniff->len >= SNIFF_SIZE)
              decide_encoding (self, FALSE);
          }
          break;

        case STATE_ASCII:
          {
            gsize n = 0;

            while (n < len && data[n] < 0x80)
              n++;

            if (n > 0)
              {
                /* A <meta> in here may decide, mid-push. */
                emit_utf8 (self, (const char *) data, n);
                data += n;
                len -= n;
              }
            else
              {
                /* Let libxml2 see everything before this byte first, so a
                 * <meta> there decides however the input was chunked. */
                parser_flush (self);
                if (self->state == STATE_ASCII)
                  self->state = STATE_GUESSING;
              }
          }
          break;

        case STATE_DECODING:
          decode (self, data, len, FALSE);
          len = 0;
          break;

        case STATE_FINISHED:
        default:
          len = 0;
          break;
        }
    }
}

/* SAX callbacks */

static gboolean
get_attribute (const xmlChar **atts,
               const char     *name,
               const char    **value)
{
  if (atts == NULL)
    return FALSE;

  for (gsize i = 0; atts[i] != NULL; i += 2)
    {
      if (g_ascii_strcasecmp ((const char *) atts[i], name) == 0)
        {
          if (value != NULL)
            *value = (const char *) atts[i + 1];
          return TRUE;
        }
    }

  return FALSE;
}

static gboolean
attribute_is (const char *value,
              const char *expected)
{
  gsize len;

  if (value == NULL)
    return FALSE;
  while (is_html_space (*value))
    value++;
  len = strlen (value);
  while (len > 0 && is_html_space (value[len - 1]))
    len--;

  return len == strlen (expected) && g_ascii_strncasecmp (value, expected, len) == 0;
}

static void
commit_title (SluiceHtmlExtractor *self)
{
  char *text = textbuf_steal (&self->title_buf);

  self->in_title = FALSE;
  if (text != NULL && self->title == NULL)
    self->title = text;
  else
    g_free (text);
}

static void
commit_heading (SluiceHtmlExtractor *self)
{
  char *text = textbuf_steal (&self->heading_buf);
  gsize size;

  self->in_heading = FALSE;
  if (text == NULL)
    return;

  size = strlen (text) + 1;
  if (self->headings_size + size > SLUICE_HTML_EXTRACTOR_MAX_HEADINGS_TOTAL)
    {
      /* Stop rather than skip, so the list stays in page order. */
      self->headings_full = TRUE;
      g_free (text);
      return;
    }

  self->headings_size += size;
  g_ptr_array_add (self->headings, text);
  if (self->headings->len >= SLUICE_HTML_EXTRACTOR_MAX_HEADINGS)
    self->headings_full = TRUE;
}

static void
handle_meta (SluiceHtmlExtractor  *self,
             const xmlChar       **atts)
{
  const char *name = NULL;
  const char *property = NULL;
  const char *content = NULL;
  const char *charset = NULL;
  const char *http_equiv = NULL;

  get_attribute (atts, "name", &name);
  get_attribute (atts, "property", &property);
  get_attribute (atts, "content", &content);
  get_attribute (atts, "charset", &charset);
  get_attribute (atts, "http-equiv", &http_equiv);

  if (content != NULL)
    {
      if (self->description == NULL && attribute_is (name, "description"))
        self->description = collapse_text (content);
      if (self->og_description == NULL && attribute_is (property, "og:description"))
        self->og_description = collapse_text (content);
    }

  /* Only ASCII has reached libxml2, so any ASCII-compatible decoder can
   * still take over from here. */
  if (self->state == STATE_ASCII)
    {
      g_autofree char *label = NULL;

      if (charset != NULL)
        label = g_strdup (charset);
      else if (content != NULL && attribute_is (http_equiv, "content-type"))
        label = charset_from_meta_content (content);

      if (label != NULL)
        try_document_charset (self, label);
    }
}

static void
on_start_element (void           *user_data,
                  const xmlChar  *xname,
                  const xmlChar **atts)
{
  SluiceHtmlExtractor *self = user_data;
  const char *name = (const char *) xname;

  if (name == NULL)
    return;

  if (g_ascii_strcasecmp (name, "a") == 0)
    {
      if (get_attribute (atts, "href", NULL) && self->link_count < G_MAXUINT)
        self->link_count++;
    }
  else if (g_ascii_strcasecmp (name, "h1") == 0)
    {
      /* libxml2 nests a <h1> opened inside another; browsers close the
       * first, and so do we. */
      if (self->in_heading)
        commit_heading (self);
      if (!self->headings_full)
        {
          textbuf_reset (&self->heading_buf);
          self->in_heading = TRUE;
        }
    }
  else if (g_ascii_strcasecmp (name, "title") == 0)
    {
      /* An SVG <title> is a tooltip, not the page's. */
      if (self->title == NULL && !self->in_title && self->svg_depth == 0)
        {
          textbuf_reset (&self->title_buf);
          self->in_title = TRUE;
        }
    }
  else if (g_ascii_strcasecmp (name, "meta") == 0)
    {
      handle_meta (self, atts);
    }
  else if (g_ascii_strcasecmp (name, "svg") == 0)
    {
      self->svg_depth++;
    }
  else if (g_ascii_strcasecmp (name, "br") == 0)
    {
      if (self->in_title)
        textbuf_add_space (&self->title_buf);
      if (self->in_heading)
        textbuf_add_space (&self->heading_buf);
    }
}

static void
on_end_element (void          *user_data,
                const xmlChar *xname)
{
  SluiceHtmlExtractor *self = user_data;
  const char *name = (const char *) xname;

  if (name == NULL)
    return;

  if (g_ascii_strcasecmp (name, "title") == 0)
    {
      if (self->in_title)
        commit_title (self);
    }
  else if (g_ascii_strcasecmp (name, "h1") == 0)
    {
      if (self->in_heading)
        commit_heading (self);
    }
  else if (g_ascii_strcasecmp (name, "svg") == 0)
    {
      if (self->svg_depth > 0)
        self->svg_depth--;
    }
}

static void
on_characters (void          *user_data,
               const xmlChar *ch,
               int            len)
{
  SluiceHtmlExtractor *self = user_data;

  if (len <= 0)
    return;
  if (self->in_title)
    textbuf_append (&self->title_buf, (const char *) ch, len);
  if (self->in_heading)
    textbuf_append (&self->heading_buf, (const char *) ch, len);
}

static void
on_cdata_block (void          *user_data,
                const xmlChar *ch,
                int            len)
{
}

static void
on_error (void        *user_data,
          xmlErrorPtr  error)
{
}

/* GObject */

static void
free_parser_state (SluiceHtmlExtractor *self)
{
  g_clear_pointer (&self->ctxt, htmlFreeParserCtxt);
  if (self->iconv != (GIConv) -1)
    {
      g_iconv_close (self->iconv);
      self->iconv = (GIConv) -1;
    }
  g_clear_pointer (&self->sniff, g_byte_array_unref);
  g_clear_pointer (&self->carry, g_byte_array_unref);
  g_clear_pointer (&self->holdback, g_byte_array_unref);
  g_clear_pointer (&self->tail, g_byte_array_unref);
  textbuf_clear (&self->title_buf);
  textbuf_clear (&self->heading_buf);
}

static void
sluice_html_extractor_finalize (GObject *object)
{
  SluiceHtmlExtractor *self = (SluiceHtmlExtractor *) object;

  free_parser_state (self);
  g_free (self->http_charset);
  g_free (self->encoding);
  g_free (self->title);
  g_ptr_array_unref (self->headings);
  g_free (self->description);
  g_free (self->og_description);

  G_OBJECT_CLASS (sluice_html_extractor_parent_class)->finalize (object);
}

static void
sluice_html_extractor_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  SluiceHtmlExtractor *self = SLUICE_HTML_EXTRACTOR (object);

  switch (prop_id)
    {
    case PROP_CHARSET:
      g_value_set_string (value, self->http_charset);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_html_extractor_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  SluiceHtmlExtractor *self = SLUICE_HTML_EXTRACTOR (object);

  switch (prop_id)
    {
    case PROP_CHARSET:
      g_free (self->http_charset);
      self->http_charset = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_html_extractor_class_init (SluiceHtmlExtractorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sluice_html_extractor_finalize;
  object_class->get_property = sluice_html_extractor_get_property;
  object_class->set_property = sluice_html_extractor_set_property;

  /* From the HTTP Content-Type; wins over the document's <meta>. */
  properties[PROP_CHARSET] =
    g_param_spec_string ("charset", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sluice_html_extractor_init (SluiceHtmlExtractor *self)
{
  ensure_libxml2 ();

  self->state = STATE_SNIFFING;
  self->iconv = (GIConv) -1;
  self->sniff = g_byte_array_new ();
  self->carry = g_byte_array_new ();
  self->holdback = g_byte_array_new ();
  self->tail = g_byte_array_new ();
  self->headings = g_ptr_array_new_null_terminated (0, g_free, TRUE);
}

SluiceHtmlExtractor *
sluice_html_extractor_new (const char *charset)
{
  return g_object_new (SLUICE_TYPE_HTML_EXTRACTOR,
                       "charset", charset,
                       NULL);
}

void
sluice_html_extractor_feed (SluiceHtmlExtractor *self,
                            const char          *data,
                            gsize                length)
{
  g_return_if_fail (SLUICE_IS_HTML_EXTRACTOR (self));
  g_return_if_fail (data != NULL || length == 0);
  g_return_if_fail (self->state != STATE_FINISHED);

  self->bytes_fed += length;
  process_raw (self, (const guint8 *) data, length);
}

void
sluice_html_extractor_finish (SluiceHtmlExtractor *self)
{
  g_return_if_fail (SLUICE_IS_HTML_EXTRACTOR (self));

  if (self->state == STATE_FINISHED)
    return;

  if (self->state == STATE_SNIFFING || self->state == STATE_GUESSING)
    decide_encoding (self, TRUE);
  if (self->state == STATE_DECODING)
    decode (self, (const guint8 *) "", 0, TRUE);

  if (self->ctxt != NULL)
    {
      parser_flush (self);
      if (self->ctxt->instate != XML_PARSER_EOF)
        parser_run (self, NULL, 0, TRUE);
    }

  /* libxml2 closes open elements at the end; this is for when it gave up. */
  if (self->in_title)
    commit_title (self);
  if (self->in_heading)
    commit_heading (self);

  free_parser_state (self);
  self->state = STATE_FINISHED;
}

const char *
sluice_html_extractor_get_title (SluiceHtmlExtractor *self)
{
  g_return_val_if_fail (SLUICE_IS_HTML_EXTRACTOR (self), NULL);

  return self->title;
}

const char * const *
sluice_html_extractor_get_headings (SluiceHtmlExtractor *self)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (SLUICE_IS_HTML_EXTRACTOR (self), none);

  /* An empty array may have no pdata at all. */
  if (self->headings->pdata == NULL)
    return none;

  return (const char * const *) self->headings->pdata;
}

guint
sluice_html_extractor_get_link_count (SluiceHtmlExtractor *self)
{
  g_return_val_if_fail (SLUICE_IS_HTML_EXTRACTOR (self), 0);

  return self->link_count;
}

const char *
sluice_html_extractor_get_description (SluiceHtmlExtractor *self)
{
  g_return_val_if_fail (SLUICE_IS_HTML_EXTRACTOR (self), NULL);

  return self->description != NULL ? self->description : self->og_description;
}

gsize
sluice_html_extractor_get_bytes_fed (SluiceHtmlExtractor *self)
{
  g_return_val_if_fail (SLUICE_IS_HTML_EXTRACTOR (self), 0);

  return self->bytes_fed;
}

const char *
sluice_html_extractor_get_encoding (SluiceHtmlExtractor *self)
{
  g_return_val_if_fail (SLUICE_IS_HTML_EXTRACTOR (self), NULL);

  return self->encoding;
}

/* Content-Type helpers */

gboolean
sluice_content_type_is_html (const char *content_type)
{
  const char *start;
  const char *end;
  gsize len;

  if (content_type == NULL)
    return FALSE;

  start = content_type;
  while (g_ascii_isspace (*start))
    start++;
  end = strchr (start, ';');
  if (end == NULL)
    end = start + strlen (start);
  while (end > start && g_ascii_isspace (end[-1]))
    end--;
  len = end - start;

  return (len == strlen ("text/html") &&
          g_ascii_strncasecmp (start, "text/html", len) == 0) ||
         (len == strlen ("application/xhtml+xml") &&
          g_ascii_strncasecmp (start, "application/xhtml+xml", len) == 0);
}

char *
sluice_content_type_get_charset (const char *content_type)
{
  const char *p;

  if (content_type == NULL)
    return NULL;

  p = strchr (content_type, ';');
  while (p != NULL && *p == ';')
    {
      g_autoptr(GString) value = NULL;
      const char *name;
      const char *name_end;

      p++;
      while (g_ascii_isspace (*p))
        p++;
      name = p;
      while (*p != '\0' && *p != '=' && *p != ';')
        p++;
      name_end = p;
      while (name_end > name && g_ascii_isspace (name_end[-1]))
        name_end--;
      if (*p != '=')
        continue;
      p++;
      while (g_ascii_isspace (*p))
        p++;

      value = g_string_new (NULL);
      if (*p == '"')
        {
          for (p++; *p != '\0' && *p != '"'; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              g_string_append_c (value, *p);
            }
          while (*p != '\0' && *p != ';')
            p++;
        }
      else
        {
          const char *start = p;
          const char *end;

          while (*p != '\0' && *p != ';')
            p++;
          end = p;
          while (end > start && g_ascii_isspace (end[-1]))
            end--;
          g_string_append_len (value, start, end - start);

          /* Not HTTP quoting, but servers send it. */
          if (value->len >= 2 && value->str[0] == '\'' && value->str[value->len - 1] == '\'')
            {
              g_string_truncate (value, value->len - 1);
              g_string_erase (value, 0, 1);
            }
        }

      if (name_end - name == strlen ("charset") &&
          g_ascii_strncasecmp (name, "charset", name_end - name) == 0)
        {
          g_strstrip (value->str);
          if (value->str[0] == '\0')
            return NULL;
          return g_strdup (value->str);
        }
    }

  return NULL;
}
