/* sluice-format.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sluice-format.h"

char *
sluice_format_name (SluiceTask *task)
{
  const char *name = sluice_task_get_display_name (task);
  g_autoptr(GUri) uri = NULL;
  const char *path;
  const char *slash;
  g_autofree char *segment = NULL;

  /* The engine falls back to the whole URL (as shown, without a password),
   * which the row already shows beneath; a shorter handle reads better. */
  if (g_strcmp0 (name, sluice_task_get_uri (task)) != 0 &&
      g_strcmp0 (name, sluice_task_get_shown_uri (task)) != 0)
    return g_strdup (name);

  uri = g_uri_parse (sluice_task_get_uri (task), G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return g_strdup (name);
  path = g_uri_get_path (uri);
  while (g_str_has_suffix (path, "/") && strlen (path) > 1)
    {
      /* "/dir/" names the folder, not "" */
      segment = g_strndup (path, strlen (path) - 1);
      path = segment;
    }
  slash = strrchr (path, '/');
  if (slash != NULL && slash[1] != '\0')
    {
      g_autofree char *decoded = g_uri_unescape_string (slash + 1, NULL);

      if (decoded != NULL && g_utf8_validate (decoded, -1, NULL))
        return g_steal_pointer (&decoded);
      return g_strdup (slash + 1);
    }
  return g_strdup (g_uri_get_host (uri));
}

const char *
sluice_format_state_icon (SluiceTask *task)
{
  switch (sluice_task_get_state (task))
    {
    case SLUICE_TASK_STATE_QUEUED: return "content-loading-symbolic";
    case SLUICE_TASK_STATE_CONNECTING: return "network-transmit-receive-symbolic";
    case SLUICE_TASK_STATE_RUNNING:
      return sluice_task_get_kind (task) == SLUICE_TASK_KIND_DOWNLOAD
             ? "folder-download-symbolic" : "web-browser-symbolic";
    case SLUICE_TASK_STATE_WAITING_RETRY: return "view-refresh-symbolic";
    case SLUICE_TASK_STATE_DONE: return "emblem-ok-symbolic";
    case SLUICE_TASK_STATE_FAILED: return "dialog-error-symbolic";
    case SLUICE_TASK_STATE_CANCELLED: return "process-stop-symbolic";
    default: return "image-missing-symbolic";
    }
}

const char *
sluice_format_state_label (SluiceTask *task)
{
  switch (sluice_task_get_state (task))
    {
    case SLUICE_TASK_STATE_QUEUED:
      return sluice_task_get_held_by_host (task) ? C_("task state", "Waiting") : C_("task state", "Queued");
    case SLUICE_TASK_STATE_CONNECTING: return C_("task state", "Connecting");
    case SLUICE_TASK_STATE_RUNNING:
      return sluice_task_get_kind (task) == SLUICE_TASK_KIND_DOWNLOAD
             ? C_("task state", "Downloading") : C_("task state", "Reading");
    case SLUICE_TASK_STATE_WAITING_RETRY: return C_("task state", "Retrying");
    case SLUICE_TASK_STATE_DONE: return C_("task state", "Done");
    case SLUICE_TASK_STATE_FAILED: return C_("task state", "Failed");
    case SLUICE_TASK_STATE_CANCELLED: return C_("task state", "Cancelled");
    default: return "";
    }
}

const char *
sluice_format_error_kind (SluiceError kind)
{
  switch (kind)
    {
    case SLUICE_ERROR_NONE: return "";
    case SLUICE_ERROR_DNS: return C_("error kind", "name lookup");
    case SLUICE_ERROR_CONNECT: return C_("error kind", "connection");
    case SLUICE_ERROR_TLS: return C_("error kind", "security");
    case SLUICE_ERROR_TIMEOUT: return C_("error kind", "timeout");
    case SLUICE_ERROR_HTTP_CLIENT: return C_("error kind", "request refused");
    case SLUICE_ERROR_HTTP_SERVER: return C_("error kind", "server error");
    case SLUICE_ERROR_RATE_LIMITED: return C_("error kind", "rate limited");
    case SLUICE_ERROR_TOO_LARGE: return C_("error kind", "too large");
    case SLUICE_ERROR_DISK: return C_("error kind", "disk");
    case SLUICE_ERROR_INVALID: return C_("error kind", "invalid");
    case SLUICE_ERROR_CANCELLED: return C_("error kind", "cancelled");
    case SLUICE_ERROR_NETWORK: return C_("error kind", "network");
    default: return "";
    }
}

char *
sluice_format_progress (SluiceTask *task)
{
  gint64 received = sluice_task_get_bytes_received (task);
  gint64 total = sluice_task_get_bytes_total (task);
  g_autofree char *received_text = NULL;
  g_autofree char *total_text = NULL;

  if (received == 0 && total < 0)
    return g_strdup ("");
  received_text = g_format_size (received);
  if (total < 0 || sluice_task_get_state (task) == SLUICE_TASK_STATE_DONE)
    return g_steal_pointer (&received_text);
  total_text = g_format_size (total);
  /* Translators: progress, e.g. "3.1 MB of 10 MB" */
  return g_strdup_printf (_("%s of %s"), received_text, total_text);
}

char *
sluice_format_speed (double bytes_per_second)
{
  g_autofree char *size = NULL;

  if (bytes_per_second < 1)
    return g_strdup ("");
  size = g_format_size ((guint64) bytes_per_second);
  /* Translators: a transfer speed, e.g. "1.2 MB/s" */
  return g_strdup_printf (_("%s/s"), size);
}

char *
sluice_format_duration (double seconds)
{
  guint total = (guint) MAX (0, seconds);

  /* Most transfers take seconds: tenths say more than "0:00". */
  if (seconds < 10)
    {
      g_autofree char *number = g_strdup_printf ("%.1f", MAX (0, seconds));

      /* Translators: a short duration in seconds, e.g. "2.4 s" */
      return g_strdup_printf (_("%s s"), number);
    }

  if (total >= 3600)
    return g_strdup_printf ("%u:%02u:%02u", total / 3600, (total / 60) % 60, total % 60);
  return g_strdup_printf ("%u:%02u", total / 60, total % 60);
}

char *
sluice_format_scrape_counts (SluiceTask *task)
{
  guint links = sluice_task_get_link_count (task);
  guint headings = g_strv_length ((char **) sluice_task_get_headings (task));
  g_autofree char *links_text =
    g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u link", "%u links", links), links);
  g_autofree char *headings_text =
    g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u heading", "%u headings", headings), headings);

  /* Translators: "12 links · 2 headings" */
  return g_strdup_printf (_("%s · %s"), links_text, headings_text);
}

char *
sluice_format_result (SluiceTask *task)
{
  switch (sluice_task_get_state (task))
    {
    case SLUICE_TASK_STATE_QUEUED:
      if (sluice_task_get_held_by_host (task))
        /* Translators: the task waits because its site has enough transfers */
        return g_strdup_printf (_("Waiting for %s"), sluice_task_get_host (task));
      return g_strdup ("");
    case SLUICE_TASK_STATE_WAITING_RETRY:
      {
        gint64 left = sluice_task_get_retry_at (task) - g_get_monotonic_time ();
        guint seconds = (guint) MAX (1, (left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);

        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Retrying in %u s", "Retrying in %u s", seconds),
                                seconds);
      }
    case SLUICE_TASK_STATE_DONE:
      if (sluice_task_get_kind (task) == SLUICE_TASK_KIND_DOWNLOAD)
        return g_format_size (sluice_task_get_bytes_received (task));
      if (sluice_task_get_title (task) == NULL && sluice_task_get_link_count (task) == 0)
        return g_strdup (sluice_task_get_content_type (task) != NULL
                         ? sluice_task_get_content_type (task) : _("No page content"));
      return sluice_format_scrape_counts (task);
    case SLUICE_TASK_STATE_FAILED:
      /* Translators: a failure reason and its kind, e.g. "The server answered 404 Not Found (request refused)" */
      return g_strdup_printf (_("%s (%s)"),
                              sluice_task_get_error_message (task) != NULL ? sluice_task_get_error_message (task) : "",
                              sluice_format_error_kind (sluice_task_get_error_kind (task)));
    case SLUICE_TASK_STATE_CANCELLED:
      return g_strdup (sluice_task_get_error_message (task) != NULL ? sluice_task_get_error_message (task) : "");
    case SLUICE_TASK_STATE_CONNECTING:
    case SLUICE_TASK_STATE_RUNNING:
    default:
      return g_strdup ("");
    }
}

char *
sluice_format_batch_outcome (guint n_done,
                             guint n_failed,
                             guint n_cancelled)
{
  GString *text;

  if (n_failed == 0 && n_cancelled == 0)
    {
      /* "All" is wrong for one, whatever plural form a language gives 1. */
      if (n_done == 1)
        return g_strdup (_("The task is done"));
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "All %u task done", "All %u tasks done", n_done),
                              n_done);
    }

  text = g_string_new (NULL);
  if (n_done > 0)
    g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u done", "%u done", n_done), n_done);
  if (n_failed > 0)
    {
      if (text->len > 0)
        g_string_append (text, " · ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u failed", "%u failed", n_failed), n_failed);
    }
  if (n_cancelled > 0)
    {
      if (text->len > 0)
        g_string_append (text, " · ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u cancelled", "%u cancelled", n_cancelled),
                              n_cancelled);
    }
  return g_string_free (text, FALSE);
}
