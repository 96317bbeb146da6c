/* sluice-scrape.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sluice-error.h"
#include "sluice-html-extractor.h"
#include "sluice-scrape.h"
#include "sluice-task-private.h"

struct _SluiceScrape
{
  GObject              parent_instance;

  SluiceTask          *task;       /* unowned: the task owns its sink */
  SluiceHtmlExtractor *extractor;  /* NULL for a body that is not HTML */
};

static void sluice_scrape_sink_iface_init (SluiceSinkInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SluiceScrape, sluice_scrape, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SLUICE_TYPE_SINK,
                                                      sluice_scrape_sink_iface_init))

static void
sluice_scrape_finalize (GObject *object)
{
  SluiceScrape *self = (SluiceScrape *) object;

  g_clear_object (&self->extractor);

  G_OBJECT_CLASS (sluice_scrape_parent_class)->finalize (object);
}

static void
sluice_scrape_class_init (SluiceScrapeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sluice_scrape_finalize;
}

static void
sluice_scrape_init (SluiceScrape *self)
{
}

SluiceScrape *
sluice_scrape_new (SluiceTask *task)
{
  SluiceScrape *self;

  g_return_val_if_fail (SLUICE_IS_TASK (task), NULL);

  self = g_object_new (SLUICE_TYPE_SCRAPE, NULL);
  self->task = task;
  return self;
}

static void
publish (SluiceScrape *self)
{
  sluice_html_extractor_finish (self->extractor);
  _sluice_task_set_scrape_result (self->task,
                                  sluice_html_extractor_get_title (self->extractor),
                                  sluice_html_extractor_get_headings (self->extractor),
                                  sluice_html_extractor_get_link_count (self->extractor),
                                  sluice_html_extractor_get_description (self->extractor));
}

static gboolean
sluice_scrape_begin (SluiceSink   *sink,
                     SoupMessage  *message,
                     gboolean     *want_body,
                     GError      **error)
{
  SluiceScrape *self = SLUICE_SCRAPE (sink);
  SoupMessageHeaders *headers = soup_message_get_response_headers (message);
  const char *content_type = soup_message_headers_get_one (headers, "Content-Type");
  goffset length = soup_message_headers_get_content_length (headers);
  g_autofree char *charset = NULL;

  g_clear_object (&self->extractor);
  _sluice_task_set_progress (self->task, 0, length > 0 ? length : -1);

  /* No type at all is most likely HTML from a careless server; anything
   * else that is not HTML is done with just its type. */
  if (content_type != NULL && !sluice_content_type_is_html (content_type))
    {
      *want_body = FALSE;
      return TRUE;
    }

  charset = content_type != NULL ? sluice_content_type_get_charset (content_type) : NULL;
  self->extractor = sluice_html_extractor_new (charset);
  return TRUE;
}

static gboolean
sluice_scrape_write (SluiceSink    *sink,
                     const guint8  *data,
                     gsize          length,
                     GError       **error)
{
  SluiceScrape *self = SLUICE_SCRAPE (sink);
  gsize fed = sluice_html_extractor_get_bytes_fed (self->extractor);

  if (fed + length > SLUICE_SCRAPE_MAX_BYTES)
    {
      sluice_html_extractor_feed (self->extractor, (const char *) data,
                                  SLUICE_SCRAPE_MAX_BYTES - fed);
      publish (self);
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_TOO_LARGE,
                   _("The page is larger than %d MiB; only its beginning was read"),
                   SLUICE_SCRAPE_MAX_BYTES / (1024 * 1024));
      return FALSE;
    }

  sluice_html_extractor_feed (self->extractor, (const char *) data, length);
  return TRUE;
}

static gboolean
sluice_scrape_finish (SluiceSink  *sink,
                      GError     **error)
{
  SluiceScrape *self = SLUICE_SCRAPE (sink);

  if (self->extractor != NULL)
    publish (self);
  return TRUE;
}

static void
sluice_scrape_abort (SluiceSink *sink,
                     gboolean    discard)
{
  SluiceScrape *self = SLUICE_SCRAPE (sink);

  /* A scrape never resumes: a retry parses from the start. */
  g_clear_object (&self->extractor);
}

static void
sluice_scrape_sink_iface_init (SluiceSinkInterface *iface)
{
  iface->begin = sluice_scrape_begin;
  iface->write = sluice_scrape_write;
  iface->finish = sluice_scrape_finish;
  iface->abort = sluice_scrape_abort;
}
