/* sluice-url-list.h: pasted text → validated, de-duplicated URLs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A line of the input that was not accepted.  Blank lines and comments are
 * never refused. */
typedef struct {
  guint  line;    /* 1-based line number in the input */
  char  *text;    /* the line, trimmed, valid UTF-8, control and bidi
                   * characters escaped ("\x0D", "\u202E"), at most about
                   * 200 characters (then ending in "…") */
  char  *reason;  /* a translated sentence */
} SluiceRefusedLine;

#define SLUICE_TYPE_URL_LIST (sluice_url_list_get_type ())

G_DECLARE_FINAL_TYPE (SluiceUrlList, sluice_url_list, SLUICE, URL_LIST, GObject)

/* length -1 means text is NUL-terminated.  Never returns NULL. */
SluiceUrlList            *sluice_url_list_parse            (const char           *text,
                                                            gssize                length);
/* Copies text, then parses it in a worker thread. */
void                      sluice_url_list_parse_async      (const char           *text,
                                                            gssize                length,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
SluiceUrlList            *sluice_url_list_parse_finish     (GAsyncResult         *result,
                                                            GError              **error);

guint                     sluice_url_list_get_n_urls       (SluiceUrlList        *self);
/* The normalised URL string, in input order. */
const char               *sluice_url_list_get_url          (SluiceUrlList        *self,
                                                            guint                 index);
/* NULL-terminated; owned by self. */
const char * const       *sluice_url_list_get_urls         (SluiceUrlList        *self);

guint                     sluice_url_list_get_n_refused    (SluiceUrlList        *self);
const SluiceRefusedLine  *sluice_url_list_get_refused      (SluiceUrlList        *self,
                                                            guint                 index);

/* Lines whose normalised URL had been seen on an earlier line. */
guint                     sluice_url_list_get_n_duplicates (SluiceUrlList        *self);

/* "312 URLs · 3 refused · 5 duplicates"; zero refused/duplicates omitted. */
char                     *sluice_url_list_format_summary   (SluiceUrlList        *self);

/* url with the password of its userinfo (if any) replaced by "***", for
 * logs.  Works on any string; text that is not a URL comes back as is. */
char                     *sluice_url_redact                (const char           *url);

/* g_uri_to_string (), but with an IPv6 zone ID written as RFC 6874 says
 * ("[fe80::1%25eth0]"): GLib 2.74 writes its "%" bare, which no parser
 * (GLib's included) takes back. */
char                     *sluice_uri_to_string             (GUri                 *uri);

G_END_DECLS
