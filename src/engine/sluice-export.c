/* sluice-export.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sluice-export.h"

static const char * const fields[] = {
  "url", "kind", "state", "http_status", "final_url", "bytes", "elapsed_s",
  "attempts", "error_kind", "error", "path", "sha256", "title", "h1", "links",
  "description", "content_type", NULL
};

const char * const *
sluice_export_get_fields (void)
{
  return fields;
}

static void
set_string_or_null (JsonObject *object,
                    const char *name,
                    const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

JsonObject *
sluice_export_task_to_json (SluiceTask *task)
{
  JsonObject *object = json_object_new ();
  SluiceError error_kind = sluice_task_get_error_kind (task);
  SluiceTaskState state = sluice_task_get_state (task);

  g_return_val_if_fail (SLUICE_IS_TASK (task), object);

  /* Both URLs without any password they carried. */
  json_object_set_string_member (object, "url", sluice_task_get_shown_uri (task));
  json_object_set_string_member (object, "kind", sluice_task_kind_to_nick (sluice_task_get_kind (task)));
  json_object_set_string_member (object, "state", sluice_task_state_to_nick (state));
  if (sluice_task_get_http_status (task) != 0)
    json_object_set_int_member (object, "http_status", sluice_task_get_http_status (task));
  else
    json_object_set_null_member (object, "http_status");
  set_string_or_null (object, "final_url", sluice_task_get_final_uri (task));
  json_object_set_int_member (object, "bytes", sluice_task_get_bytes_received (task));
  /* Milliseconds are plenty, and keep the output stable to read. */
  json_object_set_double_member (object, "elapsed_s",
                                 (double) (gint64) (sluice_task_get_elapsed (task) * 1000 + 0.5) / 1000);
  json_object_set_int_member (object, "attempts", sluice_task_get_attempt (task));
  set_string_or_null (object, "error_kind",
                      error_kind != SLUICE_ERROR_NONE ? sluice_error_to_nick (error_kind) : NULL);
  set_string_or_null (object, "error",
                      error_kind != SLUICE_ERROR_NONE ? sluice_task_get_error_message (task) : NULL);

  if (sluice_task_get_kind (task) == SLUICE_TASK_KIND_DOWNLOAD)
    {
      set_string_or_null (object, "path",
                          state == SLUICE_TASK_STATE_DONE ? sluice_task_get_path (task) : NULL);
      set_string_or_null (object, "sha256",
                          state == SLUICE_TASK_STATE_DONE ? sluice_task_get_sha256 (task) : NULL);
    }
  else
    {
      const char * const *headings = sluice_task_get_headings (task);
      JsonArray *h1 = json_array_new ();

      set_string_or_null (object, "title", sluice_task_get_title (task));
      for (guint i = 0; headings[i] != NULL; i++)
        json_array_add_string_element (h1, headings[i]);
      json_object_set_array_member (object, "h1", h1);
      json_object_set_int_member (object, "links", sluice_task_get_link_count (task));
      set_string_or_null (object, "description", sluice_task_get_description (task));
    }
  set_string_or_null (object, "content_type", sluice_task_get_content_type (task));

  return object;
}

void
sluice_export_append_json_string (GString    *out,
                                  const char *value)
{
  g_autofree char *valid = NULL;

  /* JSON is UTF-8: anything else would make the whole file unreadable. */
  if (!g_utf8_validate (value, -1, NULL))
    value = valid = g_utf8_make_valid (value, -1);

  g_string_append_c (out, '"');
  while (*value != '\0')
    {
      const char *run = value;
      guchar c;

      /* Most text needs no escape: copied a run at a time. */
      while ((guchar) *value >= 0x20 && *value != '"' && *value != '\\' && *value != 0x7f)
        value++;
      g_string_append_len (out, run, value - run);
      c = (guchar) *value;
      if (c == '\0')
        break;
      value++;
      switch (c)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:    g_string_append_printf (out, "\\u%04x", c); break;
        }
    }
  g_string_append_c (out, '"');
}

static void
append_json_value (GString  *out,
                   JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    g_string_append (out, "null");
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      g_string_append_c (out, '[');
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          append_json_value (out, json_array_get_element (array, i));
        }
      g_string_append_c (out, ']');
    }
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      char buffer[G_ASCII_DTOSTR_BUF_SIZE];

      /* json-glib writes doubles with 17 digits (0.0030000000000000001). */
      g_string_append (out, g_ascii_formatd (buffer, sizeof buffer, "%.3f", json_node_get_double (node)));
    }
  else
    sluice_export_append_json_string (out, json_node_get_string (node));
}

/* Members in the order they were set, one line. */
char *
sluice_export_task_to_jsonl (SluiceTask *task)
{
  g_autoptr(JsonObject) object = sluice_export_task_to_json (task);
  GString *out = g_string_new ("{");
  GList *members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    {
      if (l != members)
        g_string_append_c (out, ',');
      sluice_export_append_json_string (out, l->data);
      g_string_append_c (out, ':');
      append_json_value (out, json_object_get_member (object, l->data));
    }
  g_list_free (members);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

static void
append_csv_field (GString    *row,
                  const char *value)
{
  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (row, value);
      return;
    }

  g_string_append_c (row, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (row, '"');
      g_string_append_c (row, *p);
    }
  g_string_append_c (row, '"');
}

char *
sluice_export_csv_header (void)
{
  g_autofree char *joined = g_strjoinv (",", (char **) fields);

  return g_strconcat (joined, "\r\n", NULL);
}

/* A member as CSV text: arrays joined with " | ", null as empty. */
static char *
member_to_text (JsonObject *object,
                const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("");
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      GString *text = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          if (i > 0)
            g_string_append (text, " | ");
          g_string_append (text, json_array_get_string_element (array, i));
        }
      return g_string_free (text, FALSE);
    }
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      {
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.3f", json_node_get_double (node)));
      }
    default:
      return g_strdup (json_node_get_string (node));
    }
}

char *
sluice_export_task_to_csv (SluiceTask *task)
{
  g_autoptr(JsonObject) object = sluice_export_task_to_json (task);
  GString *row = g_string_new (NULL);

  for (guint i = 0; fields[i] != NULL; i++)
    {
      g_autofree char *text = member_to_text (object, fields[i]);

      if (i > 0)
        g_string_append_c (row, ',');
      append_csv_field (row, text);
    }
  g_string_append (row, "\r\n");
  return g_string_free (row, FALSE);
}
