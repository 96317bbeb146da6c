/* sluice-session.c
 *
 * Two files.  FILE is a snapshot of every task, rewritten atomically at
 * most once a second after a change.  FILE.journal is appended to, one JSON
 * line per event, at the moments the disk gets ahead of the snapshot: just
 * before a download creates its .part or renames it to the final name, and
 * when a task finishes.  Each line carries a serial; the snapshot records
 * the last serial it includes, so a journal left over from a crash between
 * the snapshot's rename and the journal's removal is ignored.  Loading
 * reads the snapshot, then replays newer journal lines over it.
 *
 * Passwords are never written: URLs are stored redacted, and an unfinished
 * task whose URL had one comes back failed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <unistd.h>

#include "sluice-download.h"
#include "sluice-engine-thread.h"
#include "sluice-enums.h"
#include "sluice-export.h"
#include "sluice-scheduler-private.h"
#include "sluice-session.h"
#include "sluice-sources.h"

#define SAVE_DELAY_MS 1000
#define JOURNAL_SUFFIX ".journal"
/* json-glib parses recursively: refuse deeper files before it sees them. */
#define MAX_JSON_DEPTH 32

struct _SluiceSession
{
  GObject          parent_instance;

  SluiceScheduler *scheduler;
  GFile           *file;
  char            *path;
  char            *journal_path;
  int              journal_fd;

  gboolean         autosave;
  gboolean         restoring;   /* tasks coming from the file, not new */
  gboolean         dirty;
  guint            save_source;
  guint            n_saves;

  guint64          serial;      /* of the last journal line written */
  guint64          generation;  /* of the last snapshot built */
  gsize            snapshot_length;  /* of the last snapshot built */
  gboolean         writing;     /* a snapshot is being written by a worker */
  GMutex           write_lock;  /* held while a snapshot is written: */
  guint64          written_generation;  /* of the last snapshot written */
  guint64          next_id;
  GHashTable      *tracked;     /* SluiceTask* (owned) → NULL */

  /* For a scheduler whose tasks run on an engine's thread, the session
   * that writes them lives there too (it must hear of a file change
   * before it happens): this one only passes calls on. */
  SluiceEngineThread *engine;
  SluiceSession   *back;        /* used on the engine's thread only */
};

G_DEFINE_FINAL_TYPE (SluiceSession, sluice_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SCHEDULER,
  PROP_FILE,
  PROP_AUTOSAVE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* On an engine's thread */

typedef enum {
  CALL_NEW,
  CALL_LOAD,
  CALL_SAVE,
  CALL_FLUSH,
  CALL_SET_AUTOSAVE,
  CALL_GET_N_SAVES,
  CALL_GET_SAVING,
  CALL_UNREF,
} CallKind;

typedef struct {
  CallKind       kind;
  SluiceSession *back;
  char          *path;
  gboolean       value;
  gboolean       result;
  guint          n;
  GError        *error;
} Call;

static void
call_free (Call *call)
{
  g_free (call->path);
  g_clear_error (&call->error);
  g_free (call);
}

static void
run_call (SluiceScheduler *back_scheduler,
          gpointer         data)
{
  Call *call = data;

  switch (call->kind)
    {
    case CALL_NEW:
      {
        g_autoptr(GFile) file = g_file_new_for_path (call->path);

        call->back = sluice_session_new (back_scheduler, file);
      }
      break;
    case CALL_LOAD:
      call->result = sluice_session_load (call->back, &call->error);
      break;
    case CALL_SAVE:
      call->result = sluice_session_save (call->back, &call->error);
      break;
    case CALL_FLUSH:
      call->result = sluice_session_flush (call->back, &call->error);
      break;
    case CALL_SET_AUTOSAVE:
      sluice_session_set_autosave (call->back, call->value);
      break;
    case CALL_GET_N_SAVES:
      call->n = sluice_session_get_n_saves (call->back);
      break;
    case CALL_GET_SAVING:
      call->result = sluice_session_get_saving (call->back);
      break;
    case CALL_UNREF:
      g_clear_object (&call->back);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Runs a call on the engine's thread and waits for it. */
static Call *
call_back (SluiceSession *self,
           CallKind       kind)
{
  Call *call = g_new0 (Call, 1);

  call->kind = kind;
  call->back = self->back;
  _sluice_engine_thread_call (self->engine, run_call, call);
  return call;
}

static gboolean
call_back_result (SluiceSession  *self,
                  CallKind        kind,
                  GError        **error)
{
  Call *call = call_back (self, kind);
  gboolean result = call->result;

  if (call->error != NULL)
    g_propagate_error (error, g_steal_pointer (&call->error));
  call_free (call);
  return result;
}

static GQuark id_quark;

/* Task ids: stable across runs, so journal lines find their task. */

static guint64
get_id (SluiceTask *task)
{
  guint64 *id = g_object_get_qdata (G_OBJECT (task), id_quark);

  return id != NULL ? *id : 0;
}

static void
set_id (SluiceTask *task,
        guint64     id)
{
  guint64 *copy = g_new (guint64, 1);

  *copy = id;
  g_object_set_qdata_full (G_OBJECT (task), id_quark, copy, g_free);
}

static guint64
ensure_id (SluiceSession *self,
           SluiceTask    *task)
{
  guint64 id = get_id (task);

  if (id == 0)
    {
      id = self->next_id++;
      set_id (task, id);
    }
  return id;
}

/* Writing records
 *
 * Written straight into a GString rather than through json-glib's object
 * tree: the journal writes a task on every file change and a snapshot
 * holds every task, and building the tree cost ~5 µs a task on the main
 * thread.  The loader reads it back with json-glib. */

/* Members are written as "name":value, after a comma unless first. */
static void
begin_member (GString    *out,
              const char *name)
{
  /* Member names are ours: plain ASCII, nothing to escape. */
  if (out->str[out->len - 1] != '{')
    g_string_append_c (out, ',');
  g_string_append_c (out, '"');
  g_string_append (out, name);
  g_string_append (out, "\":");
}

static void
begin_object (GString *out)
{
  g_string_append_c (out, '{');
}

static void
end_object (GString *out)
{
  g_string_append_c (out, '}');
}

static void
add_string (GString    *out,
            const char *name,
            const char *value)
{
  if (value == NULL)
    return;
  begin_member (out, name);
  sluice_export_append_json_string (out, value);
}

/* Decimal digits, at least width of them (printf is slow for this). */
static void
append_digits (GString *out,
               guint64  value,
               guint    width)
{
  char digits[24];
  guint n = 0;

  do
    {
      digits[n++] = (char) ('0' + value % 10);
      value /= 10;
    }
  while (value != 0 || n < width);
  while (n > 0)
    g_string_append_c (out, digits[--n]);
}

static void
add_int (GString    *out,
         const char *name,
         gint64      value)
{
  begin_member (out, name);
  if (value < 0)
    {
      g_string_append_c (out, '-');
      append_digits (out, -(guint64) value, 1);
    }
  else
    append_digits (out, (guint64) value, 1);
}

static void
add_true (GString    *out,
          const char *name)
{
  begin_member (out, name);
  g_string_append (out, "true");
}

/* ISO 8601 in UTC with microseconds, as g_date_time_format_iso8601(). */
static void
add_time (GString    *out,
          const char *name,
          gint64      wall_us)
{
  time_t seconds;
  struct tm tm;

  if (wall_us <= 0)
    return;
  seconds = (time_t) (wall_us / G_USEC_PER_SEC);
  if (gmtime_r (&seconds, &tm) == NULL)
    return;
  begin_member (out, name);
  g_string_append_c (out, '"');
  append_digits (out, (guint64) tm.tm_year + 1900, 4);
  g_string_append_c (out, '-');
  append_digits (out, (guint64) tm.tm_mon + 1, 2);
  g_string_append_c (out, '-');
  append_digits (out, (guint64) tm.tm_mday, 2);
  g_string_append_c (out, 'T');
  append_digits (out, (guint64) tm.tm_hour, 2);
  g_string_append_c (out, ':');
  append_digits (out, (guint64) tm.tm_min, 2);
  g_string_append_c (out, ':');
  append_digits (out, (guint64) tm.tm_sec, 2);
  g_string_append_c (out, '.');
  append_digits (out, (guint64) (wall_us % G_USEC_PER_SEC), 6);
  g_string_append (out, "Z\"");
}

static SluiceDownload *
get_download (SluiceTask *task)
{
  gpointer sink = _sluice_task_get_sink (task);

  return SLUICE_IS_DOWNLOAD (sink) ? sink : NULL;
}

/* What the saved task is: a finished one keeps its state; anything else,
 * including a task stopped by a shutdown, is to be resumed. */
static gboolean
is_really_finished (SluiceTask *task)
{
  return sluice_task_is_finished (task) && !_sluice_task_get_interrupted (task);
}

static void
append_task (SluiceSession *self,
             SluiceTask    *task,
             GString       *out)
{
  const char *shown_uri = sluice_task_get_shown_uri (task);
  gboolean finished = is_really_finished (task);
  SluiceTaskState state = finished ? sluice_task_get_state (task) : SLUICE_TASK_STATE_QUEUED;
  SluiceError error_kind = sluice_task_get_error_kind (task);
  SluiceDownload *download = get_download (task);
  const char *directory = _sluice_task_get_directory (task);

  begin_object (out);
  add_int (out, "id", (gint64) ensure_id (self, task));
  add_string (out, "url", shown_uri);
  if (shown_uri != sluice_task_get_uri (task))
    add_true (out, "password_removed");
  add_string (out, "kind", sluice_task_kind_to_nick (sluice_task_get_kind (task)));
  add_string (out, "state", sluice_task_state_to_nick (state));
  add_time (out, "created", sluice_task_get_created_wall (task));

  if (download != NULL && sluice_download_get_part_name (download) != NULL)
    directory = sluice_download_get_directory (download);
  add_string (out, "directory", directory);

  if (finished)
    {
      add_time (out, "started", sluice_task_get_started_wall (task));
      add_time (out, "finished", sluice_task_get_finished_wall (task));
      add_int (out, "attempts", sluice_task_get_attempt (task));
      add_int (out, "bytes", sluice_task_get_bytes_received (task));
      add_int (out, "bytes_total", sluice_task_get_bytes_total (task));
      if (error_kind != SLUICE_ERROR_NONE)
        {
          add_string (out, "error_kind", sluice_error_to_nick (error_kind));
          add_string (out, "error", sluice_task_get_error_message (task));
        }
    }

  if (sluice_task_get_http_status (task) != 0)
    add_int (out, "http_status", sluice_task_get_http_status (task));
  if (sluice_task_get_final_uri (task) != NULL)
    add_string (out, "final_url", sluice_task_get_final_uri (task));
  add_string (out, "content_type", sluice_task_get_content_type (task));

  if (sluice_task_get_kind (task) == SLUICE_TASK_KIND_DOWNLOAD)
    {
      if (finished)
        {
          add_string (out, "path", sluice_task_get_path (task));
          add_string (out, "sha256", sluice_task_get_sha256 (task));
        }
      else if (download != NULL && sluice_download_get_part_name (download) != NULL)
        {
          begin_member (out, "file");
          begin_object (out);
          add_string (out, "name", sluice_download_get_name (download));
          add_string (out, "part", sluice_download_get_part_name (download));
          add_string (out, "validator", sluice_download_get_validator (download));
          if (sluice_download_get_complete (download))
            {
              add_true (out, "complete");
              add_int (out, "size", sluice_download_get_offset (download));
              add_string (out, "sha256", sluice_download_get_sha256 (download));
            }
          end_object (out);
        }
    }
  else if (finished)
    {
      const char * const *headings = sluice_task_get_headings (task);

      add_string (out, "title", sluice_task_get_title (task));
      begin_member (out, "h1");
      g_string_append_c (out, '[');
      for (guint i = 0; headings[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          sluice_export_append_json_string (out, headings[i]);
        }
      g_string_append_c (out, ']');
      add_int (out, "links", sluice_task_get_link_count (task));
      add_string (out, "description", sluice_task_get_description (task));
    }

  end_object (out);
}

/* Reading records: anything of the wrong type counts as missing. */

static JsonNode *
member_value (JsonObject *object,
              const char *name,
              GType       type)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = member_value (object, name, G_TYPE_STRING);

  return node != NULL ? json_node_get_string (node) : NULL;
}

static gint64
member_int (JsonObject *object,
            const char *name,
            gint64      fallback)
{
  JsonNode *node = member_value (object, name, G_TYPE_INT64);

  return node != NULL ? json_node_get_int (node) : fallback;
}

static gboolean
member_bool (JsonObject *object,
             const char *name)
{
  JsonNode *node = member_value (object, name, G_TYPE_BOOLEAN);

  return node != NULL && json_node_get_boolean (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* An ISO 8601 time to µs since the epoch, or 0.  The fraction is read by
 * hand: GDateTime goes through a double and may lose a microsecond. */
static gint64
member_time (JsonObject *object,
             const char *name)
{
  const char *text = member_string (object, name);
  g_autoptr(GDateTime) time = NULL;
  const char *t, *dot;
  gint64 usec = 0;

  if (text == NULL || (time = g_date_time_new_from_iso8601 (text, NULL)) == NULL)
    return 0;

  t = strchr (text, 'T');
  dot = t != NULL ? strchr (t, '.') : NULL;
  if (dot != NULL)
    {
      guint digits = 0;

      for (const char *p = dot + 1; g_ascii_isdigit (*p) && digits < 6; p++, digits++)
        usec = usec * 10 + (*p - '0');
      for (; digits < 6; digits++)
        usec *= 10;
    }
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + usec;
}

static gboolean
parse_nick (GType       enum_type,
            const char *nick,
            int        *value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (enum_type);
  GEnumValue *found = nick != NULL ? g_enum_get_value_by_nick (klass, nick) : NULL;

  if (found == NULL)
    return FALSE;
  *value = found->value;
  return TRUE;
}

/* Restoring one task */

static void
restore_response (SluiceTask *task,
                  JsonObject *record)
{
  gint64 status = member_int (record, "http_status", 0);

  _sluice_task_set_response (task, status > 0 && status < 1000 ? (guint) status : 0,
                             member_string (record, "final_url"),
                             member_string (record, "content_type"));
}

static void
restore_scrape_result (SluiceTask *task,
                       JsonObject *record)
{
  JsonArray *h1 = member_array (record, "h1");
  g_autoptr(GPtrArray) headings = g_ptr_array_new ();
  gint64 links = member_int (record, "links", 0);

  for (guint i = 0; h1 != NULL && i < json_array_get_length (h1); i++)
    {
      JsonNode *node = json_array_get_element (h1, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        g_ptr_array_add (headings, (gpointer) json_node_get_string (node));
    }
  g_ptr_array_add (headings, NULL);

  _sluice_task_set_scrape_result (task,
                                  member_string (record, "title"),
                                  headings->len > 1 ? (const char * const *) headings->pdata : NULL,
                                  (guint) CLAMP (links, 0, G_MAXUINT),
                                  member_string (record, "description"));
}

/* Re-attaches an unfinished download to its file.  Returns TRUE if the
 * file turned out to be complete and the task is now done. */
static gboolean
restore_download_file (SluiceSession *self,
                       SluiceTask    *task,
                       JsonObject    *file,
                       const char    *directory,
                       gint64        *offset)
{
  GHashTable *reserved = _sluice_scheduler_get_reserved_names (self->scheduler);
  g_autoptr(SluiceDownload) download = NULL;
  g_autoptr(GError) error = NULL;
  const char *name = member_string (file, "name");
  const char *sha256 = member_string (file, "sha256");
  gint64 size = member_int (file, "size", -1);
  gboolean complete = member_bool (file, "complete") && sha256 != NULL && size >= 0;

  *offset = 0;
  if (directory == NULL)
    return FALSE;

  download = sluice_download_new_adopting (task, directory, reserved, name,
                                           member_string (file, "part"),
                                           member_string (file, "validator"),
                                           &error);
  if (download != NULL)
    {
      *offset = sluice_download_get_offset (download);
      _sluice_task_set_sink (task, download);

      if (complete && *offset == size)
        {
          g_autoptr(GError) finish_error = NULL;

          /* The crash came between the last byte and the rename.  A body
           * that is not what was written down is not worth resuming. */
          if (!sluice_download_file_matches (directory, member_string (file, "part"), size, sha256))
            {
              sluice_sink_abort (SLUICE_SINK (download), TRUE);
              *offset = 0;
            }
          else if (sluice_sink_finish (SLUICE_SINK (download), &finish_error))
            {
              _sluice_task_set_sink (task, NULL);
              return TRUE;
            }
          else
            g_debug ("Session: cannot finish “%s”: %s", name, finish_error->message);
        }
      return FALSE;
    }

  /* The crash came after the rename: the final file is ours if it is
   * exactly what was written down. */
  if (complete && sluice_download_file_matches (directory, name, size, sha256))
    {
      g_autofree char *path = g_build_filename (directory, name, NULL);

      _sluice_task_set_download_result (task, path, sha256);
      *offset = size;
      return TRUE;
    }

  g_debug ("Session: “%s” starts over: %s", sluice_task_get_uri (task), error->message);
  return FALSE;
}

/* Drops a .part that can never be resumed (its task lost its password). */
static void
discard_download_file (SluiceSession *self,
                       SluiceTask    *task,
                       JsonObject    *file,
                       const char    *directory)
{
  g_autoptr(SluiceDownload) download = NULL;

  if (file == NULL || directory == NULL)
    return;
  download = sluice_download_new_adopting (task, directory,
                                           _sluice_scheduler_get_reserved_names (self->scheduler),
                                           member_string (file, "name"),
                                           member_string (file, "part"),
                                           NULL, NULL);
  if (download != NULL)
    sluice_sink_abort (SLUICE_SINK (download), TRUE);
}

static SluiceTask *
task_from_json (SluiceSession *self,
                JsonObject    *record)
{
  g_autoptr(SluiceTask) task = NULL;
  g_autoptr(GUri) guri = NULL;
  const char *url = member_string (record, "url");
  const char *directory = member_string (record, "directory");
  const char *scheme;
  JsonObject *file = member_object (record, "file");
  int kind = SLUICE_TASK_KIND_DOWNLOAD;
  int state = SLUICE_TASK_STATE_QUEUED;
  int error_kind = SLUICE_ERROR_NONE;
  gint64 created = member_time (record, "created");
  gint64 attempts = member_int (record, "attempts", 0);
  gint64 offset = 0;

  if (url == NULL)
    return NULL;
  guri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
  if (guri == NULL)
    return NULL;
  scheme = g_uri_get_scheme (guri);
  if ((g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      g_uri_get_host (guri) == NULL || *g_uri_get_host (guri) == '\0')
    return NULL;
  if (json_object_has_member (record, "kind") &&
      !parse_nick (SLUICE_TYPE_TASK_KIND, member_string (record, "kind"), &kind))
    return NULL;
  if (!parse_nick (SLUICE_TYPE_TASK_STATE, member_string (record, "state"), &state) ||
      (state != SLUICE_TASK_STATE_DONE && state != SLUICE_TASK_STATE_FAILED &&
       state != SLUICE_TASK_STATE_CANCELLED))
    state = SLUICE_TASK_STATE_QUEUED;
  if (directory != NULL && !g_path_is_absolute (directory))
    directory = NULL;

  task = _sluice_task_new (NULL, guri, kind, 0);
  if (directory != NULL)
    _sluice_task_set_directory (task, directory);

  if (state != SLUICE_TASK_STATE_QUEUED)
    {
      restore_response (task, record);
      if (!parse_nick (SLUICE_TYPE_ERROR, member_string (record, "error_kind"), &error_kind))
        error_kind = SLUICE_ERROR_NONE;
      _sluice_task_set_error (task, error_kind, member_string (record, "error"));
      if (kind == SLUICE_TASK_KIND_DOWNLOAD)
        _sluice_task_set_download_result (task, member_string (record, "path"),
                                          member_string (record, "sha256"));
      else
        restore_scrape_result (task, record);
      _sluice_task_restore (task, state, (guint) CLAMP (attempts, 0, G_MAXUINT), created,
                            member_time (record, "started"), member_time (record, "finished"),
                            member_int (record, "bytes", 0), member_int (record, "bytes_total", -1));
    }
  else if (member_bool (record, "password_removed"))
    {
      /* Resuming would need the password we chose not to keep. */
      if (kind == SLUICE_TASK_KIND_DOWNLOAD)
        discard_download_file (self, task, file, directory);
      _sluice_task_set_error (task, SLUICE_ERROR_INVALID,
                              _("The password was not saved; add the link again"));
      _sluice_task_restore (task, SLUICE_TASK_STATE_FAILED, 0, created, 0, 0, 0, -1);
    }
  else if (kind == SLUICE_TASK_KIND_DOWNLOAD && file != NULL &&
           restore_download_file (self, task, file, directory, &offset))
    {
      gint64 now = g_get_real_time ();

      restore_response (task, record);
      _sluice_task_restore (task, SLUICE_TASK_STATE_DONE, 1, created, now, now, offset, offset);
    }
  else
    _sluice_task_restore (task, SLUICE_TASK_STATE_QUEUED, 0, created, 0, 0, offset, -1);

  return g_steal_pointer (&task);
}

/* Moving a broken file aside */

static char *
move_aside (const char  *path,
            GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");

  for (guint n = 1; n < 100; n++)
    {
      g_autofree char *target = n == 1 ? g_strdup_printf ("%s.broken-%s", path, stamp)
                                       : g_strdup_printf ("%s.broken-%s-%u", path, stamp, n);
      int saved_errno;

      if (renameat2 (AT_FDCWD, path, AT_FDCWD, target, RENAME_NOREPLACE) == 0)
        return g_steal_pointer (&target);
      saved_errno = errno;
      if ((saved_errno == EINVAL || saved_errno == ENOSYS) && link (path, target) == 0)
        {
          g_unlink (path);
          return g_steal_pointer (&target);
        }
      if (errno != EEXIST)
        {
          g_autofree char *display = g_filename_display_name (path);

          g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_DISK,
                       _("Could not move “%s” aside: %s"), display, g_strerror (saved_errno));
          return NULL;
        }
    }
  g_set_error_literal (error, SLUICE_ERROR, SLUICE_ERROR_DISK, g_strerror (EEXIST));
  return NULL;
}

/* Sets error to say the file was unusable and where it went now. */
static gboolean
fail_broken (SluiceSession  *self,
             const char     *reason,
             GError        **error)
{
  g_autoptr(GError) move_error = NULL;
  g_autofree char *target = NULL;
  g_autofree char *display = NULL;

  if (self->journal_fd >= 0)
    {
      close (self->journal_fd);
      self->journal_fd = -1;
    }

  target = move_aside (self->path, &move_error);
  if (target == NULL)
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_DISK,
                   _("The saved downloads could not be read (%s), nor put aside: %s"),
                   reason, move_error->message);
      return FALSE;
    }

  /* The journal only makes sense on top of its snapshot. */
  if (g_file_test (self->journal_path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *journal_target = g_strconcat (target, JOURNAL_SUFFIX, NULL);

      if (g_rename (self->journal_path, journal_target) != 0)
        g_unlink (self->journal_path);
    }

  display = g_filename_display_name (target);
  g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID,
               _("The saved downloads could not be read (%s); the file was kept as “%s”"),
               reason, display);
  return FALSE;
}

/* Deeper nesting than a session ever has, or a NUL byte: not ours. */
static gboolean
looks_parseable (const char *data,
                 gsize       length)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (c == '\0')
        return FALSE;
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_JSON_DEPTH)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

/* Records in order, addressable by id, for the journal to update. */
typedef struct {
  GPtrArray  *records;   /* JsonObject* (owned) or NULL once removed */
  GHashTable *by_id;     /* guint64* id → index + 1 in records */
} Records;

static void
record_free (gpointer record)
{
  if (record != NULL)
    json_object_unref (record);
}

static void
records_clear (Records *records)
{
  g_clear_pointer (&records->records, g_ptr_array_unref);
  g_clear_pointer (&records->by_id, g_hash_table_unref);
}

static void
records_put (Records    *records,
             JsonObject *record)
{
  gint64 id = member_int (record, "id", 0);
  gpointer index;

  if (id > 0 && g_hash_table_lookup_extended (records->by_id, &id, NULL, &index))
    {
      JsonObject **slot = (JsonObject **) &g_ptr_array_index (records->records, GPOINTER_TO_UINT (index) - 1);

      g_clear_pointer (slot, json_object_unref);
      *slot = json_object_ref (record);
      return;
    }

  g_ptr_array_add (records->records, json_object_ref (record));
  if (id > 0)
    g_hash_table_insert (records->by_id, g_memdup2 (&id, sizeof id),
                         GUINT_TO_POINTER (records->records->len));
}

static void
records_remove (Records *records,
                gint64   id)
{
  gpointer index;

  if (id > 0 && g_hash_table_lookup_extended (records->by_id, &id, NULL, &index))
    {
      g_clear_pointer (&g_ptr_array_index (records->records, GPOINTER_TO_UINT (index) - 1),
                       json_object_unref);
      g_hash_table_remove (records->by_id, &id);
    }
}

/* Applies journal lines newer than the snapshot.  A torn last line (the
 * crash came mid-write) and any other unreadable line are skipped. */
static void
replay_journal (SluiceSession *self,
                Records       *records,
                guint64        snapshot_serial)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  char *line, *next;

  if (!g_file_get_contents (self->journal_path, &contents, &length, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_debug ("Session: journal ignored: %s", error->message);
      return;
    }

  for (line = contents; line < contents + length; line = next)
    {
      g_autoptr(JsonParser) parser = NULL;
      JsonNode *root;
      JsonObject *entry, *record;
      gint64 serial;
      char *end = memchr (line, '\n', contents + length - line);

      end = end != NULL ? end : contents + length;
      next = end + 1;
      if (end == line || !looks_parseable (line, end - line))
        continue;

      parser = json_parser_new ();
      if (!json_parser_load_from_data (parser, line, end - line, NULL))
        continue;
      root = json_parser_get_root (parser);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        continue;
      entry = json_node_get_object (root);
      serial = member_int (entry, "serial", 0);
      if (serial <= 0 || (guint64) serial <= snapshot_serial)
        continue;
      self->serial = MAX (self->serial, (guint64) serial);

      if ((record = member_object (entry, "task")) != NULL)
        records_put (records, record);
      else
        records_remove (records, member_int (entry, "remove", 0));
    }
}

gboolean
sluice_session_load (SluiceSession  *self,
                     GError        **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) read_error = NULL;
  g_autoptr(GPtrArray) tasks = NULL;
  Records records = { 0 };
  guint64 snapshot_serial = 0;
  gsize length = 0;

  g_return_val_if_fail (SLUICE_IS_SESSION (self), FALSE);

  if (self->engine != NULL)
    return call_back_result (self, CALL_LOAD, error);
  if (self->path == NULL)
    {
      g_set_error_literal (error, SLUICE_ERROR, SLUICE_ERROR_DISK,
                           _("The session file must be a local file"));
      return FALSE;
    }

  /* Something other than a file there (a folder given by mistake) is
   * neither read nor moved aside: it is not ours. */
  if (g_file_test (self->path, G_FILE_TEST_EXISTS) && !g_file_test (self->path, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *display = g_filename_display_name (self->path);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                   _("“%s” is not a session file"), display);
      return FALSE;
    }

  records.records = g_ptr_array_new_with_free_func (record_free);
  records.by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  if (!g_file_get_contents (self->path, &contents, &length, &read_error))
    {
      if (!g_error_matches (read_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          records_clear (&records);
          return fail_broken (self, read_error->message, error);
        }
      /* No snapshot yet: the journal alone may hold the first tasks. */
    }
  else
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) parse_error = NULL;
      JsonNode *root;
      JsonObject *object;
      JsonArray *array;

      if (!looks_parseable (contents, length))
        {
          records_clear (&records);
          return fail_broken (self, _("not a session file"), error);
        }
      if (!json_parser_load_from_data (parser, contents, length, &parse_error))
        {
          records_clear (&records);
          return fail_broken (self, parse_error->message, error);
        }
      root = json_parser_get_root (parser);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
          (array = member_array (object = json_node_get_object (root), "tasks")) == NULL)
        {
          records_clear (&records);
          return fail_broken (self, _("not a session file"), error);
        }

      /* Newer versions only add fields; what we know is read alike. */
      snapshot_serial = (guint64) MAX (0, member_int (object, "serial", 0));
      self->serial = MAX (self->serial, snapshot_serial);
      self->next_id = MAX (self->next_id, (guint64) MAX (1, member_int (object, "next_id", 1)));
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_OBJECT (node))
            records_put (&records, json_node_get_object (node));
        }
    }

  replay_journal (self, &records, snapshot_serial);

  for (guint i = 0; i < records.records->len; i++)
    {
      JsonObject *record = g_ptr_array_index (records.records, i);
      gint64 id = record != NULL ? member_int (record, "id", 0) : 0;

      if (id > 0)
        self->next_id = MAX (self->next_id, (guint64) id + 1);
    }

  tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < records.records->len; i++)
    {
      JsonObject *record = g_ptr_array_index (records.records, i);
      SluiceTask *task;
      gint64 id;

      if (record == NULL)
        continue;
      task = task_from_json (self, record);
      if (task == NULL)
        {
          g_debug ("Session: skipped an unreadable task (entry %u)", i);
          continue;
        }
      id = member_int (record, "id", 0);
      set_id (task, id > 0 ? (guint64) id : self->next_id++);
      g_ptr_array_add (tasks, task);
    }
  records_clear (&records);

  self->restoring = TRUE;
  _sluice_scheduler_restore_tasks (self->scheduler, tasks);
  self->restoring = FALSE;
  return TRUE;
}

/* Saving */

static void
journal_close (SluiceSession *self)
{
  if (self->journal_fd >= 0)
    {
      close (self->journal_fd);
      self->journal_fd = -1;
    }
}

static gboolean
ensure_parent (const char  *path,
               GError     **error)
{
  g_autofree char *parent = g_path_get_dirname (path);

  if (g_mkdir_with_parents (parent, 0700) != 0)
    {
      int saved_errno = errno;
      g_autofree char *display = g_filename_display_name (parent);

      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_DISK,
                   _("Could not create the folder “%s”: %s"), display, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

/* The whole session as one JSON document. */
static char *
build_snapshot (SluiceSession *self,
                gsize         *length)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->scheduler));
  /* Sized from the last one: growing by doubling would briefly hold up to
   * twice the document (8 MB for 10,000 finished tasks). */
  GString *out = g_string_sized_new (MAX (self->snapshot_length + self->snapshot_length / 8,
                                          256 + (gsize) n_items * 256));

  begin_object (out);
  add_int (out, "version", SLUICE_SESSION_VERSION);
  add_string (out, "generator", PACKAGE_NAME " " PACKAGE_VERSION);
  add_time (out, "saved", g_get_real_time ());
  add_int (out, "serial", (gint64) self->serial);
  add_int (out, "next_id", (gint64) self->next_id);
  begin_member (out, "tasks");
  g_string_append_c (out, '[');
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(SluiceTask) task = g_list_model_get_item (G_LIST_MODEL (self->scheduler), i);

      if (i > 0)
        g_string_append_c (out, ',');
      append_task (self, task, out);
    }
  g_string_append_c (out, ']');
  end_object (out);

  self->snapshot_length = out->len;
  *length = out->len;
  return g_string_free (out, FALSE);
}

/* Any thread.  Snapshots may be written by the autosave's thread and by a
 * synchronous save at once: the lock orders them, and a snapshot older than
 * the last one written is dropped, never put over it. */
static gboolean
write_snapshot (SluiceSession  *self,
                const char     *data,
                gsize           length,
                guint64         generation,
                GError        **error)
{
  gboolean written = TRUE;

  g_mutex_lock (&self->write_lock);
  if (generation > self->written_generation)
    {
      written = ensure_parent (self->path, error) &&
                g_file_set_contents_full (self->path, data, length,
                                          G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
      if (written)
        self->written_generation = generation;
    }
  g_mutex_unlock (&self->write_lock);
  return written;
}

/* Main thread, once a snapshot including journal line serial is on disk. */
static void
snapshot_written (SluiceSession *self,
                  guint64        serial)
{
  /* Lines written since are newer than the snapshot: they stay (loading
   * skips the older ones), until a later snapshot covers them too. */
  if (self->serial == serial)
    {
      journal_close (self);
      g_unlink (self->journal_path);
    }
  self->n_saves++;
}

gboolean
sluice_session_save (SluiceSession  *self,
                     GError        **error)
{
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (SLUICE_IS_SESSION (self), FALSE);

  if (self->engine != NULL)
    return call_back_result (self, CALL_SAVE, error);

  if (self->path == NULL)
    {
      g_set_error_literal (error, SLUICE_ERROR, SLUICE_ERROR_DISK,
                           _("The session file must be a local file"));
      return FALSE;
    }

  data = build_snapshot (self, &length);
  if (!write_snapshot (self, data, length, ++self->generation, error))
    return FALSE;
  snapshot_written (self, self->serial);
  self->dirty = FALSE;
  g_clear_handle_id (&self->save_source, sluice_source_remove);
  return TRUE;
}

static void mark_dirty (SluiceSession *self);

/* Autosave: the document is built on the main thread (~1 µs a task) and
 * written by a worker, so a big session never holds up the window. */

typedef struct {
  char    *data;
  gsize    length;
  guint64  generation;
  guint64  serial;
} SnapshotJob;

static void
snapshot_job_free (SnapshotJob *job)
{
  g_free (job->data);
  g_free (job);
}

static void
write_snapshot_in_thread (GTask        *task,
                          gpointer      source_object,
                          gpointer      task_data,
                          GCancellable *cancellable)
{
  SnapshotJob *job = task_data;
  GError *error = NULL;

  if (write_snapshot (SLUICE_SESSION (source_object), job->data, job->length, job->generation, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_snapshot_written (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  SluiceSession *self = SLUICE_SESSION (source);
  SnapshotJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->writing = FALSE;
  if (g_task_propagate_boolean (G_TASK (result), &error))
    snapshot_written (self, job->serial);
  else
    {
      g_warning ("Could not save the session: %s", error->message);
      self->dirty = TRUE;
    }
  /* Changes made while it was written are saved in their turn. */
  if (self->dirty)
    mark_dirty (self);
}

static void
save_in_background (SluiceSession *self)
{
  g_autoptr(GTask) task = NULL;
  SnapshotJob *job;

  if (self->path == NULL)
    return;
  job = g_new0 (SnapshotJob, 1);
  job->data = build_snapshot (self, &job->length);
  job->generation = ++self->generation;
  job->serial = self->serial;
  self->dirty = FALSE;
  self->writing = TRUE;

  task = g_task_new (self, NULL, on_snapshot_written, NULL);
  g_task_set_source_tag (task, save_in_background);
  g_task_set_task_data (task, job, (GDestroyNotify) snapshot_job_free);
  g_task_run_in_thread (task, write_snapshot_in_thread);
}

gboolean
sluice_session_flush (SluiceSession  *self,
                      GError        **error)
{
  g_return_val_if_fail (SLUICE_IS_SESSION (self), FALSE);

  if (self->engine != NULL)
    return call_back_result (self, CALL_FLUSH, error);
  g_clear_handle_id (&self->save_source, sluice_source_remove);
  /* A snapshot a worker is still writing may not reach the disk if the
   * process ends now: write it here (the lock orders the two writes, and
   * the worker's older one is then skipped). */
  if (!self->dirty && !self->writing)
    return TRUE;
  return sluice_session_save (self, error);
}

static gboolean
on_save_due (gpointer user_data)
{
  SluiceSession *self = user_data;

  self->save_source = 0;
  /* One write at a time; the one under way saves again when done. */
  if (!self->writing)
    save_in_background (self);
  return G_SOURCE_REMOVE;
}

static void
mark_dirty (SluiceSession *self)
{
  self->dirty = TRUE;
  if (self->autosave && self->save_source == 0)
    {
      /* Building a snapshot costs ~1 µs a task on the main thread, and the
       * journal already keeps every file change safe: big batches snapshot
       * less often (10,000 tasks: every 10 s). */
      guint n_tasks = g_list_model_get_n_items (G_LIST_MODEL (self->scheduler));
      guint delay_ms = MAX (SAVE_DELAY_MS, MIN (n_tasks, 60000));

      self->save_source = sluice_timeout_add (delay_ms, on_save_due, self, "[sluice] session save");
    }
}

/* entry is an object with its members, still open: it becomes a line. */
static void
journal_end_line (SluiceSession *self,
                  GString       *entry)
{
  add_int (entry, "serial", (gint64) ++self->serial);
  end_object (entry);
  g_string_append_c (entry, '\n');
}

/* Appends whole lines, in one write(): they survive the process being
 * killed right after.  Not fsynced: the .part files are not either. */
static void
journal_write (SluiceSession *self,
               GString       *lines)
{
  const char *line = lines->str;
  gsize length = lines->len, done = 0;

  if (self->journal_fd < 0)
    {
      g_autoptr(GError) error = NULL;

      if (!ensure_parent (self->journal_path, &error))
        {
          g_warning ("Could not write the session journal: %s", error->message);
          return;
        }
      self->journal_fd = open (self->journal_path,
                               O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (self->journal_fd < 0)
        {
          g_warning ("Could not write the session journal: %s", g_strerror (errno));
          return;
        }
    }

  while (done < length)
    {
      ssize_t n = write (self->journal_fd, line + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_warning ("Could not write the session journal: %s", g_strerror (errno));
          journal_close (self);
          return;
        }
      done += n;
    }
  mark_dirty (self);
}

static void
journal_append (SluiceSession *self,
                GString       *entry)
{
  if (!self->autosave || self->path == NULL)
    return;
  journal_end_line (self, entry);
  journal_write (self, entry);
}

static void
append_task_line (SluiceSession *self,
                  SluiceTask    *task,
                  GString       *lines)
{
  begin_object (lines);
  begin_member (lines, "task");
  append_task (self, task, lines);
  journal_end_line (self, lines);
}

static void
journal_task (SluiceSession *self,
              SluiceTask    *task)
{
  g_autoptr(GString) entry = NULL;

  if (!self->autosave || self->path == NULL)
    return;
  entry = g_string_sized_new (512);
  append_task_line (self, task, entry);
  journal_write (self, entry);
}

/* Following the scheduler */

static void
on_file_changing (SluiceTask *task,
                  gpointer    user_data)
{
  journal_task (SLUICE_SESSION (user_data), task);
}

static void
on_task_finished (SluiceScheduler *scheduler,
                  SluiceTask      *task,
                  SluiceSession   *self)
{
  journal_task (self, task);
}

/* Results arrive with the state that ends a task: the scheduler says when
 * a state changed, one call where a handler on each task cost ~500 bytes
 * of closures at 10,000 tasks (and signals on its counts, ~5 µs a task). */
static void
on_state_changed (SluiceTask *task,
                  gpointer    user_data)
{
  mark_dirty (user_data);
}

static void
track (SluiceSession *self,
       SluiceTask    *task)
{
  if (g_hash_table_contains (self->tracked, task))
    return;
  ensure_id (self, task);
  g_hash_table_add (self->tracked, g_object_ref (task));
}

static void
on_items_changed (GListModel    *model,
                  guint          position,
                  guint          removed,
                  guint          added,
                  SluiceSession *self)
{
  /* On disk at once, in one write: the next snapshot may be up to a
   * minute away (a big session), and a crash must not lose a paste. */
  g_autoptr(GString) lines = NULL;

  if (added > 0 && !self->restoring && self->autosave && self->path != NULL)
    lines = g_string_sized_new (added * 256);
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(SluiceTask) task = g_list_model_get_item (model, i);

      track (self, task);
      if (lines != NULL)
        append_task_line (self, task, lines);
    }
  if (lines != NULL)
    journal_write (self, lines);
  if (added > 0 || removed > 0)
    mark_dirty (self);

  if (removed > 0)
    {
      g_autoptr(GHashTable) present = g_hash_table_new (NULL, NULL);
      GHashTableIter iter;
      SluiceTask *task;
      guint n = g_list_model_get_n_items (model);

      for (guint i = 0; i < n; i++)
        g_hash_table_add (present, g_list_model_get_item (model, i));

      g_hash_table_iter_init (&iter, self->tracked);
      while (g_hash_table_iter_next (&iter, (gpointer *) &task, NULL))
        {
          if (g_hash_table_contains (present, task))
            continue;
          if (self->autosave)
            {
              g_autoptr(GString) entry = g_string_new (NULL);

              begin_object (entry);
              add_int (entry, "remove", (gint64) get_id (task));
              journal_append (self, entry);
            }
          g_hash_table_iter_remove (&iter);
        }

      g_hash_table_foreach (present, (GHFunc) g_object_unref, NULL);
    }

  mark_dirty (self);
}

/* GObject */

static void
sluice_session_constructed (GObject *object)
{
  SluiceSession *self = (SluiceSession *) object;
  SluiceEngineThread *engine;
  guint n;

  G_OBJECT_CLASS (sluice_session_parent_class)->constructed (object);

  g_assert (self->scheduler != NULL && self->file != NULL);
  self->path = g_file_get_path (self->file);
  engine = _sluice_scheduler_get_engine (self->scheduler);
  /* (A file that is not local cannot be written anywhere: this session
   * says so itself, as for any scheduler.) */
  if (engine != NULL && self->path != NULL)
    {
      Call *call = g_new0 (Call, 1);

      self->engine = _sluice_engine_thread_ref (engine);
      call->kind = CALL_NEW;
      call->path = g_strdup (self->path);
      _sluice_engine_thread_call (self->engine, run_call, call);
      self->back = g_steal_pointer (&call->back);
      call_free (call);
      return;
    }
  if (self->path != NULL)
    self->journal_path = g_strconcat (self->path, JOURNAL_SUFFIX, NULL);

  g_signal_connect_object (self->scheduler, "items-changed", G_CALLBACK (on_items_changed), self, 0);
  g_signal_connect_object (self->scheduler, "task-finished", G_CALLBACK (on_task_finished), self, 0);
  /* State and results; never progress. */
  _sluice_scheduler_set_hooks (self->scheduler, on_file_changing, on_state_changed, self);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->scheduler));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SluiceTask) task = g_list_model_get_item (G_LIST_MODEL (self->scheduler), i);

      track (self, task);
    }
}

static void
sluice_session_dispose (GObject *object)
{
  SluiceSession *self = (SluiceSession *) object;

  if (self->engine != NULL)
    {
      /* The engine's session saves what is left as it goes. */
      Call *call = g_new0 (Call, 1);

      call->kind = CALL_UNREF;
      call->back = g_steal_pointer (&self->back);
      _sluice_engine_thread_post (self->engine, run_call, call, (GDestroyNotify) call_free);
      g_clear_pointer (&self->engine, _sluice_engine_thread_unref);
    }

  if (self->autosave && self->dirty)
    {
      g_autoptr(GError) error = NULL;

      if (!sluice_session_save (self, &error))
        g_warning ("Could not save the session: %s", error->message);
    }
  g_clear_handle_id (&self->save_source, sluice_source_remove);

  if (self->tracked != NULL)
    g_hash_table_remove_all (self->tracked);
  if (self->scheduler != NULL)
    {
      _sluice_scheduler_set_hooks (self->scheduler, NULL, NULL, NULL);
      g_signal_handlers_disconnect_by_data (self->scheduler, self);
    }
  g_clear_object (&self->scheduler);
  journal_close (self);

  G_OBJECT_CLASS (sluice_session_parent_class)->dispose (object);
}

static void
sluice_session_finalize (GObject *object)
{
  SluiceSession *self = (SluiceSession *) object;

  g_clear_pointer (&self->tracked, g_hash_table_unref);
  g_clear_object (&self->file);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->journal_path, g_free);
  g_mutex_clear (&self->write_lock);

  G_OBJECT_CLASS (sluice_session_parent_class)->finalize (object);
}

static void
sluice_session_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SluiceSession *self = SLUICE_SESSION (object);

  switch (prop_id)
    {
    case PROP_SCHEDULER: g_value_set_object (value, self->scheduler); break;
    case PROP_FILE: g_value_set_object (value, self->file); break;
    case PROP_AUTOSAVE: g_value_set_boolean (value, self->autosave); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_session_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  SluiceSession *self = SLUICE_SESSION (object);

  switch (prop_id)
    {
    case PROP_SCHEDULER: self->scheduler = g_value_dup_object (value); break;
    case PROP_FILE: self->file = g_value_dup_object (value); break;
    case PROP_AUTOSAVE: sluice_session_set_autosave (self, g_value_get_boolean (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_session_class_init (SluiceSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sluice_session_constructed;
  object_class->dispose = sluice_session_dispose;
  object_class->finalize = sluice_session_finalize;
  object_class->get_property = sluice_session_get_property;
  object_class->set_property = sluice_session_set_property;

  properties[PROP_SCHEDULER] =
    g_param_spec_object ("scheduler", NULL, NULL, SLUICE_TYPE_SCHEDULER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTOSAVE] =
    g_param_spec_boolean ("autosave", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  id_quark = g_quark_from_static_string ("sluice-session-id");
}

static void
sluice_session_init (SluiceSession *self)
{
  self->journal_fd = -1;
  self->next_id = 1;
  g_mutex_init (&self->write_lock);
  self->tracked = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
}

SluiceSession *
sluice_session_new (SluiceScheduler *scheduler,
                    GFile           *file)
{
  g_return_val_if_fail (SLUICE_IS_SCHEDULER (scheduler), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  return g_object_new (SLUICE_TYPE_SESSION, "scheduler", scheduler, "file", file, NULL);
}

SluiceScheduler *
sluice_session_get_scheduler (SluiceSession *self)
{
  g_return_val_if_fail (SLUICE_IS_SESSION (self), NULL);
  return self->scheduler;
}

GFile *
sluice_session_get_file (SluiceSession *self)
{
  g_return_val_if_fail (SLUICE_IS_SESSION (self), NULL);
  return self->file;
}

gboolean
sluice_session_get_autosave (SluiceSession *self)
{
  g_return_val_if_fail (SLUICE_IS_SESSION (self), FALSE);
  return self->autosave;
}

void
sluice_session_set_autosave (SluiceSession *self,
                             gboolean       autosave)
{
  g_return_if_fail (SLUICE_IS_SESSION (self));

  autosave = !!autosave;
  if (self->autosave == autosave)
    return;
  self->autosave = autosave;
  if (self->engine != NULL)
    {
      Call *call = g_new0 (Call, 1);

      call->kind = CALL_SET_AUTOSAVE;
      call->back = self->back;
      call->value = autosave;
      _sluice_engine_thread_post (self->engine, run_call, call, (GDestroyNotify) call_free);
    }
  else if (!autosave)
    g_clear_handle_id (&self->save_source, sluice_source_remove);
  else if (self->dirty)
    mark_dirty (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTOSAVE]);
}

guint
sluice_session_get_n_saves (SluiceSession *self)
{
  g_return_val_if_fail (SLUICE_IS_SESSION (self), 0);
  if (self->engine != NULL)
    {
      Call *call = call_back (self, CALL_GET_N_SAVES);
      guint n = call->n;

      call_free (call);
      return n;
    }
  return self->n_saves;
}

gboolean
sluice_session_get_saving (SluiceSession *self)
{
  g_return_val_if_fail (SLUICE_IS_SESSION (self), FALSE);
  if (self->engine != NULL)
    return call_back_result (self, CALL_GET_SAVING, NULL);
  return self->writing;
}
