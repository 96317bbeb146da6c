/* sluice-download.h: a download's file: NAME.part, resume, rename on success
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sluice-sink.h"
#include "sluice-task.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_DOWNLOAD (sluice_download_get_type ())

G_DECLARE_FINAL_TYPE (SluiceDownload, sluice_download, SLUICE, DOWNLOAD, GObject)

/* reserved_names: final paths that running downloads have claimed, shared
 * by every download of one scheduler so no two pick the same name. */
SluiceDownload *sluice_download_new              (SluiceTask  *task,
                                                  const char  *directory,
                                                  GHashTable  *reserved_names);
/* Takes over NAME.part left in directory by an earlier session: it must be
 * a regular file (never followed through a symlink), its bytes are hashed
 * again so the final sha256 is right, its size is where the download
 * resumes, and NAME is reserved again.  validator (ETag or Last-Modified)
 * may be NULL: the download then starts over in the same file. */
SluiceDownload *sluice_download_new_adopting     (SluiceTask  *task,
                                                  const char  *directory,
                                                  GHashTable  *reserved_names,
                                                  const char  *name,
                                                  const char  *part_name,
                                                  const char  *validator,
                                                  GError     **error);
const char     *sluice_download_get_part_path    (SluiceDownload *self);
gint64          sluice_download_get_offset       (SluiceDownload *self);

/* What a session writes down to find the file again. */
const char     *sluice_download_get_directory    (SluiceDownload *self);
/* The reserved final name and its .part, or NULL when none is held. */
const char     *sluice_download_get_name         (SluiceDownload *self);
const char     *sluice_download_get_part_name    (SluiceDownload *self);
const char     *sluice_download_get_validator    (SluiceDownload *self);
/* TRUE from the moment the whole body is in the .part until the task has
 * its result: the .part is being renamed.  Then sha256 is its hash. */
gboolean        sluice_download_get_complete     (SluiceDownload *self);
const char     *sluice_download_get_sha256       (SluiceDownload *self);

/* TRUE if directory/name is a regular file (not a symlink) of exactly
 * size bytes whose sha256 is sha256. */
gboolean        sluice_download_file_matches     (const char  *directory,
                                                  const char  *name,
                                                  gint64       size,
                                                  const char  *sha256);

G_END_DECLS
