/* sluice-download.c
 *
 * The body goes to NAME.part, created with O_EXCL and never through a
 * symlink; only a complete body is renamed to NAME, and that rename never
 * replaces a file.  The name is reserved in a table shared by the scheduler
 * the moment it is chosen, so two concurrent downloads cannot collide.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice-download.h"
#include "sluice-error.h"
#include "sluice-filename.h"
#include "sluice-sha256.h"
#include "sluice-task-private.h"

#define PART_SUFFIX ".part"
#define MAX_NAME_ATTEMPTS 10000
#define HASH_BUFFER_SIZE (256 * 1024)

struct _SluiceDownload
{
  GObject     parent_instance;

  SluiceTask *task;            /* unowned: the task owns its download */
  char       *directory;
  int         dir_fd;
  GHashTable *reserved_names;

  char       *name;            /* the reserved final name, or NULL */
  char       *final_path;
  char       *part_name;
  char       *part_path;
  int         fd;
  gint64      offset;          /* bytes in the .part file */
  gint64      size;            /* the whole file's, as this response says, or -1 */
  SluiceSha256 *checksum;        /* over those bytes */
  char       *validator;       /* ETag or Last-Modified, for If-Range */
  gboolean    publishing;      /* the result (file: name) is being announced */
  gboolean    complete;        /* the body is whole; renaming */
};

static void sluice_download_sink_iface_init (SluiceSinkInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SluiceDownload, sluice_download, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SLUICE_TYPE_SINK,
                                                      sluice_download_sink_iface_init))

static void
close_fd (SluiceDownload *self)
{
  if (self->fd >= 0)
    {
      close (self->fd);
      self->fd = -1;
    }
}

/* The folder stays open only while the attempt runs: thousands of finished
 * downloads must not hold thousands of descriptors. */
static void
close_directory (SluiceDownload *self)
{
  if (self->dir_fd >= 0)
    {
      close (self->dir_fd);
      self->dir_fd = -1;
    }
}

static void
release_name (SluiceDownload *self)
{
  if (self->final_path != NULL)
    g_hash_table_remove (self->reserved_names, self->final_path);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->final_path, g_free);
  g_clear_pointer (&self->part_name, g_free);
  g_clear_pointer (&self->part_path, g_free);
}

/* A download's names, set aside while it tries another. */
typedef struct {
  char *name;
  char *final_path;
  char *part_name;
  char *part_path;
} Names;

static void
clear_names (Names *names)
{
  g_clear_pointer (&names->name, g_free);
  g_clear_pointer (&names->final_path, g_free);
  g_clear_pointer (&names->part_name, g_free);
  g_clear_pointer (&names->part_path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Names, clear_names)

/* Takes names set aside back, reserved again. */
static void
take_names (SluiceDownload *self,
            Names          *names)
{
  release_name (self);
  self->name = g_steal_pointer (&names->name);
  self->final_path = g_steal_pointer (&names->final_path);
  self->part_name = g_steal_pointer (&names->part_name);
  self->part_path = g_steal_pointer (&names->part_path);
  g_hash_table_add (self->reserved_names, g_strdup (self->final_path));
}

static void
reset_content (SluiceDownload *self)
{
  self->complete = FALSE;
  self->offset = 0;
  sluice_sha256_reset (self->checksum);
  g_clear_pointer (&self->validator, g_free);
}

static void
sluice_download_finalize (GObject *object)
{
  SluiceDownload *self = (SluiceDownload *) object;

  close_fd (self);
  release_name (self);
  close_directory (self);
  g_clear_pointer (&self->reserved_names, g_hash_table_unref);
  g_clear_pointer (&self->directory, g_free);
  g_clear_pointer (&self->checksum, sluice_sha256_free);
  g_clear_pointer (&self->validator, g_free);

  G_OBJECT_CLASS (sluice_download_parent_class)->finalize (object);
}

static void
sluice_download_class_init (SluiceDownloadClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sluice_download_finalize;
}

static void
sluice_download_init (SluiceDownload *self)
{
  self->fd = -1;
  self->dir_fd = -1;
  self->size = -1;
  self->checksum = sluice_sha256_new ();
}

SluiceDownload *
sluice_download_new (SluiceTask *task,
                     const char *directory,
                     GHashTable *reserved_names)
{
  SluiceDownload *self;

  g_return_val_if_fail (SLUICE_IS_TASK (task), NULL);
  g_return_val_if_fail (directory != NULL, NULL);
  g_return_val_if_fail (reserved_names != NULL, NULL);

  self = g_object_new (SLUICE_TYPE_DOWNLOAD, NULL);
  self->task = task;
  self->directory = g_strdup (directory);
  self->reserved_names = g_hash_table_ref (reserved_names);
  return self;
}

const char *
sluice_download_get_part_path (SluiceDownload *self)
{
  g_return_val_if_fail (SLUICE_IS_DOWNLOAD (self), NULL);
  return self->part_path;
}

gint64
sluice_download_get_offset (SluiceDownload *self)
{
  g_return_val_if_fail (SLUICE_IS_DOWNLOAD (self), 0);
  return self->offset;
}

const char *
sluice_download_get_directory (SluiceDownload *self)
{
  g_return_val_if_fail (SLUICE_IS_DOWNLOAD (self), NULL);
  return self->directory;
}

const char *
sluice_download_get_name (SluiceDownload *self)
{
  g_return_val_if_fail (SLUICE_IS_DOWNLOAD (self), NULL);
  return self->part_name != NULL ? self->name : NULL;
}

const char *
sluice_download_get_part_name (SluiceDownload *self)
{
  g_return_val_if_fail (SLUICE_IS_DOWNLOAD (self), NULL);
  return self->part_name;
}

const char *
sluice_download_get_validator (SluiceDownload *self)
{
  g_return_val_if_fail (SLUICE_IS_DOWNLOAD (self), NULL);
  return self->validator;
}

gboolean
sluice_download_get_complete (SluiceDownload *self)
{
  g_return_val_if_fail (SLUICE_IS_DOWNLOAD (self), FALSE);
  return self->complete && self->part_name != NULL;
}

const char *
sluice_download_get_sha256 (SluiceDownload *self)
{
  g_return_val_if_fail (SLUICE_IS_DOWNLOAD (self), NULL);
  /* Reading the digest closes the checksum: only once it is whole. */
  return self->complete ? sluice_sha256_get_string (self->checksum) : NULL;
}

static gboolean
set_disk_error (GError     **error,
                int          saved_errno,
                const char  *what,
                const char  *path)
{
  g_autofree char *display = g_filename_display_name (path);

  if (saved_errno == ENOSPC || saved_errno == EDQUOT || saved_errno == EFBIG)
    g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_DISK,
                 _("The disk is full: could not write “%s”"), display);
  else if (saved_errno == EACCES || saved_errno == EPERM || saved_errno == EROFS)
    g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_DISK,
                 _("Not allowed to write “%s”: %s"), display, g_strerror (saved_errno));
  else
    /* Translators: the first %s is what was done ("create", "write"), the second a file */
    g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_DISK,
                 _("Could not %s “%s”: %s"), what, display, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
ensure_directory (SluiceDownload  *self,
                  GError         **error)
{
  if (self->dir_fd >= 0)
    return TRUE;

  self->dir_fd = open (self->directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (self->dir_fd < 0)
    {
      int saved_errno = errno;
      g_autofree char *display = g_filename_display_name (self->directory);

      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_DISK,
                   _("Cannot open the download folder “%s”: %s"),
                   display, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

/* Whether the folder's path still leads to the folder we opened. */
static gboolean
same_folder (SluiceDownload *self)
{
  struct stat named, opened;

  return stat (self->directory, &named) == 0 && fstat (self->dir_fd, &opened) == 0 &&
         named.st_dev == opened.st_dev && named.st_ino == opened.st_ino;
}

/* Whether something has name in the folder: 1 yes, 0 no, -1 cannot tell
 * (errno says why: a folder we may not look into, say). */
static int
name_taken (SluiceDownload *self,
            const char     *name)
{
  struct stat st;

  if (fstatat (self->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
    return 1;
  return errno == ENOENT ? 0 : -1;
}

/* Picks NAME, NAME (1).ext, … that no file and no other download has, and
 * creates its .part exclusively.  Leaves self->fd open on success. */
static gboolean
reserve_name (SluiceDownload  *self,
              const char      *wanted,
              guint            first_counter,
              GError         **error)
{
  gsize name_max = sluice_filename_get_name_max (self->directory);
  gsize final_max = name_max > strlen (PART_SUFFIX) + 8 ? name_max - strlen (PART_SUFFIX) : name_max;

  for (guint n = first_counter; n < MAX_NAME_ATTEMPTS; n++)
    {
      g_autofree char *candidate = NULL;
      g_autofree char *part_name = NULL;
      g_autofree char *final_path = NULL;
      int taken;
      int fd;

      candidate = n == 0 ? sluice_filename_sanitize (wanted, final_max)
                         : sluice_filename_with_counter (wanted, n, final_max);
      if (candidate == NULL)
        candidate = n == 0 ? g_strdup ("download")
                           : sluice_filename_with_counter ("download", n, final_max);

      final_path = g_build_filename (self->directory, candidate, NULL);
      part_name = g_strconcat (candidate, PART_SUFFIX, NULL);
      /* Someone's .part is not ours to name in a session either. */
      taken = g_hash_table_contains (self->reserved_names, final_path) ? 1 : name_taken (self, candidate);
      if (taken == 0)
        taken = name_taken (self, part_name);
      if (taken < 0)
        return set_disk_error (error, errno, _("create"), final_path);
      if (taken > 0)
        continue;

      self->name = g_steal_pointer (&candidate);
      self->part_name = g_steal_pointer (&part_name);
      self->part_path = g_build_filename (self->directory, self->part_name, NULL);
      self->final_path = g_steal_pointer (&final_path);

      /* Written down before the file exists, so that after a crash no
       * .part is left that nobody knows about. */
      _sluice_task_file_changing (self->task);

      fd = openat (self->dir_fd, self->part_name,
                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0)
        {
          int saved_errno = errno;
          g_autofree char *failed_path = g_steal_pointer (&self->final_path);

          g_clear_pointer (&self->name, g_free);
          g_clear_pointer (&self->part_name, g_free);
          g_clear_pointer (&self->part_path, g_free);
          if (saved_errno == EEXIST)
            continue;
          return set_disk_error (error, saved_errno, _("create"), failed_path);
        }

      self->fd = fd;
      g_hash_table_add (self->reserved_names, g_strdup (self->final_path));
      return TRUE;
    }

  g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_DISK,
               _("No free file name left for “%s”"), wanted);
  return FALSE;
}

/* Opens our own .part again for a resume; anything unexpected there
 * (gone, replaced, a different size) means starting over. */
static gboolean
reopen_part (SluiceDownload *self)
{
  struct stat st;
  int fd;

  fd = openat (self->dir_fd, self->part_name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return FALSE;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size != self->offset ||
      lseek (fd, 0, SEEK_END) != self->offset)
    {
      close (fd);
      return FALSE;
    }
  self->fd = fd;
  return TRUE;
}

static gboolean
truncate_part (SluiceDownload  *self,
               GError         **error)
{
  reset_content (self);
  if (ftruncate (self->fd, 0) != 0 || lseek (self->fd, 0, SEEK_SET) != 0)
    return set_disk_error (error, errno, _("truncate"), self->part_path);
  return TRUE;
}

static void
sluice_download_prepare (SluiceSink  *sink,
                         SoupMessage *message)
{
  SluiceDownload *self = SLUICE_DOWNLOAD (sink);
  SoupMessageHeaders *headers = soup_message_get_request_headers (message);

  /* Save exactly the bytes the server sent. */
  soup_message_disable_feature (message, SOUP_TYPE_CONTENT_DECODER);

  if (self->offset > 0 && self->validator != NULL && self->part_name != NULL)
    {
      soup_message_headers_set_range (headers, self->offset, -1);
      soup_message_headers_replace (headers, "If-Range", self->validator);
    }
}

/* The size of the whole file in a 416's Content-Range ("bytes", a star,
 * a slash, the size), or -1. */
static gint64
parse_unsatisfied_range (SoupMessage *message)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                    "Content-Range");
  guint64 size;

  if (value == NULL || !g_str_has_prefix (value, "bytes */") ||
      !g_ascii_string_to_unsigned (value + strlen ("bytes */"), 10, 0, G_MAXINT64, &size, NULL))
    return -1;
  return (gint64) size;
}

/* A resume asked for bytes past the end: if the .part already holds the
 * whole file (its last attempt failed after the last byte), it is done;
 * otherwise the server has changed its mind about the file: start over. */
static gboolean
begin_unsatisfiable (SluiceDownload  *self,
                     SoupMessage     *message,
                     gboolean        *want_body,
                     GError         **error)
{
  if (self->part_name != NULL && self->offset > 0 && parse_unsatisfied_range (message) == self->offset)
    {
      self->size = self->offset;
      *want_body = FALSE;
      _sluice_task_set_progress (self->task, self->offset, self->offset);
      return TRUE;
    }
  if (self->fd >= 0)
    truncate_part (self, NULL);
  g_set_error_literal (error, SLUICE_ERROR, SLUICE_ERROR_NETWORK,
                       _("The server could not send the rest of the file; starting over"));
  return FALSE;
}

static gboolean
sluice_download_begin (SluiceSink   *sink,
                       SoupMessage  *message,
                       gboolean     *want_body,
                       GError      **error)
{
  SluiceDownload *self = SLUICE_DOWNLOAD (sink);
  SoupMessageHeaders *headers = soup_message_get_response_headers (message);
  const char *etag = soup_message_headers_get_one (headers, "ETag");
  const char *last_modified = soup_message_headers_get_one (headers, "Last-Modified");
  goffset content_length = soup_message_headers_get_content_length (headers);
  gint64 total = -1;

  if (!ensure_directory (self, error))
    return FALSE;

  if (self->part_name != NULL && self->fd < 0 && !reopen_part (self))
    {
      /* Our .part vanished or changed under us: take a fresh name. */
      release_name (self);
      reset_content (self);
    }

  if (soup_message_get_status (message) == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
    return begin_unsatisfiable (self, message, want_body, error);

  if (self->part_name == NULL)
    {
      const char *disposition = soup_message_headers_get_one (headers, "Content-Disposition");
      gsize name_max = sluice_filename_get_name_max (self->directory);
      g_autofree char *wanted = sluice_filename_for_response (disposition,
                                                              soup_message_get_uri (message),
                                                              name_max);

      /* The new file's validator goes into the session with its name. */
      g_free (self->validator);
      self->validator = g_strdup (etag != NULL && !g_str_has_prefix (etag, "W/") ? etag : last_modified);
      if (!reserve_name (self, wanted, 0, error))
        return FALSE;
      _sluice_task_set_path (self->task, self->final_path);
    }

  if (soup_message_get_status (message) == SOUP_STATUS_PARTIAL_CONTENT)
    {
      goffset start = -1, end = -1;

      if (!soup_message_headers_get_content_range (headers, &start, &end, &total) ||
          start != self->offset)
        {
          /* Not the part we asked for: forget the partial file. */
          truncate_part (self, NULL);
          g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_NETWORK,
                       _("The server sent a different part of the file than asked for"));
          return FALSE;
        }
      if (total < 0 && content_length > 0)
        total = self->offset + content_length;
    }
  else
    {
      /* A 200 to a Range request starts over from zero. */
      if (self->offset > 0 && !truncate_part (self, error))
        return FALSE;
      if (soup_message_get_status (message) == SOUP_STATUS_NO_CONTENT ||
          soup_message_get_status (message) == SOUP_STATUS_RESET_CONTENT)
        total = 0;  /* no body, whatever Content-Length says */
      else
        total = content_length > 0 || soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
              ? content_length : -1;
    }

  g_free (self->validator);
  self->validator = g_strdup (etag != NULL && !g_str_has_prefix (etag, "W/") ? etag : last_modified);

  self->size = total;
  _sluice_task_set_progress (self->task, self->offset, total);
  return TRUE;
}

static gboolean
sluice_download_write (SluiceSink    *sink,
                       const guint8  *data,
                       gsize          length,
                       GError       **error)
{
  SluiceDownload *self = SLUICE_DOWNLOAD (sink);
  gsize done = 0;

  g_return_val_if_fail (self->fd >= 0, FALSE);

  while (done < length)
    {
      ssize_t n = write (self->fd, data + done, length - done);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return set_disk_error (error, errno, _("write"), self->part_path);
        }
      done += n;
    }

  sluice_sha256_update (self->checksum, data, length);
  self->offset += length;
  return TRUE;
}

static gboolean
sluice_download_finish (SluiceSink  *sink,
                        GError     **error)
{
  SluiceDownload *self = SLUICE_DOWNLOAD (sink);
  g_autofree char *wanted = NULL;
  g_autofree char *final_path = NULL;
  g_autofree char *sha256 = NULL;
  g_auto(Names) old = { NULL, };

  /* Open already, unless a session finishes an adopted file. */
  if (!ensure_directory (self, error))
    return FALSE;

  /* A server may answer a resume with less than the rest (a 206 for part
   * of what was asked): the file is not whole yet; the next attempt asks
   * for what is missing. */
  if (self->size >= 0 && self->offset < self->size)
    {
      g_autofree char *got = g_format_size (self->offset);
      g_autofree char *want = g_format_size (self->size);

      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_NETWORK,
                   _("The server sent only part of the file (%s of %s)"), got, want);
      return FALSE;
    }

  if (self->fd >= 0)
    {
      struct stat ours, named;

      /* Only rename what we wrote: if the .part was swapped (for a
       * symlink, say) while we held it open, the name is not ours. */
      if (fstat (self->fd, &ours) != 0 ||
          fstatat (self->dir_fd, self->part_name, &named, AT_SYMLINK_NOFOLLOW) != 0 ||
          !S_ISREG (named.st_mode) || ours.st_dev != named.st_dev || ours.st_ino != named.st_ino)
        {
          close_fd (self);
          g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_DISK,
                       _("The partial file “%s” was replaced while downloading"), self->part_name);
          return FALSE;
        }
      if (close (self->fd) != 0)
        {
          int saved_errno = errno;

          self->fd = -1;
          return set_disk_error (error, saved_errno, _("write"), self->part_path);
        }
    }
  self->fd = -1;

  /* The folder we wrote into must still be the one its path names, or the
   * result would name someone else's file. */
  if (!same_folder (self))
    {
      g_autofree char *display = g_filename_display_name (self->directory);

      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_DISK,
                   _("The download folder “%s” was moved or replaced while downloading"), display);
      return FALSE;
    }

  /* A crash between here and the result must not lose the file. */
  self->complete = TRUE;
  _sluice_task_file_changing (self->task);

  /* Never replace: if NAME appeared since we reserved it, take the next. */
  wanted = g_strdup (self->name);
  for (guint n = 1; ; n++)
    {
      int fd;

      if (renameat2 (self->dir_fd, self->part_name, self->dir_fd, self->name, RENAME_NOREPLACE) == 0)
        break;
      if (errno == EINVAL || errno == ENOSYS)
        {
          /* A file system without RENAME_NOREPLACE: link() never replaces either. */
          if (linkat (self->dir_fd, self->part_name, self->dir_fd, self->name, 0) == 0)
            {
              unlinkat (self->dir_fd, self->part_name, 0);
              break;
            }
        }
      if (errno != EEXIST || n >= MAX_NAME_ATTEMPTS)
        return set_disk_error (error, errno, _("rename"), self->final_path);

      /* Move the finished .part under a fresh reserved name and try again.
       * If that fails, the .part stays ours under its old name, for abort ()
       * to keep or remove as for any failure. */
      old.name = g_steal_pointer (&self->name);
      old.final_path = g_steal_pointer (&self->final_path);
      old.part_name = g_steal_pointer (&self->part_name);
      old.part_path = g_steal_pointer (&self->part_path);
      g_hash_table_remove (self->reserved_names, old.final_path);
      if (!reserve_name (self, wanted, n, error))
        {
          take_names (self, &old);
          return FALSE;
        }
      fd = self->fd;
      self->fd = -1;
      close (fd);
      if (renameat (self->dir_fd, old.part_name, self->dir_fd, self->part_name) != 0)
        {
          int saved_errno = errno;
          g_autofree char *failed_path = g_strdup (self->part_path);

          /* The empty .part just made under the new name goes. */
          unlinkat (self->dir_fd, self->part_name, 0);
          release_name (self);
          take_names (self, &old);
          return set_disk_error (error, saved_errno, _("rename"), failed_path);
        }
      clear_names (&old);
    }

  /* The file exists now; the reservation has done its job.  Tidy up
   * before publishing: a "notify" handler may cancel the task (and abort
   * this sink) while the result is being set. */
  final_path = g_strdup (self->final_path);
  sha256 = g_strdup (sluice_sha256_get_string (self->checksum));
  g_hash_table_remove (self->reserved_names, self->final_path);
  g_clear_pointer (&self->part_name, g_free);
  g_clear_pointer (&self->part_path, g_free);
  close_directory (self);

  /* Until the result is out, a cancel still means "no file". */
  self->publishing = TRUE;
  _sluice_task_set_download_result (self->task, final_path, sha256);
  self->publishing = FALSE;
  return TRUE;
}

/* Adopting a .part */

static gboolean
is_plain_name (const char *name)
{
  return name != NULL && *name != '\0' && strchr (name, '/') == NULL &&
         strcmp (name, ".") != 0 && strcmp (name, "..") != 0;
}

/* Opens name in dir_fd for reading if it is a regular file, never through
 * a symlink and never blocking on a FIFO.  Returns -1 with errno set. */
static int
open_regular (int          dir_fd,
              const char  *name,
              struct stat *st)
{
  int fd = openat (dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

  if (fd < 0)
    return -1;
  if (fstat (fd, st) != 0 || !S_ISREG (st->st_mode))
    {
      close (fd);
      errno = EINVAL;
      return -1;
    }
  return fd;
}

static gboolean
hash_fd (int        fd,
         SluiceSha256 *checksum,
         gint64    *length)
{
  g_autofree guint8 *buffer = g_malloc (HASH_BUFFER_SIZE);

  *length = 0;
  for (;;)
    {
      ssize_t n = read (fd, buffer, HASH_BUFFER_SIZE);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      if (n == 0)
        return TRUE;
      sluice_sha256_update (checksum, buffer, n);
      *length += n;
    }
}

SluiceDownload *
sluice_download_new_adopting (SluiceTask  *task,
                              const char  *directory,
                              GHashTable  *reserved_names,
                              const char  *name,
                              const char  *part_name,
                              const char  *validator,
                              GError     **error)
{
  g_autoptr(SluiceDownload) self = NULL;
  g_autofree char *expected_part = NULL;
  g_autofree char *final_path = NULL;
  g_autofree char *display = NULL;
  struct stat st;
  gboolean hashed;
  int saved_errno;
  int fd;

  g_return_val_if_fail (SLUICE_IS_TASK (task), NULL);
  g_return_val_if_fail (directory != NULL, NULL);
  g_return_val_if_fail (reserved_names != NULL, NULL);

  /* The names come from a file on disk: nothing outside directory. */
  expected_part = name != NULL ? g_strconcat (name, PART_SUFFIX, NULL) : NULL;
  if (!g_path_is_absolute (directory) || !is_plain_name (name) ||
      g_strcmp0 (part_name, expected_part) != 0)
    {
      g_set_error_literal (error, SLUICE_ERROR, SLUICE_ERROR_INVALID,
                           _("The partial file’s name is not valid"));
      return NULL;
    }

  self = sluice_download_new (task, directory, reserved_names);
  final_path = g_build_filename (directory, name, NULL);
  display = g_filename_display_name (final_path);
  if (g_hash_table_contains (reserved_names, final_path))
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_DISK,
                   _("“%s” is already being downloaded"), display);
      return NULL;
    }
  if (!ensure_directory (self, error))
    return NULL;

  fd = open_regular (self->dir_fd, part_name, &st);
  saved_errno = errno;
  /* Like every download, hold the folder only while a transfer runs. */
  close_directory (self);
  if (fd < 0)
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_DISK,
                   _("Cannot resume “%s”: %s"), display,
                   saved_errno == ELOOP || saved_errno == EINVAL
                   ? _("the partial file is not a regular file")
                   : g_strerror (saved_errno));
      return NULL;
    }
  hashed = hash_fd (fd, self->checksum, &self->offset);
  saved_errno = errno;
  close (fd);
  if (!hashed)
    {
      set_disk_error (error, saved_errno, _("read"), final_path);
      return NULL;
    }

  self->name = g_strdup (name);
  self->part_name = g_strdup (part_name);
  self->part_path = g_build_filename (directory, part_name, NULL);
  self->final_path = g_steal_pointer (&final_path);
  self->validator = g_strdup (validator);
  g_hash_table_add (reserved_names, g_strdup (self->final_path));
  _sluice_task_set_path (task, self->final_path);

  return g_steal_pointer (&self);
}

gboolean
sluice_download_file_matches (const char *directory,
                              const char *name,
                              gint64      size,
                              const char *sha256)
{
  g_autoptr(SluiceSha256) checksum = NULL;
  struct stat st;
  gint64 length = 0;
  gboolean ok;
  int dir_fd, fd;

  if (directory == NULL || !is_plain_name (name) || sha256 == NULL || size < 0)
    return FALSE;
  dir_fd = open (directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    return FALSE;
  fd = open_regular (dir_fd, name, &st);
  close (dir_fd);
  if (fd < 0)
    return FALSE;
  if (st.st_size != size)
    {
      close (fd);
      return FALSE;
    }

  checksum = sluice_sha256_new ();
  ok = hash_fd (fd, checksum, &length);
  close (fd);
  return ok && length == size && g_ascii_strcasecmp (sluice_sha256_get_string (checksum), sha256) == 0;
}

static void
sluice_download_abort (SluiceSink *sink,
                       gboolean    discard)
{
  SluiceDownload *self = SLUICE_DOWNLOAD (sink);

  close_fd (self);

  if (discard)
    {
      if (self->part_name != NULL && ensure_directory (self, NULL))
        unlinkat (self->dir_fd, self->part_name, 0);
      /* Cancelled while announcing a finished file (from a notify handler):
       * the file goes too, as the task says "Cancelled". */
      if (self->publishing && ensure_directory (self, NULL))
        unlinkat (self->dir_fd, self->name, 0);
      release_name (self);
      reset_content (self);
      _sluice_task_set_path (self->task, NULL);
    }
  close_directory (self);
}

static void
sluice_download_sink_iface_init (SluiceSinkInterface *iface)
{
  iface->prepare = sluice_download_prepare;
  iface->begin = sluice_download_begin;
  iface->write = sluice_download_write;
  iface->finish = sluice_download_finish;
  iface->abort = sluice_download_abort;
}
