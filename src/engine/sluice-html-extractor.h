/* sluice-html-extractor.h: streaming extraction of a page's title, <h1>
 * headings, link count and description
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Hostile pages must not make us hold more than this. */
#define SLUICE_HTML_EXTRACTOR_MAX_HEADINGS       1000
#define SLUICE_HTML_EXTRACTOR_MAX_TEXT           (64 * 1024)    /* bytes of UTF-8 */
#define SLUICE_HTML_EXTRACTOR_MAX_HEADINGS_TOTAL (1024 * 1024)  /* all headings */

#define SLUICE_TYPE_HTML_EXTRACTOR (sluice_html_extractor_get_type ())

G_DECLARE_FINAL_TYPE (SluiceHtmlExtractor, sluice_html_extractor, SLUICE, HTML_EXTRACTOR, GObject)

/* The body is fed as it arrives and parsed with libxml2's HTML push parser
 * through SAX callbacks; no tree is built, so memory stays small whatever
 * the page size.  An extractor is used from one thread at a time.
 *
 * Encoding, first match wins (after the WHATWG encoding sniffing steps):
 * a byte order mark; the charset from the HTTP Content-Type; a <meta
 * charset> or <meta http-equiv="Content-Type"> within the first 1024
 * bytes; otherwise, if those bytes hold non-ASCII, UTF-8 when they are
 * valid UTF-8 and windows-1252 when not; otherwise a <meta> found later
 * while the page is still ASCII; otherwise the same UTF-8/windows-1252
 * guess over 1024 bytes from the first non-ASCII byte.  Labels follow the
 * WHATWG Encoding Standard ("iso-8859-1", "latin1" and "us-ascii" mean
 * windows-1252, a <meta> saying UTF-16 means UTF-8); unknown labels are
 * ignored.  Invalid bytes and NUL become U+FFFD.
 *
 * Texts are whitespace-collapsed and trimmed.  Whitespace here is ASCII
 * whitespace and every Unicode space separator, which includes NBSP
 * (&nbsp;): scraped titles are compared and exported, where a stray NBSP
 * only surprises.  <br> counts as whitespace.  Texts are cut at
 * SLUICE_HTML_EXTRACTOR_MAX_TEXT bytes (on a character boundary).
 *
 * Title: the first <title> with non-blank text, outside <svg>.
 * Headings: the text of each <h1> (including nested inline elements) in
 * document order, blank ones skipped, at most
 * SLUICE_HTML_EXTRACTOR_MAX_HEADINGS of them and, counting bytes,
 * SLUICE_HTML_EXTRACTOR_MAX_HEADINGS_TOTAL (the list stops at the first
 * that doesn't fit); <script>/<style> text is never part of it.  A <h1>
 * opened inside another ends the outer one, as in browsers.
 * Link count: <a> start tags that carry an href attribute (even empty).
 * Content after </html> still counts, as in browsers.
 * Description: the first non-blank <meta name="description" content>
 * (name compared case-insensitively), else the first non-blank
 * <meta property="og:description" content>. */
SluiceHtmlExtractor  *sluice_html_extractor_new             (const char          *charset);

void                  sluice_html_extractor_feed            (SluiceHtmlExtractor *self,
                                                             const char          *data,
                                                             gsize                length);
/* Ends the parse and frees the parser; further calls do nothing. */
void                  sluice_html_extractor_finish          (SluiceHtmlExtractor *self);

/* Results are complete after finish(); before it they reflect what has
 * been parsed so far.  Strings are valid UTF-8, owned by the extractor. */
const char           *sluice_html_extractor_get_title       (SluiceHtmlExtractor *self);
const char * const   *sluice_html_extractor_get_headings    (SluiceHtmlExtractor *self);
guint                 sluice_html_extractor_get_link_count  (SluiceHtmlExtractor *self);
const char           *sluice_html_extractor_get_description (SluiceHtmlExtractor *self);
gsize                 sluice_html_extractor_get_bytes_fed   (SluiceHtmlExtractor *self);
/* The decoder chosen, as an iconv name ("UTF-8", "WINDOWS-1252", …), or
 * NULL while (or if) nothing had to be decided: the page so far is ASCII. */
const char           *sluice_html_extractor_get_encoding    (SluiceHtmlExtractor *self);

/* TRUE for text/html and application/xhtml+xml, parameters ignored, case
 * insensitive.  NULL is not HTML. */
gboolean              sluice_content_type_is_html           (const char          *content_type);
/* The charset parameter of a Content-Type value, quoted or not, or NULL. */
char                 *sluice_content_type_get_charset       (const char          *content_type);

G_END_DECLS
