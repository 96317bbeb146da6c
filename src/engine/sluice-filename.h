/* sluice-filename.h: safe file names from Content-Disposition and URLs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The last path component of name ('/' and '\' both separate; a "C:" drive
 * prefix is dropped), as valid UTF-8 without control or bidi characters,
 * without leading dots, dashes and surrounding white space, at most
 * name_max bytes (cut on a character boundary, keeping the extension).
 * NULL if nothing usable remains. */
char   *sluice_filename_sanitize                  (const char *name,
                                                   gsize       name_max);

/* The file name a raw Content-Disposition header value suggests: filename*
 * (RFC 8187) if it decodes, else filename.  UTF-8, not sanitised; NULL if
 * there is none.  Safe on any input. */
char   *sluice_filename_from_content_disposition  (const char *header_value);

/* The sanitised name for a response: from content_disposition (nullable),
 * else the last non-empty path segment of uri, percent-decoded, else
 * "download".  Never NULL. */
char   *sluice_filename_for_response              (const char *content_disposition,
                                                   GUri       *uri,
                                                   gsize       name_max);

/* "NAME (n).ext", keeping double extensions such as ".tar.gz" whole; at
 * most name_max bytes (the stem is shortened first). */
char   *sluice_filename_with_counter              (const char *name,
                                                   guint       n,
                                                   gsize       name_max);

/* The longest file name in bytes that directory allows; 255 if unknown. */
gsize   sluice_filename_get_name_max              (const char *directory);

G_END_DECLS
